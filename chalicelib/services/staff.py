"""Who may use the support desk and what every staff action needs: a staff role, an active second
factor on the staff member's own account (checked again here, behind the route's check: defence in
depth) and a stated reason."""

from __future__ import annotations

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services.accounts import STAFF_ROLES
from chalicelib.storage.users import User

REASON_MAX = 1000


def require_staff(actor: User) -> None:
    """Staff role and an active second factor, or 403 forbidden."""
    if not (set(actor.roles or ()) & STAFF_ROLES) or not actor.mfa_enabled:
        raise PortalError(ErrorCode.FORBIDDEN)


def is_admin(actor: User) -> bool:
    """Admins also manage staff: only they create or change accounts with a staff role."""
    return "admin" in (actor.roles or ())


def required_reason(reason: str | None) -> str:
    """Every staff action states why; a blank or absurdly long reason is refused naming `reason`."""
    text = (reason or "").strip()
    if not text or len(text) > REASON_MAX:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="reason")
    return text
