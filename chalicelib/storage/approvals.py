"""The approvals table: staff actions that wait for a second staff member (four eyes).

One item per request, keyed by a random id. It is written once as `pending` and changes through one
conditional update only: to `approved` (in the same transaction as the change it approves and that
change's audit event) or to `rejected`. The condition is the rule itself: still pending, not expired,
and decided by someone other than the requester, so two approvals at once apply the change once and
nobody approves their own request, whatever the service layer checked before. The pending index is
keyed by status with the request time as sort key, so the desk reads what waits without a scan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.base import meta

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"


class StatusIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "status-index"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    requested_at = NumberAttribute(range_key=True)


class Approval(Model):
    Meta = meta("approvals", ttl_attribute="purge_at")

    approval_id = UnicodeAttribute(hash_key=True)  # random, e.g. AP-4K7Q-M2XD
    action = UnicodeAttribute()  # what it approves, e.g. support.reset_2fa
    target = UnicodeAttribute()  # the account it changes
    status = UnicodeAttribute(default=PENDING)
    requested_by = UnicodeAttribute()
    requested_at = NumberAttribute()
    expires_at = NumberAttribute()  # no decision after this (epoch seconds)
    reason = UnicodeAttribute()
    details = MapAttribute(null=True)  # e.g. the identity checks the requester did
    decided_by = UnicodeAttribute(null=True)
    decided_at = NumberAttribute(null=True)
    decision_reason = UnicodeAttribute(null=True)
    # Removed by TTL some time after it expired; the audit trail keeps its history for good.
    purge_at = NumberAttribute()

    status_index = StatusIndex()


def get_approval(approval_id: str) -> Approval | None:
    try:
        return Approval.get(approval_id, consistent_read=True)
    except DoesNotExist:
        return None


def pending(limit: int) -> Iterator[Approval]:
    """Pending requests, newest first (expired ones included: the caller tells them apart)."""
    return Approval.status_index.query(PENDING, scan_index_forward=False, limit=limit)


def file(approval: Approval, event: AuditEvent) -> None:
    """Store a new pending request (never over an existing id) with its audit event."""
    with recorded_transaction(event) as transaction:
        transaction.save(approval, condition=Approval.approval_id.does_not_exist())


@dataclass(frozen=True)
class Decision:
    """A decision on a pending request, written into the transaction of what it decides
    (storage/users.reset_second_factor takes one, like a session Replacement)."""

    approval_id: str
    status: str
    decided_by: str
    decided_at: int
    reason: str
    # An approval is never the requester's own; a rejection may be (the requester withdraws).
    by_another: bool = True

    def write(self, transaction: TransactWrite) -> None:
        condition = (Approval.approval_id.exists() & (Approval.status == PENDING)
                     & (Approval.expires_at > self.decided_at))
        if self.by_another:
            condition = condition & (Approval.requested_by != self.decided_by)
        transaction.update(
            Approval(self.approval_id),
            actions=[Approval.status.set(self.status), Approval.decided_by.set(self.decided_by),
                     Approval.decided_at.set(self.decided_at), Approval.decision_reason.set(self.reason)],
            condition=condition,
        )


def reject(decision: Decision, event: AuditEvent) -> None:
    """Record a rejection with its audit event; Conflict when the request is no longer pending."""
    with recorded_transaction(event) as transaction:
        decision.write(transaction)
