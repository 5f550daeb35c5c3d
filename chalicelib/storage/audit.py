"""The audit events table: append-only. Items are only ever put (never updated or deleted by the code).

Keyed by day with a time-ordered sort key, so the newest events of a day come first; indexes by
target and by actor serve the support desk's filters. The model itself refuses updates and deletes
and adds the does-not-exist condition to every save, so no code path can rewrite history.
"""

from __future__ import annotations

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

    target_index = TargetIndex()
    actor_index = ActorIndex()

    def save(self, condition: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Create the event; never overwrite one (the condition is added whatever the caller passed)."""
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
                transaction.save(event, condition=AuditEvent.event_id.does_not_exist())
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
