"""The support requests table (requests from people who cannot log in).

A request is written once and changes only through one conditional update (open -> closed). The
queue index is keyed by status with the filing time as sort key, so the desk reads open requests
newest first without a scan. Filing is rate-limited with storage/rate_limits.py. Both writes carry
their audit event in the same transaction; a refused close raises `Conflict`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.base import meta

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
    username = UnicodeAttribute(null=True)  # as given (normalized); the account may not exist; None: forgotten
    # Without a username: who the person says they are, for the desk to find the account and check them.
    full_name = UnicodeAttribute(null=True)
    crib = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
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


def file(request: SupportRequest, event: AuditEvent) -> None:
    """Store a new request (never over an existing reference) with its audit event."""
    with recorded_transaction(event) as transaction:
        transaction.save(request, condition=SupportRequest.reference.does_not_exist())


def close(reference: str, *, closed_at: int, closed_by: str, reason: str, event: AuditEvent) -> None:
    """Close an open request with its audit event. Only an existing, open request can be closed: a
    second close raises Conflict instead of being repeated."""
    with recorded_transaction(event) as transaction:
        transaction.update(
            SupportRequest(reference),
            actions=[
                SupportRequest.status.set(CLOSED),
                SupportRequest.closed_at.set(closed_at),
                SupportRequest.closed_by.set(closed_by),
                SupportRequest.close_reason.set(reason),
            ],
            condition=SupportRequest.reference.exists() & (SupportRequest.status == OPEN),
        )
