"""The password step of the login: lockout claim, password check with equal cost for unknown names,
a partial session that can only reach the second factor or 2FA enrollment."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security import passwords
from chalicelib.services import lockout
from chalicelib.services.accounts import normalize_username
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.lockout import Factor
from chalicelib.services.sessions import PARTIAL, new_session
from chalicelib.storage import lockouts as lockout_store
from chalicelib.storage.audit import recorded_transaction
from chalicelib.storage.lockouts import Lockout
from chalicelib.storage.users import User, get_user


@dataclass(frozen=True)
class LoginResult:
    next_step: str  # "totp" | "enroll"
    cookie_value: str


def login(username: str, password: str, context: RequestContext) -> LoginResult:
    name = normalize_username(username)
    attempt = lockout.claim(Factor.PASSWORD, name)
    user = get_user(name) if 0 < len(name) <= 64 else None
    if not passwords.verify_password(user.password_hash if user else None, password):
        lockout.count_failure(Factor.PASSWORD, name, user, attempt, context, "login.password")
        raise PortalError(ErrorCode.INVALID_CREDENTIALS)
    assert user is not None  # verify_password never accepts a missing account
    if passwords.needs_rehash(user.password_hash):
        user.update(actions=[User.password_hash.set(passwords.hash_password(password))])
    next_step = "totp" if user.mfa_enabled else "enroll"
    session, cookie_value = new_session(user, PARTIAL, next_step, context)
    event = new_event("login.password", actor=name, target=name, outcome="success", context=context,
                      details={"next": next_step})
    with recorded_transaction(event) as transaction:
        transaction.update(Lockout(lockout.key(Factor.PASSWORD, name)),
                           actions=lockout_store.reset_actions(lockout.FIRST_THRESHOLD))
        transaction.save(session)
    return LoginResult(next_step, cookie_value)


def recheck_password(user: User, password: str, context: RequestContext, action: str = "reauth.password",
                     field: str | None = None) -> None:
    """Sensitive changes re-ask the password; wrong ones count on the password lockout counter like
    failed logins (401 invalid_credentials naming `field`)."""
    attempt = lockout.claim(Factor.PASSWORD, user.username)
    if not passwords.verify_password(user.password_hash, password):
        lockout.count_failure(Factor.PASSWORD, user.username, user, attempt, context, action)
        raise PortalError(ErrorCode.INVALID_CREDENTIALS, field=field)
    lockout_store.reset(lockout.key(Factor.PASSWORD, user.username), lockout.FIRST_THRESHOLD)
