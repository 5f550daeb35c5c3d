"""The password step of the login: lockout claim, password check with equal cost for unknown names,
a partial session that can only reach the second factor or 2FA enrollment."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.transactions import TransactWrite

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security import passwords
from chalicelib.services import lockout, notifications
from chalicelib.services.accounts import normalize_username
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.lockout import Factor
from chalicelib.services.sessions import PARTIAL, new_session
from chalicelib.storage import lockouts as lockout_store
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.base import transaction_connection
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
        _failed(name, user, attempt, context)
        raise PortalError(ErrorCode.INVALID_CREDENTIALS)
    assert user is not None  # verify_password never accepts a missing account
    if passwords.needs_rehash(user.password_hash):
        user.update(actions=[User.password_hash.set(passwords.hash_password(password))])
    next_step = "totp" if user.mfa_enabled else "enroll"
    session, cookie_value = new_session(user, PARTIAL, next_step, context)
    with TransactWrite(connection=transaction_connection()) as transaction:
        transaction.update(Lockout(lockout.key(Factor.PASSWORD, name)),
                           actions=lockout_store.reset_actions(lockout.FIRST_THRESHOLD))
        transaction.save(session)
        transaction.save(
            new_event("login.password", actor=name, target=name, outcome="success", context=context,
                      details={"next": next_step}),
            condition=AuditEvent.event_id.does_not_exist(),
        )
    return LoginResult(next_step, cookie_value)


def _failed(name: str, user: User | None, attempt: int, context: RequestContext) -> None:
    result = lockout.record_failure(Factor.PASSWORD, name, attempt)
    new_event("login.password", actor=name, target=name, outcome="failure", context=context,
              details={"attempt": attempt}).save(condition=AuditEvent.event_id.does_not_exist())
    if result:
        new_event(f"lockout.{result}", actor="system", target=name, outcome="success", context=context,
                  details={"factor": Factor.PASSWORD.value, "attempt": attempt}).save()
        if user is not None:
            notifications.send(user, f"account_{result}")


def logged_in_at(user: User) -> None:
    """Remember the last complete login (shown to support)."""
    user.update(actions=[User.last_login.set(int(clock.now()))])
