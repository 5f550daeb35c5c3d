"""Representative portal access ("Vertegenwoordigersportaal aanmaken"), granted by the support desk.

A representative account acts for exactly one firm: its CRIB is the firm's CRIB, under which every
authorization it registers is kept. So support either
- creates a new account (role `representative`, firm name and CRIB, no password: the owner sets one
  through the activation mail and enrolls 2FA at the first login), which needs an `email`; or
- gives an existing account the role, when that account has no CRIB yet or already the firm's CRIB.
  An account with another CRIB (a taxpayer's own) is refused with 409: its CRIB already means "me
  as a client", so the firm gets a separate account.
Staff rules as everywhere on the desk: staff role with 2FA, a reason, never one's own account, and
the audit event in the same transaction as the change.
"""

from __future__ import annotations

import unicodedata

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import accounts, notifications
from chalicelib.services.accounts import STAFF_ROLES, normalize_username, validate_crib
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.staff import require_staff, required_reason
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.base import is_condition_failure, transaction_connection
from chalicelib.storage.users import User, get_user

ROLE = "representative"
FIRM_NAME_MAX = 120


def _firm_name(value: str) -> str:
    name = " ".join((value or "").split())
    if not 2 <= len(name) <= FIRM_NAME_MAX or any(unicodedata.category(char) == "Cc" for char in name):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="firm_name")
    return name


def grant_access(actor: User, *, username: str, firm_name: str, crib: str, email: str | None, reason: str | None,
                 context: RequestContext) -> tuple[dict, bool]:
    """POST /admin/representatives. Returns the representative's summary and whether it is a new account."""
    require_staff(actor)
    why = required_reason(reason)
    name = normalize_username(username)
    if name == actor.username:
        raise PortalError(ErrorCode.FORBIDDEN)
    firm = _firm_name(firm_name)
    validate_crib(crib)
    details = {"firm_name": firm, "crib": crib}
    existing = get_user(name) if 0 < len(name) <= 64 else None
    if existing is None:
        if not email:
            raise PortalError(ErrorCode.INVALID_REQUEST, field="email")
        user = accounts.new_account(name, email, None, roles=[ROLE], crib=crib, firm_name=firm, language=context.lang)
        event = new_event("support.create_representative", actor=actor.username, target=user.username,
                          outcome="success", context=context, reason=why, details=details)
        _commit(user, None, event, refused=ErrorCode.USERNAME_TAKEN, field="username")
        from chalicelib.services.password_reset import start_activation

        start_activation(user, context, actor=actor.username)
        return _summary(user), True
    if set(existing.roles or ()) & STAFF_ROLES:
        raise PortalError(ErrorCode.FORBIDDEN)
    event = new_event("support.grant_representative", actor=actor.username, target=existing.username,
                      outcome="success", context=context, reason=why, details=details)
    _commit(existing, [User.roles.add({ROLE}), User.crib.set(crib), User.firm_name.set(firm)], event,
            refused=ErrorCode.CONFLICT, field="crib", crib=crib)
    existing.roles = set(existing.roles or ()) | {ROLE}
    existing.crib, existing.firm_name = crib, firm
    notifications.send(existing, "representative_access", firm=firm)
    return _summary(existing), False


def _commit(user: User, actions: list | None, event: AuditEvent, *, refused: ErrorCode, field: str,
            crib: str | None = None) -> None:
    """A new account (actions None) or the role on an existing one whose CRIB is unset or the firm's,
    with the audit event, in one transaction."""
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            if actions is None:
                transaction.save(user, condition=User.username.does_not_exist())
            else:
                transaction.update(user, actions=actions, condition=User.username.exists() & (
                    User.crib.does_not_exist() | (User.crib == crib)))
            transaction.save(event, condition=AuditEvent.event_id.does_not_exist())
    except TransactWriteError as error:
        if is_condition_failure(error):
            raise PortalError(refused, field=field) from None
        raise


def _summary(user: User) -> dict:
    return {"username": user.username, "firm_name": user.firm_name, "crib": user.crib,
            "roles": sorted(user.roles or ())}
