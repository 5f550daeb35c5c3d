"""The support desk's actions on accounts: lookup, unblock ("Deblokkeren"), 2FA reset and account
creation.

Staff are users with role `support` (or `admin`, who also manages staff accounts). Every function
checks the acting staff member again (role and an active second factor: defence in depth behind the
route's check), refuses actions on the actor's own account, and records an audit event naming actor,
target, action and reason - in the same transaction as the change it records.
"""

from __future__ import annotations

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.i18n import LANGUAGES
from chalicelib.services import accounts, audit_trail, lockout, notifications, password_reset, transitions
from chalicelib.services.accounts import STAFF_ROLES, normalize_username
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.staff import is_admin, require_staff, required_reason
from chalicelib.storage import backup_codes, files
from chalicelib.storage import lockouts as lockout_store
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.base import is_condition_failure, transaction_connection
from chalicelib.storage.lockouts import Lockout
from chalicelib.storage.users import User, find_by_crib, find_by_email, get_user

RECENT_EVENTS = 20
# How the staff member established who they were talking to before a 2FA reset (ASVS 2.5.7).
IDENTITY_CHECKS = ("id_document_in_person", "id_document_video_call", "callback_registered_phone", "other")


# ---------------------------------------------------------------- who may act, on whom, why


def _target_for_action(actor: User, username: str) -> User:
    """The account a staff member wants to change: never their own, staff accounts only by an admin."""
    require_staff(actor)
    name = normalize_username(username)
    if name == actor.username:
        raise PortalError(ErrorCode.FORBIDDEN)
    user = get_user(name) if 0 < len(name) <= 64 else None
    if user is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    if set(user.roles or ()) & STAFF_ROLES and not is_admin(actor):
        raise PortalError(ErrorCode.FORBIDDEN)
    return user


def _commit(changes: list[tuple[Model, list, Condition | None]], event: AuditEvent) -> None:
    """Apply updates [(item, actions, condition)] and save the audit event in one TransactWriteItems."""
    with TransactWrite(connection=transaction_connection()) as transaction:
        for item, actions, condition in changes:
            transaction.update(item, actions=actions, condition=condition)
        transaction.save(event, condition=AuditEvent.event_id.does_not_exist())


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
        "created_at": int(user.created_at) if user.created_at else None,
        "last_login": int(user.last_login) if user.last_login else None,
        "recent_events": audit_trail.recent_for(user.username, RECENT_EVENTS),
    }


# ---------------------------------------------------------------- actions


def unblock(actor: User, username: str, reason: str | None, context: RequestContext) -> None:
    """Clear the temporary lock and the permanent block of both factors; the owner gets a notice."""
    why = required_reason(reason)
    user = _target_for_action(actor, username)
    before = lockout.status(user.username)
    reset = lockout_store.reset_actions(lockout.FIRST_THRESHOLD)
    _commit(
        [(Lockout(lockout.key(factor, user.username)), reset, None) for factor in lockout.Factor],
        new_event("support.unblock", actor=actor.username, target=user.username, outcome="success",
                  context=context, reason=why,
                  details={"was_locked": before["locked"], "was_blocked": before["blocked"]}),
    )
    notifications.send(user, notifications.ACCOUNT_UNBLOCKED)


def reset_second_factor(actor: User, username: str, reason: str | None, identity_check: str | None,
                        context: RequestContext) -> None:
    """Remove the TOTP secret (active and pending) and the backup codes, end every session, and make
    the next login ask for enrollment again; the owner gets a notice."""
    why = required_reason(reason)
    if identity_check is not None and identity_check not in IDENTITY_CHECKS:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="identity_check")
    user = _target_for_action(actor, username)
    second_factor_reset = lockout_store.reset_actions(lockout.FIRST_THRESHOLD)
    _commit(
        [
            (User(user.username), _second_factor_removal(), User.username.exists()),
            (Lockout(lockout.key(lockout.Factor.SECOND_FACTOR, user.username)), second_factor_reset, None),
        ],
        new_event("support.reset_2fa", actor=actor.username, target=user.username, outcome="success",
                  context=context, reason=why, details={"identity_check": identity_check or "not_stated"}),
    )
    _remove_backup_codes(user)
    notifications.send(user, notifications.MFA_RESET)


def _second_factor_removal() -> list:
    return [
        User.mfa_enabled.set(False),
        User.totp_secret.remove(),
        User.totp_last_step.set(0),
        User.backup_codes_left.set(0),
        User.backup_set_id.remove(),
        User.backup_pdf_key.remove(),
        User.backup_pdf_handed_out.set(False),
        # The sessions, a pending enrollment, e-mail change and reset links: whoever lost the phone may
        # not be the only one who had it.
        *transitions.actions(transitions.SECOND_FACTOR_RESET),
    ]


def _remove_backup_codes(user: User) -> None:
    """The codes themselves (one item each) and the set's PDF. Removing the set id in the transaction
    above already voids them; this deletes what is left."""
    backup_codes.delete_all(user.username)
    if user.backup_pdf_key:
        files.delete_backup_codes_pdf(user.backup_pdf_key)


def create_account(actor: User, username: str, email: str, roles: list[str], crib: str | None,
                   language: str | None, reason: str | None, context: RequestContext) -> dict:
    """A new account without a password: the owner sets one through the activation mail and then has
    to enroll the second factor at the first login (the seed's "Eerste keer inloggen")."""
    require_staff(actor)
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="roles")
    if set(roles) & STAFF_ROLES and not is_admin(actor):
        raise PortalError(ErrorCode.FORBIDDEN)
    why = required_reason(reason) if reason and reason.strip() else None
    if language is not None and language not in LANGUAGES:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="language")
    user = accounts.new_account(username, email, None, roles=roles, crib=crib, language=language or "nl")
    # Friendly refusals first; the transaction's condition is what guarantees the username.
    if get_user(user.username) is not None:
        raise PortalError(ErrorCode.USERNAME_TAKEN, field="username")
    if find_by_email(user.email_normalized):
        # The activation link goes to this address: one address, one account.
        raise PortalError(ErrorCode.EMAIL_TAKEN, field="email")
    event = new_event("support.create_account", actor=actor.username, target=user.username, outcome="success",
                      context=context, reason=why, details={"roles": sorted(roles)})
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            transaction.save(user, condition=User.username.does_not_exist())
            transaction.save(event, condition=AuditEvent.event_id.does_not_exist())
    except TransactWriteError as error:
        if is_condition_failure(error):
            raise PortalError(ErrorCode.USERNAME_TAKEN, field="username") from None
        raise
    password_reset.start_activation(user, context, actor=actor.username)
    return summary(user)
