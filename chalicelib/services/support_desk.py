"""The support desk's actions on accounts: lookup, unblock ("Deblokkeren"), 2FA reset, account
creation and (admins) binding a CRIB number to an account.

Staff are users with role `support` (or `admin`, who also manages staff accounts). Every action passes
the staff rules of services/staff.py (which audit a refusal) and records an audit event naming actor,
target, action and reason - in the same transaction as the change it records.
"""

from __future__ import annotations

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.i18n import LANGUAGES
from chalicelib.services import accounts, audit_trail, lockout, notifications, password_reset, transitions
from chalicelib.services.accounts import normalize_username, validate_crib
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.staff import authorize, require_staff
from chalicelib.storage import backup_codes, files, users
from chalicelib.storage import passkeys as passkey_store
from chalicelib.storage.base import Conflict
from chalicelib.storage.users import ConcurrentChangeError, CribTakenError, User, find_by_crib, find_by_email, get_user

RECENT_EVENTS = 20
# How the staff member established who they were talking to before a 2FA reset (ASVS 2.5.7).
IDENTITY_CHECKS = ("id_document_in_person", "id_document_video_call", "callback_registered_phone", "other")


# ---------------------------------------------------------------- who may act, on whom, why


def _target_for_action(actor: User, action: str, username: str, reason: str | None, context: RequestContext,
                       *, admin_only: bool = False) -> tuple[User, str]:
    """The account a staff member wants to change and the stated reason, once the staff rules allow it
    (an unknown account is a 404 only then, so the rules answer the same whether it exists or not)."""
    name = normalize_username(username)
    user = get_user(name) if 0 < len(name) <= 64 else None
    why = authorize(actor, action, context, reason=reason, target=user or name, admin_only=admin_only)
    if user is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    return user, why


# ---------------------------------------------------------------- lookup


def summary(user: User) -> dict:
    """One line of a search result."""
    return {
        "username": user.username,
        "email": user.email,
        "crib": user.crib,
        "roles": sorted(user.roles or []),
        "mfa_enabled": bool(user.mfa_enabled),
    }


def find_users(actor: User, query: str) -> dict:
    """Exact matches on username, e-mail address (e-mail index) or CRIB number (CRIB index).

    Exact matches only: a prefix search would need a table scan, and a helpdesk that identifies the
    caller already has one of the three.
    """
    require_staff(actor)
    text = (query or "").strip()
    if not text or len(text) > 254:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="q")
    if "@" in text and "." in text.rpartition("@")[2]:
        found = find_by_email(accounts.normalize_email(text))
    elif accounts.CRIB_PATTERN.match(text):
        found = find_by_crib(text)
    else:
        found = []
    name = normalize_username(text)
    if len(name) <= 64 and all(user.username != name for user in found):
        exact = get_user(name)
        found = ([exact] if exact else []) + found
    return {"items": [summary(user) for user in found], "cursor": None}


def user_detail(actor: User, username: str) -> dict:
    """What a helpdesk needs on one screen: account, lock state, second factor, last login, events."""
    require_staff(actor)
    name = normalize_username(username)
    user = get_user(name) if 0 < len(name) <= 64 else None
    if user is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    state = lockout.status(user.username)
    return {
        **summary(user),
        "language": user.language,
        "firm_name": user.firm_name,
        "locked": state["locked"],
        "locked_until": state["locked_until"],
        "blocked": state["blocked"],
        "failures": state["failures"],
        "second_factor_failures": state["second_factor_failures"],
        "backup_codes_left": int(user.backup_codes_left or 0),
        "passkeys": int(user.passkey_count or 0),
        "created_at": int(user.created_at) if user.created_at else None,
        "last_login": int(user.last_login) if user.last_login else None,
        "recent_events": audit_trail.recent_for(user.username, RECENT_EVENTS),
    }


# ---------------------------------------------------------------- actions


def unblock(actor: User, username: str, reason: str | None, context: RequestContext) -> None:
    """Clear the temporary lock and the permanent block of both factors; the owner gets a notice."""
    user, why = _target_for_action(actor, "support.unblock", username, reason, context)
    before = lockout.status(user.username)
    users.unblock(
        event=new_event("support.unblock", actor=actor.username, target=user.username, outcome="success",
                        context=context, reason=why,
                        details={"was_locked": before["locked"], "was_blocked": before["blocked"]}),
        lockouts=tuple(lockout.key(factor, user.username) for factor in lockout.Factor),
        first_threshold=lockout.FIRST_THRESHOLD,
    )
    notifications.send(user, notifications.MailKind.ACCOUNT_UNBLOCKED)


