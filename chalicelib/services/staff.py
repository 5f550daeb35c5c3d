"""The staff rules, in one place: who may use the support desk and what every staff action needs.

Every staff action (unblock, 2FA reset, account creation, representative access, an import on a
representative's behalf, closing a support request, binding a CRIB) goes through authorize():
- the actor has a staff role and an active second factor (checked again behind the route's check:
  defence in depth);
- never on the actor's own account;
- support never changes a staff account, and never gives a staff role: only an admin manages staff;
- some actions are an admin's alone (binding a CRIB to an existing account);
- a stated reason;
- for an unblock or a 2FA reset, the identity checks done (services/identity_checks.py), and for a
  representative's or staff account's 2FA reset a second staff member's approval (services/four_eyes.py:
  never the requester's own).
A refusal is recorded in the audit trail with outcome `denied` and the rule it broke, then raised.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.roles import Role
from chalicelib.services.accounts import STAFF_ROLES, normalize_username
from chalicelib.services.audit import RequestContext, record
from chalicelib.storage.users import User

REASON_MAX = 1000
TARGET_MAX = 64  # the longest username: a refused target is recorded, never an unbounded string


class Rule(str, Enum):
    """The rule a refused staff action broke, as recorded in its `denied` audit event."""

    STAFF_ROLE = "staff_role_with_2fa"
    OWN_ACCOUNT = "own_account"
    STAFF_ACCOUNT = "staff_account_admin_only"
    STAFF_ROLE_GRANT = "staff_role_admin_only"
    ADMIN_ONLY = "admin_only"
    REASON = "reason_required"
    IDENTITY_CHECK = "identity_check_required"
    OWN_REQUEST = "own_request"  # four eyes: a request is approved by another staff member


def require_staff(actor: User) -> None:
    """Staff role and an active second factor, or 403 forbidden (for reading the desk)."""
    if not _is_staff(actor):
        raise PortalError(ErrorCode.FORBIDDEN)


def is_admin(actor: User) -> bool:
    """Admins also manage staff: only they create or change accounts with a staff role."""
    return Role.ADMIN in (actor.roles or ())


def _is_staff(actor: User) -> bool:
    return bool(set(actor.roles or ()) & STAFF_ROLES) and bool(actor.mfa_enabled)


def authorize(actor: User, action: str, context: RequestContext, *, reason: str | None,
              target: User | str | None = None, grants: Collection[str] = (), admin_only: bool = False) -> str:
    """Check every staff rule for one action and return its reason (stripped).

    `target` is the account acted on: a User (its roles count), or only a name (an account that does
    not exist yet, or the one a support request names). `grants` are the roles the action gives.
    Raises 403 forbidden (or 400 naming `reason`) after recording the refusal as `denied`.
    """
    refusal = _broken_rule(actor, target, grants, admin_only)
    text = (reason or "").strip() if isinstance(reason, str) else ""
    if refusal is None and not 0 < len(text) <= REASON_MAX:
        refusal = Rule.REASON
    if refusal is not None:
        _deny(actor, action, context, target, refusal)
    return text


def authorize_role(actor: User, action: str, context: RequestContext, target: str | None = None) -> None:
    """The first rule alone, for a staff action's route: it runs before the request body is read, so a
    caller without the role gets the same audited 403 whatever they sent."""
    if not _is_staff(actor):
        _deny(actor, action, context, target, Rule.STAFF_ROLE)


def _broken_rule(actor: User, target: User | str | None, grants: Collection[str], admin_only: bool) -> Rule | None:
    if not _is_staff(actor):
        return Rule.STAFF_ROLE
    name = target.username if isinstance(target, User) else normalize_username(target or "")
    if name == actor.username:
        return Rule.OWN_ACCOUNT
    if isinstance(target, User) and set(target.roles or ()) & STAFF_ROLES and not is_admin(actor):
        return Rule.STAFF_ACCOUNT
    if set(grants) & STAFF_ROLES and not is_admin(actor):
        return Rule.STAFF_ROLE_GRANT
    if admin_only and not is_admin(actor):
        return Rule.ADMIN_ONLY
    return None


def record_refusal(actor: User, action: str, context: RequestContext, target: User | str | None, rule: Rule) -> None:
    """Record a refused staff action as `denied` with the rule it broke (the caller raises the refusal)."""
    name = target.username if isinstance(target, User) else normalize_username(target or "")
    record(action, actor=actor.username, target=name[:TARGET_MAX] or "-", outcome="denied", context=context,
           details={"rule": rule.value})


def _deny(actor: User, action: str, context: RequestContext, target: User | str | None, rule: Rule) -> None:
    record_refusal(actor, action, context, target, rule)
    if rule is Rule.REASON:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="reason")
    raise PortalError(ErrorCode.FORBIDDEN)
