"""The audit events table: append-only. Items are only ever put (never updated or deleted by the code).

Keyed by day with a time-ordered sort key, so the newest events of a day come first; indexes by
target and by actor serve the support desk's filters.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import meta


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


def by_target(target: str, limit: int, last_key: dict | None) -> Iterator[AuditEvent]:
    return AuditEvent.target_index.query(target, scan_index_forward=False, limit=limit, last_evaluated_key=last_key)


def by_actor(actor: str, limit: int, last_key: dict | None) -> Iterator[AuditEvent]:
    return AuditEvent.actor_index.query(actor, scan_index_forward=False, limit=limit, last_evaluated_key=last_key)


def by_day(day: str, limit: int, last_key: dict | None) -> Iterator[AuditEvent]:
    return AuditEvent.query(day, scan_index_forward=False, limit=limit, last_evaluated_key=last_key)
