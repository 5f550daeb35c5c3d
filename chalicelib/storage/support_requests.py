"""The support requests table (requests from people who cannot log in) and the fixed-window counters
that rate-limit filing them.

A request is written once and changes only through one conditional update (open -> closed). The
queue index is keyed by status with the filing time as sort key, so the desk reads open requests
newest first without a scan. The counters live in the lockouts table under their own key prefix:
one conditional ADD per key and window, so parallel requests cannot exceed the limit.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import is_condition_failure, meta

OPEN = "open"
CLOSED = "closed"


class StatusIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "status-index"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class SupportRequest(Model):
    Meta = meta("support_requests")

    reference = UnicodeAttribute(hash_key=True)  # e.g. SR-7KQ2-M9XD
    status = UnicodeAttribute(default=OPEN)
    kind = UnicodeAttribute()
    username = UnicodeAttribute()  # as given (normalized); the account may not exist
    email = UnicodeAttribute()
    message = UnicodeAttribute(null=True)
    language = UnicodeAttribute(default="nl")
    created_at = NumberAttribute()
    closed_at = NumberAttribute(null=True)
    closed_by = UnicodeAttribute(null=True)
    close_reason = UnicodeAttribute(null=True)

    status_index = StatusIndex()


def get_request(reference: str) -> SupportRequest | None:
    try:
        return SupportRequest.get(reference, consistent_read=True)
    except DoesNotExist:
        return None


def by_status(status: str, limit: int, after: tuple[int, str] | None) -> Iterator[SupportRequest]:
    """Requests with `status`, newest first, starting after (created_at, reference) of a previous page."""
    start = None
    if after is not None:
        created_at, reference = after
        start = {"status": {"S": status}, "created_at": {"N": str(created_at)}, "reference": {"S": reference}}
    return SupportRequest.status_index.query(status, scan_index_forward=False, limit=limit,
                                             last_evaluated_key=start)


def close_actions(closed_at: int, closed_by: str, reason: str) -> list:
    """The update that closes a request (for use inside a transaction with its audit event)."""
    return [
        SupportRequest.status.set(CLOSED),
        SupportRequest.closed_at.set(closed_at),
        SupportRequest.closed_by.set(closed_by),
        SupportRequest.close_reason.set(reason),
    ]


def close_condition():  # type: ignore[no-untyped-def]
    """Only an existing, open request can be closed (a second close is refused, not repeated)."""
    return SupportRequest.reference.exists() & (SupportRequest.status == OPEN)


class RequestCounter(Model):
    """Filing counters, e.g. key "support_request#ip#203.0.113.7#493827" (the window number ends the key)."""

    Meta = meta("lockouts")

    key = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)
    # Removal by TTL is only housekeeping: the window is part of the key, so old counters never count.
    expires_at = NumberAttribute()


def count_within_limit(key: str, limit: int, expires_at: int) -> bool:
    """Count one more request under `key`; False (and nothing counted) once `limit` is reached."""
    try:
        RequestCounter(key).update(
            actions=[RequestCounter.count.add(1), RequestCounter.expires_at.set(expires_at)],
            condition=RequestCounter.count.does_not_exist() | (RequestCounter.count < limit),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
