"""The authorizations table: one item per representative, client, tax type and period.

The key is deterministic (storage never invents it: services/authorizations.py derives it from
representative CRIB + client CRIB + tax type + period), so the same authorization can only ever be
one item: a single registration is a conditional put, a re-imported file finds its rows present.

Bulk writes use BatchWriteItem, which cannot carry a condition. `put_batch` is therefore only ever
called with items whose keys a consistent BatchGetItem (`existing`) found absent, while the
representative's import slot (storage/import_jobs.py) keeps every other writer of that
representative's keys out: single registrations check the slot in their transaction, and only one
import of a representative writes at a time. A blind put can thus only land on a key nobody else
can have created in between, and can never overwrite an item whose status a client changed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.base import Conflict, meta
from chalicelib.storage.import_jobs import ImportSlot, not_writing, slot_key

# Stored statuses; "expired" is never stored, it is read from the end date (see status_filter).
PENDING, ACTIVE, REVOKED, EXPIRED = "pending", "active", "revoked", "expired"

BATCH_WRITE_LIMIT = 25  # DynamoDB's maximum per BatchWriteItem request
BATCH_GET_LIMIT = 100  # DynamoDB's maximum per BatchGetItem request
MAX_ATTEMPTS = 8
BACKOFF_BASE = 0.05
BACKOFF_CAP = 2.0


class RepresentativeIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "representative-index"
        projection = AllProjection()

    representative_crib = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ClientIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "client-index"
        projection = AllProjection()

    client_crib = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ImportIndex(GlobalSecondaryIndex):
    """Sparse (only imported items carry import_id), ordered by client: one summary notice per client."""

    class Meta:
        index_name = "import-index"
        projection = KeysOnlyProjection()

    import_id = UnicodeAttribute(hash_key=True)
    client_crib = UnicodeAttribute(range_key=True)


class Authorization(Model):
    Meta = meta("authorizations")

    authorization_id = UnicodeAttribute(hash_key=True)
    representative_crib = UnicodeAttribute()
    firm_name = UnicodeAttribute(null=True)
    client_crib = UnicodeAttribute()
    client_name = UnicodeAttribute(null=True)
    reference = UnicodeAttribute(null=True)
    tax_type = UnicodeAttribute()
    start_date = UnicodeAttribute()  # YYYY-MM-DD
    end_date = UnicodeAttribute(null=True)  # YYYY-MM-DD; absent = open-ended
    # Stored: pending | active | revoked. "expired" is derived from end_date when read.
    status = UnicodeAttribute()
    source = UnicodeAttribute()  # "single" or "import"
    import_id = UnicodeAttribute(null=True)
    import_row = NumberAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = NumberAttribute()
    created_key = UnicodeAttribute()  # <created_at, 10 digits>#<authorization_id>: newest first per index
    updated_at = NumberAttribute()
    confirmed_at = NumberAttribute(null=True)
    revoked_at = NumberAttribute(null=True)
    revoked_by = UnicodeAttribute(null=True)

    representative_index = RepresentativeIndex()
    client_index = ClientIndex()
    import_index = ImportIndex()


def get_authorization(authorization_id: str) -> Authorization | None:
    try:
        return Authorization.get(authorization_id, consistent_read=True)
    except DoesNotExist:
        return None


class AlreadyExistsError(Conflict):
    """An authorization with this key exists already."""


class ImportWritingError(Conflict):
    """An import of the same representative is writing right now."""


def create_single(item: Authorization, audit: AuditEvent, *, now: int) -> None:
    """One registration, in one transaction: no import of the representative is writing (its slot),
    the key is new (conditional put), and the audit event is stored with it."""
    try:
        with recorded_transaction(audit) as transaction:
            transaction.condition_check(ImportSlot, slot_key(item.representative_crib), condition=not_writing(now))
            transaction.save(item, condition=Authorization.authorization_id.does_not_exist())
    except Conflict as conflict:
        # Which condition refused: the key exists (it cannot vanish again), or else the slot.
        if get_authorization(item.authorization_id) is not None:
            raise AlreadyExistsError() from conflict
        raise ImportWritingError() from conflict


def _change_status(authorization_id: str, *, client_crib: str, from_statuses: Sequence[str], to_status: str,
                   not_ended_on: str, actions: list, audit: AuditEvent) -> None:
    """One conditional update with its audit event: the item belongs to this client, is in one of
    `from_statuses` and has not ended before `not_ended_on` (YYYY-MM-DD). Conflict when refused."""
    condition = (
        Authorization.authorization_id.exists()
        & (Authorization.client_crib == client_crib)
        & Authorization.status.is_in(*from_statuses)
        & (Authorization.end_date.does_not_exist() | (Authorization.end_date >= not_ended_on))
    )
    with recorded_transaction(audit) as transaction:
        transaction.update(Authorization(authorization_id), actions=[Authorization.status.set(to_status), *actions],
                           condition=condition)


def confirm(authorization_id: str, *, client_crib: str, not_ended_on: str, now: int, audit: AuditEvent) -> None:
    """pending -> active, by the client of the item, while it has not ended; Conflict when refused."""
    _change_status(authorization_id, client_crib=client_crib, from_statuses=(PENDING,), to_status=ACTIVE,
                   not_ended_on=not_ended_on, audit=audit,
                   actions=[Authorization.confirmed_at.set(now), Authorization.updated_at.set(now)])


def revoke(authorization_id: str, *, client_crib: str, by: str, not_ended_on: str, now: int,
           audit: AuditEvent) -> None:
    """pending or active -> revoked, by the client of the item, while it has not ended; Conflict when refused."""
    _change_status(authorization_id, client_crib=client_crib, from_statuses=(PENDING, ACTIVE), to_status=REVOKED,
                   not_ended_on=not_ended_on, audit=audit,
                   actions=[Authorization.revoked_at.set(now), Authorization.revoked_by.set(by),
                            Authorization.updated_at.set(now)])


class UnknownStatusError(ValueError):
    """A status filter that is none of PENDING, ACTIVE, REVOKED, EXPIRED."""


def status_filter(status: str | None, on: str):  # type: ignore[no-untyped-def]
    """The filter for a status as people see it on day `on` (YYYY-MM-DD): expired is derived from the
    end date, so pending and active mean "and not ended"."""
    if not status:
        return None
    not_ended = Authorization.end_date.does_not_exist() | (Authorization.end_date >= on)
    if status == REVOKED:
        return Authorization.status == REVOKED
    if status == EXPIRED:
        return Authorization.status.is_in(PENDING, ACTIVE) & Authorization.end_date.exists() & (
            Authorization.end_date < on)
    if status in (PENDING, ACTIVE):
        return (Authorization.status == status) & not_ended
    raise UnknownStatusError(status)


def _page(iterator) -> tuple[list[Authorization], dict | None]:  # type: ignore[no-untyped-def]
    items = list(iterator)
    return items, iterator.last_evaluated_key


def by_representative(crib: str, *, limit: int, last_key: dict | None, status: str | None = None,
                      on: str = "") -> tuple[list[Authorization], dict | None]:
    """One page of a representative's authorizations, newest first, optionally of one status (on day `on`)."""
    return _page(Authorization.representative_index.query(
        crib, scan_index_forward=False, limit=limit, last_evaluated_key=last_key,
        filter_condition=status_filter(status, on)))


