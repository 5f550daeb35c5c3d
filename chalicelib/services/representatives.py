"""Representative portal access ("Vertegenwoordigersportaal aanmaken"), granted by the support desk.

A representative account acts for exactly one firm: its CRIB is the firm's CRIB, under which every
authorization it registers is kept. So support either
- creates a new account (role `representative`, firm name and CRIB, no password: the owner sets one
  through the activation mail and enrolls 2FA at the first login), which needs an `email`; or
- gives an existing account the role, when that account already has the firm's CRIB, or has no CRIB
  and is no taxpayer's. An account with another CRIB (a taxpayer's own) is refused with 409: its CRIB
  already means "me as a client", so the firm gets a separate account.

A firm's CRIB and a person's CRIB are both CRIB numbers, reserved in one namespace (storage/users.py):
a CRIB binds to at most one account, whatever its roles. So a representative account can never share
its firm's CRIB with another account, and it acts as the client of the firm CRIB's own authorizations
only if it also holds the role `taxpayer`, i.e. staff made it that taxpayer's account on purpose (an
account created with both roles, or an admin's CRIB binding). Support cannot make a taxpayer's account
a firm's client by granting it the role: that needs the account to have the firm's CRIB already.
Staff rules as everywhere on the desk (services/staff.py), and the audit event in the same transaction
as the change.
"""

from __future__ import annotations

import unicodedata

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.roles import Role
from chalicelib.services import accounts, notifications
from chalicelib.services.accounts import STAFF_ROLES, normalize_username, validate_crib
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.staff import authorize
from chalicelib.storage import representatives as store
from chalicelib.storage.users import ConcurrentChangeError, CribTakenError, User, get_user

ROLE = Role.REPRESENTATIVE
FIRM_NAME_MAX = 120


def _firm_name(value: str) -> str:
    name = " ".join((value or "").split())
    if not 2 <= len(name) <= FIRM_NAME_MAX or any(unicodedata.category(char) == "Cc" for char in name):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="firm_name")
    return name


def grant_access(actor: User, *, username: str, firm_name: str, crib: str, email: str | None, reason: str | None,
                 context: RequestContext) -> tuple[dict, bool]:
    """POST /admin/representatives. Returns the representative's summary and whether it is a new account."""
    name = normalize_username(username)
    existing = get_user(name) if 0 < len(name) <= 64 else None
    why = authorize(actor, "support.grant_representative" if existing else "support.create_representative",
                    context, reason=reason, target=existing or name, grants=[ROLE])
    firm = _firm_name(firm_name)
    validate_crib(crib)
    details = {"firm_name": firm, "crib": crib}
    if existing is None:
        if not email:
            raise PortalError(ErrorCode.INVALID_REQUEST, field="email")
        user = accounts.new_account(name, email, None, roles=[ROLE], crib=crib, firm_name=firm, language=context.lang)
        event = new_event("support.create_representative", actor=actor.username, target=user.username,
                          outcome="success", context=context, reason=why, details=details)
        accounts.save_new_account(user, event)
        from chalicelib.services.password_reset import start_activation

        start_activation(user, context, actor=actor.username)
        return _summary(user), True
    if set(existing.roles or ()) & STAFF_ROLES:
        # Not even by an admin: the desk's own accounts never act for a firm (separation of duties).
        raise PortalError(ErrorCode.FORBIDDEN)
    if existing.crib != crib and (existing.crib or Role.TAXPAYER in (existing.roles or ())):
        # Another CRIB is the account's own; and giving a taxpayer's account a CRIB would make it that
        # CRIB's client too, which is binding a CRIB (an admin's action, POST /admin/users/{name}/crib).
        raise PortalError(ErrorCode.CONFLICT, field="crib")
    event = new_event("support.grant_representative", actor=actor.username, target=existing.username,
                      outcome="success", context=context, reason=why, details=details)
    try:
        store.grant(existing, crib, role=ROLE, firm_name=firm, now=int(event.at), event=event)
    except CribTakenError:
        raise PortalError(ErrorCode.CRIB_TAKEN, field="crib") from None
    except ConcurrentChangeError:
        raise PortalError(ErrorCode.CONFLICT, field="crib") from None
    existing.roles = set(existing.roles or ()) | {ROLE}
    existing.crib, existing.firm_name = crib, firm
    notifications.send(existing, notifications.MailKind.REPRESENTATIVE_ACCESS, firm=firm)
    return _summary(existing), False


def _summary(user: User) -> dict:
    return {"username": user.username, "firm_name": user.firm_name, "crib": user.crib,
            "roles": sorted(user.roles or ())}
