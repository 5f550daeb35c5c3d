"""Four eyes on the desk's most dangerous action: a 2FA reset of an account that can act for others
(a representative) or run the desk (support, admin) is requested by one staff member, with the identity
checks they did, and applied only when a different staff member approves it.

- A request waits as `pending` for at most LIFETIME (24 hours); after that nobody can approve it.
- The approver passes the same staff rules on the account as the requester did (support never acts on
  a staff account, nobody on their own), and is never the requester: checked here (an audited 403) and
  again in the approval's write condition.
- Approving writes the decision in the reset's own transaction, conditional on the request still being
  pending and live: two approvals at once reset once, the other gets 409.
- Either staff member may reject (the requester: withdraw) a pending request.
- The audit trail names both: `support.reset_2fa.requested` by the requester, then `support.reset_2fa`
  by the approver with `requested_by` and the checks, or `support.reset_2fa.rejected`.
Taxpayers' accounts keep the one-step reset (services/support_desk.py).
"""

from __future__ import annotations

import secrets
import time

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.roles import Role
from chalicelib.services import notifications, second_factor_reset
from chalicelib.services.accounts import STAFF_ROLES
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.staff import Rule, authorize, record_refusal, require_staff
from chalicelib.storage import approvals as store
from chalicelib.storage.approvals import APPROVED, PENDING, REJECTED, Approval, Decision
from chalicelib.storage.base import Conflict
from chalicelib.storage.users import User, get_user

LIFETIME = 24 * 3600
PURGE_AFTER = 90 * 24 * 3600  # the item; the audit trail keeps the history
LIST_MAX = 100
RESET = "support.reset_2fa"
# Roles whose 2FA reset needs a second staff member.
GUARDED_ROLES = frozenset({Role.REPRESENTATIVE, *STAFF_ROLES})
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ID_LENGTH = 8


def required_for(user: User) -> bool:
    """Does a 2FA reset of this account need a second staff member's approval?"""
    return bool(set(user.roles or ()) & GUARDED_ROLES)


def _new_id() -> str:
    code = "".join(secrets.choice(_ALPHABET) for _ in range(ID_LENGTH))
    return f"AP-{code[:4]}-{code[4:]}"


def _iso(timestamp: int | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(timestamp))) if timestamp else None


def describe(approval: Approval, now: float | None = None) -> dict:
    details = approval.details.as_dict() if approval.details is not None else {}
    expired = approval.status == PENDING and int(approval.expires_at) <= (clock.now() if now is None else now)
    return {
        "id": approval.approval_id,
        "action": approval.action,
        "target": approval.target,
        "status": "expired" if expired else approval.status,
        "requested_by": approval.requested_by,
        "requested_at": _iso(approval.requested_at),
        "expires_at": _iso(approval.expires_at),
        "reason": approval.reason,
        "identity_checks": list(details.get("identity_checks") or []),
        "identity_note": details.get("identity_note"),
        "decided_by": approval.decided_by,
        "decided_at": _iso(approval.decided_at),
        "decision_reason": approval.decision_reason,
    }


def request_reset(actor: User, user: User, why: str, identity: dict, context: RequestContext) -> dict:
    """File a pending 2FA reset of `user` (the staff rules and identity checks already passed)."""
    now = int(clock.now())
    approval = Approval(approval_id=_new_id(), action=RESET, target=user.username, status=PENDING,
                        requested_by=actor.username, requested_at=now, expires_at=now + LIFETIME, reason=why,
                        details=identity, purge_at=now + LIFETIME + PURGE_AFTER)
    event = new_event(f"{RESET}.requested", actor=actor.username, target=user.username, outcome="pending",
                      context=context, reason=why, details={**identity, "approval_id": approval.approval_id})
    store.file(approval, event)
    return describe(approval, now)


def waiting(actor: User) -> dict:
    """What waits for a second staff member, newest first (expired requests left out)."""
    require_staff(actor)
    now = clock.now()
    items = [describe(item, now) for item in store.pending(LIST_MAX) if int(item.expires_at) > now]
    return {"items": items, "cursor": None}


def waiting_for(actor: User, username: str) -> list[dict]:
    """What waits for approval on one account (for its page at the desk)."""
    return [item for item in waiting(actor)["items"] if item["target"] == username]


def _pending(actor: User, approval_id: str, action: str, reason: str | None, context: RequestContext, *,
             own_allowed: bool) -> tuple[Approval, User, str]:
    """The request, its account and the stated reason, once the staff rules allow `actor` to decide
    (the requester never approves: refused whatever state the request is in)."""
    approval = store.get_approval(approval_id) if 0 < len(approval_id or "") <= 32 else None
    target = get_user(approval.target) if approval is not None else None
    why = authorize(actor, action, context, reason=reason, target=target or (approval.target if approval else None))
    if approval is None or target is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    if not own_allowed and approval.requested_by == actor.username:
        record_refusal(actor, action, context, target, Rule.OWN_REQUEST)
        raise PortalError(ErrorCode.FORBIDDEN, reason="desk.approval.own_request")
    _still_open(approval)
    return approval, target, why


def _still_open(approval: Approval) -> None:
    if approval.status != PENDING:
        raise PortalError(ErrorCode.CONFLICT, reason="desk.approval.decided")
    if int(approval.expires_at) <= clock.now():
        raise PortalError(ErrorCode.APPROVAL_EXPIRED)


def approve(actor: User, approval_id: str, reason: str | None, context: RequestContext) -> None:
    """A second staff member approves: the reset happens now, in one transaction with the decision."""
    approval, target, why = _pending(actor, approval_id, f"{RESET}.approve", reason, context, own_allowed=False)
    now = int(clock.now())
    details = approval.details.as_dict() if approval.details is not None else {}
    event = new_event(RESET, actor=actor.username, target=target.username, outcome="success", context=context,
                      reason=approval.reason,
                      details={**details, "approval_id": approval.approval_id, "requested_by": approval.requested_by,
                               "approved_by": actor.username, "approval_reason": why})
    try:
        second_factor_reset.apply(target, event, Decision(approval.approval_id, APPROVED, actor.username, now, why),
                                  help_url=notifications.help_link(context))
    except PortalError as refused:
        if refused.code is ErrorCode.CONFLICT:
            _refused_decision(approval.approval_id)
        raise


def reject(actor: User, approval_id: str, reason: str | None, context: RequestContext) -> None:
    """Reject (or, by the requester, withdraw) a pending request: nothing changes on the account."""
    approval, target, why = _pending(actor, approval_id, f"{RESET}.reject", reason, context, own_allowed=True)
    now = int(clock.now())
    event = new_event(f"{RESET}.rejected", actor=actor.username, target=target.username, outcome="rejected",
                      context=context, reason=why,
                      details={"approval_id": approval.approval_id, "requested_by": approval.requested_by})
    try:
        store.reject(Decision(approval.approval_id, REJECTED, actor.username, now, why, by_another=False), event)
    except Conflict:
        _refused_decision(approval.approval_id)
        raise PortalError(ErrorCode.CONFLICT) from None


def _refused_decision(approval_id: str) -> None:
    """After a refused write: say why when the request was decided or expired meanwhile."""
    current = store.get_approval(approval_id)
    if current is not None:
        _still_open(current)