def by_client(crib: str, *, limit: int, last_key: dict | None, status: str | None = None,
              on: str = "") -> tuple[list[Authorization], dict | None]:
    """One page of the authorizations on a client's CRIB, newest first."""
    return _page(Authorization.client_index.query(
        crib, scan_index_forward=False, limit=limit, last_evaluated_key=last_key,
        filter_condition=status_filter(status, on)))


def clients_of_import(import_id: str, after_client: str | None) -> Iterator[str]:
    """The client CRIBs of an import's items in CRIB order (repeated once per item), from after_client on."""
    condition = Authorization.client_crib > after_client if after_client else None
    for item in Authorization.import_index.query(import_id, range_key_condition=condition):
        yield item.client_crib


def count_of_import(import_id: str) -> int:
    return Authorization.import_index.count(import_id)


# ---------------------------------------------------------------- bulk access


def _backoff(attempt: int) -> None:
    """Exponential backoff with full jitter, as AWS advises for unprocessed batch items."""
    time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)))  # noqa: S311 - jitter, not a secret


class BatchIncompleteError(Exception):
    """DynamoDB kept items unprocessed through every retry (sustained throttling)."""


def existing(authorization_ids: Iterable[str], attributes: Sequence[str]) -> dict[str, Authorization]:
    """The items among these keys that exist (consistent BatchGetItem, unprocessed keys retried)."""
    connection = Authorization._get_connection()
    table = Authorization.Meta.table_name
    found: dict[str, Authorization] = {}
    pending = list(dict.fromkeys(authorization_ids))
    for start in range(0, len(pending), BATCH_GET_LIMIT):
        keys = [{"authorization_id": {"S": key}} for key in pending[start:start + BATCH_GET_LIMIT]]
        for attempt in range(MAX_ATTEMPTS):
            data = connection.batch_get_item(keys, consistent_read=True, attributes_to_get=list(attributes))
            for raw in data.get("Responses", {}).get(table, []):
                item = Authorization.from_raw_data(raw)
                found[item.authorization_id] = item
            unprocessed = data.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
            if not unprocessed:
                break
            keys = unprocessed
            _backoff(attempt)
        else:
            raise BatchIncompleteError("batch get")
    return found


def put_batch(items: Sequence[Authorization]) -> int:
    """Put up to 25 items with one BatchWriteItem, resending unprocessed ones with backoff.

    Only for keys `existing` found absent while the representative's import slot is held (see the
    module docstring). Returns the number of requests it took.
    """
    assert 0 < len(items) <= BATCH_WRITE_LIMIT
    connection = Authorization._get_connection()
    table = Authorization.Meta.table_name
    requests = 0
    put_items = [item.serialize() for item in items]
    for attempt in range(MAX_ATTEMPTS):
        data = connection.batch_write_item(put_items=put_items)
        requests += 1
        unprocessed = (data or {}).get("UnprocessedItems", {}).get(table, [])
        if not unprocessed:
            return requests
        put_items = [entry["PutRequest"]["Item"] for entry in unprocessed]
        _backoff(attempt)
    raise BatchIncompleteError("batch write")