def reset_second_factor(actor: User, username: str, reason: str | None, identity_check: str | None,
                        context: RequestContext) -> None:
    """Remove the TOTP secret (active and pending), the backup codes and the passkeys, end every
    session, and make the next login ask for enrollment again; the owner gets a notice."""
    user, why = _target_for_action(actor, "support.reset_2fa", username, reason, context)
    if identity_check is not None and identity_check not in IDENTITY_CHECKS:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="identity_check")
    try:
        # The transition also ends the sessions, a pending enrollment, e-mail change and reset links:
        # whoever lost the phone may not be the only one who had it.
        users.reset_second_factor(
            user.username, transition=transitions.SECOND_FACTOR_RESET,
            event=new_event("support.reset_2fa", actor=actor.username, target=user.username, outcome="success",
                            context=context, reason=why, details={"identity_check": identity_check or "not_stated"}),
            lockouts=(lockout.key(lockout.Factor.SECOND_FACTOR, user.username),),
            first_threshold=lockout.FIRST_THRESHOLD,
            # Deleted in the reset's own transaction: a passkey left behind would log in again once the
            # owner registers a new one (the count alone would let it).
            passkeys=passkey_store.passkeys_of(user.username),
        )
    except Conflict:
        if get_user(user.username) is None:
            raise PortalError(ErrorCode.NOT_FOUND) from None  # the account was removed meanwhile
        raise PortalError(ErrorCode.CONFLICT) from None  # a passkey was added or removed meanwhile: try again
    if user.client_logins_since is not None:  # ever logged in to a tax application
        from chalicelib.services.oidc_logout import after_sessions_of_ended

        after_sessions_of_ended(user)
    _remove_backup_codes(user)
    notifications.send(user, notifications.MailKind.MFA_RESET)


def _remove_backup_codes(user: User) -> None:
    """The codes themselves (one item each) and the set's PDF. Removing the set id in the transaction
    above already voids them; this deletes what is left."""
    backup_codes.delete_all(user.username)
    if user.backup_pdf_key:
        files.delete_backup_codes_pdf(user.backup_pdf_key)


def create_account(actor: User, username: str, email: str, roles: list[str], crib: str | None,
                   language: str | None, reason: str | None, context: RequestContext) -> dict:
    """A new account without a password: the owner sets one through the activation mail and then has
    to enroll the second factor at the first login (the seed's "Eerste keer inloggen"). A CRIB number is
    reserved for it in the same transaction: a CRIB bound to another account is a 409 crib_taken."""
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="roles")
    why = authorize(actor, "support.create_account", context, reason=reason, target=username, grants=roles)
    if language is not None and language not in LANGUAGES:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="language")
    user = accounts.new_account(username, email, None, roles=roles, crib=crib, language=language or "nl")
    # Friendly refusals first; the transaction's conditions are what guarantee username and CRIB.
    if get_user(user.username) is not None:
        raise PortalError(ErrorCode.USERNAME_TAKEN, field="username")
    if find_by_email(user.email_normalized):
        # The activation link goes to this address: one address, one account.
        raise PortalError(ErrorCode.EMAIL_TAKEN, field="email")
    event = new_event("support.create_account", actor=actor.username, target=user.username, outcome="success",
                      context=context, reason=why, details={"roles": sorted(roles)})
    accounts.save_new_account(user, event)
    password_reset.start_activation(user, context, actor=actor.username)
    return summary(user)


def set_crib(actor: User, username: str, crib: str | None, reason: str | None, context: RequestContext) -> dict:
    """POST /admin/users/{username}/crib (admins only): bind a CRIB number to an existing account, or
    unbind it (None). The old reservation is released and the new one taken in the same transaction as
    the account's change and its audit event; a CRIB bound to another account is a 409 crib_taken."""
    user, why = _target_for_action(actor, "support.bind_crib", username, reason, context, admin_only=True)
    if crib is not None:
        validate_crib(crib)
    event = new_event("support.bind_crib", actor=actor.username, target=user.username, outcome="success",
                      context=context, reason=why,
                      details={"crib": crib or "", "previous": user.crib or ""})
    try:
        users.bind_crib(user, crib, now=int(event.at), also=(event,))
    except CribTakenError:
        raise PortalError(ErrorCode.CRIB_TAKEN, field="crib") from None
    except ConcurrentChangeError:
        raise PortalError(ErrorCode.CONFLICT) from None
    user.crib = crib
    return summary(user)
