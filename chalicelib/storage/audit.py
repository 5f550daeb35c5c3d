"""The audit events table: append-only. Items are only ever put (never updated or deleted by the code).

Keyed by day with a time-ordered sort key, so the newest events of a day come first; indexes by
target and by actor serve the support desk's filters. The model itself refuses updates and deletes
and adds the does-not-exist condition to every save, so no code path can rewrite history.

Tamper evidence (docs/architecture.md "Tamper-evident audit trail"): every event is signed when it is
written, an HMAC-SHA-256 with the stage's audit key over all of its fields (`mac`), in the same put,
so no write costs an extra request. Seal items (`AuditSeal`, partition `seal#<day>`, in no index)
list the events of a day in order with their MACs, sealed in a chain; services/audit_integrity.py
writes and verifies them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.storage.base import Conflict, is_condition_failure, meta, transaction_connection


class TargetIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "target-index"
        projection = AllProjection()

    target = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)


class ActorIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "actor-index"
        projection = AllProjection()

    actor = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)


class AuditEvent(Model):
    Meta = meta("audit_events")

    day = UnicodeAttribute(hash_key=True)  # YYYY-MM-DD (UTC)
    event_id = UnicodeAttribute(range_key=True)  # <ISO time>#<random>, sorts by time
    at = NumberAttribute()
    actor = UnicodeAttribute()
    target = UnicodeAttribute()
    action = UnicodeAttribute()
    outcome = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    details = MapAttribute(null=True)
    # HMAC-SHA-256 (hex) over every field above with the audit key: set by sign() as it is written.
    mac = UnicodeAttribute(null=True)

    target_index = TargetIndex()
    actor_index = ActorIndex()

    def save(self, condition: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Create the event; never overwrite one (the condition is added whatever the caller passed)."""
        sign(self)
        append_only = AuditEvent.event_id.does_not_exist()
        if condition is not None and condition != append_only:
            append_only = condition & append_only
        try:
            return super().save(condition=append_only, **kwargs)
        except PutError as error:
            # Event ids are unique per event: when this one exists, an earlier attempt of this very
            # save was stored and only its answer was lost (botocore sent it again).
            plain = condition is None or condition == AuditEvent.event_id.does_not_exist()
            if plain and is_condition_failure(error) and is_stored(self):
                return {}
            raise

    def update(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events are never updated")

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events are never deleted")


def _plain(value: Any) -> Any:
    return value.as_dict() if isinstance(value, MapAttribute) else value


def content(event: AuditEvent) -> bytes:
    """The signed form of an event: every field, as canonical JSON (the same when it is read back)."""
    fields = {
        "day": event.day, "event_id": event.event_id, "at": int(event.at), "actor": event.actor,
        "target": event.target, "action": event.action, "outcome": event.outcome, "reason": event.reason,
        "ip": event.ip, "user_agent": event.user_agent, "details": _plain(event.details),
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def event_mac(event: AuditEvent, key: bytes | None = None) -> str:
    from chalicelib.storage.keys import get_keys

    return hmac.new(key or get_keys().audit_key, b"audit-event v1\n" + content(event), hashlib.sha256).hexdigest()


def sign(event: AuditEvent) -> AuditEvent:
    """Set the event's MAC over what it says now (called by every write of an event)."""
    event.mac = event_mac(event)
    return event


def put_in(transaction: TransactWrite, event: AuditEvent) -> None:
    """Add one more event to a transaction (signed, and never over an existing one)."""
    transaction.save(sign(event), condition=AuditEvent.event_id.does_not_exist())


def is_stored(event: AuditEvent) -> bool:
    try:
        AuditEvent.get(event.day, event.event_id, consistent_read=True)
    except DoesNotExist:
        return False
    return True


@contextmanager
def recorded_transaction(event: AuditEvent | None) -> Iterator[TransactWrite]:
    """A TransactWrite that also records `event`, the change it describes: the one place where an
    event joins the change it records, and where a refused transaction becomes `Conflict`.

    When AWS applied the transaction but its answer was lost, botocore sends it again and the second
    attempt fails its conditions (the change is already there). The event is in the same
    transaction and unique, so finding it stored means: applied, not refused. A transaction that one of
    its conditions refused raises `Conflict`. Without an event (an account made from the command
    line) a refusal is always a `Conflict`.
    """
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            yield transaction
            if event is not None:
                put_in(transaction, event)
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise
        if event is None or not is_stored(event):
            raise Conflict() from error


def append(event: AuditEvent) -> None:
    """Record one event on its own (the model makes the put conditional: history is never rewritten)."""
    event.save()


class AppendOnlyError(Exception):
    """Something tried to change or remove a recorded event."""


def by_target(target: str, limit: int, last_key: dict | None) -> Iterator[AuditEvent]:
    return AuditEvent.target_index.query(target, scan_index_forward=False, limit=limit, last_evaluated_key=last_key)


def newest_first(source: str, value: str, *, since: str, until: str, action: str | None = None,
                 actor: str | None = None, after: tuple[str, str] | None = None,
                 limit: int) -> Iterator[AuditEvent]:
    """Events of one partition (a target, an actor or a day), newest first, with event ids between
    `since` and `until`, optionally only one actor's and only actions starting with `action`.

    `after` is (day, event_id) of the last event of a previous page; the start key is built here,
    always inside the partition being read.
    """
    partition = {"target": AuditEvent.target_index, "actor": AuditEvent.actor_index, "day": AuditEvent}[source]
    filters = []
    if action:
        filters.append(AuditEvent.action.startswith(action))
    if actor and source != "actor":
        filters.append(AuditEvent.actor == actor)
    filter_condition = None
    for condition in filters:
        filter_condition = condition if filter_condition is None else filter_condition & condition
    start = None
    if after is not None:
        start = {"day": {"S": after[0]}, "event_id": {"S": after[1]}}
        if source != "day":
            start[source] = {"S": value}
    return partition.query(
        value,
        range_key_condition=AuditEvent.event_id.between(since, until),
        filter_condition=filter_condition,
        scan_index_forward=False,
        limit=limit,
        page_size=max(limit, 100),
        last_evaluated_key=start,
    )


def older_than(source: str, value: str, before: str | None, limit: int) -> list[AuditEvent]:
    """At most `limit` events of one target's or one actor's partition (an index query), newest first,
    with event ids below `before` (the newest ones without it)."""
    partition = {"target": AuditEvent.target_index, "actor": AuditEvent.actor_index}[source]
    return list(partition.query(
        value,
        range_key_condition=AuditEvent.event_id < before if before else None,
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
    ))


def by_ids(event_ids: list[str]) -> list[AuditEvent]:
    """The stored events with these ids (an event id starts with its day, the table's hash key). One
    GetItem each: callers ask for a handful, and the functions' roles grant the append-only trail
    GetItem, PutItem and Query only."""
    found = []
    for event_id in event_ids:
        try:
            found.append(AuditEvent.get(event_id[:10], event_id, consistent_read=True))
        except DoesNotExist:
            continue
    return found


# ---------------------------------------------------------------- seals (tamper evidence)

SEAL_PREFIX = "seal#"


class AuditSeal(Model):
    """One link of a day's seal chain: the events of the day with ids in (`after`, `upto`], listed in
    order as "<event id> <mac>" lines, with the previous link's MAC and its own. An item of the audit
    table (partition `seal#<day>`), written once like an event; it has no actor or target, so neither
    index lists it."""

    Meta = meta("audit_events")

    partition = UnicodeAttribute(hash_key=True, attr_name="day")  # seal#YYYY-MM-DD
    sequence = UnicodeAttribute(range_key=True, attr_name="event_id")  # 000001, 000002, ...
    after = UnicodeAttribute()  # the previous link's upto ("" for the first)
    upto = UnicodeAttribute()  # event ids up to and including this prefix are covered
    count = NumberAttribute()
    entries = UnicodeAttribute()  # "<event id> <mac>" per event, newline-separated, in id order
    previous = UnicodeAttribute()  # the previous link's mac ("" for the first)
    final = NumberAttribute(default=0)  # 1 when it closes the day
    sealed_at = NumberAttribute()
    mac = UnicodeAttribute()

    def save(self, condition: Any = None, **kwargs: Any) -> dict[str, Any]:
        return super().save(condition=AuditSeal.sequence.does_not_exist(), **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("seals are never updated")

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("seals are never deleted")


def events_of_day(day: str, after: str = "") -> Iterator[AuditEvent]:
    """Every event of a day in id order (after `after`, an event id or prefix), strongly consistent."""
    condition = AuditEvent.event_id > after if after else None
    return AuditEvent.query(day, range_key_condition=condition, consistent_read=True, scan_index_forward=True)


def seals_of_day(day: str) -> list[AuditSeal]:
    return list(AuditSeal.query(SEAL_PREFIX + day, consistent_read=True, scan_index_forward=True))


def append_seal(seal: AuditSeal) -> bool:
    """Store a new link; False when one with its sequence number exists (another sealer was first)."""
    try:
        seal.save()
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
