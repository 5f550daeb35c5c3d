"""The password step of the login: lockout claim, password check with equal cost for unknown names,
a partial session that can only reach the second factor or 2FA enrollment."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security import passwords
from chalicelib.services import lockout
from chalicelib.services.accounts import USERNAME_MAX, normalize_username
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.lockout import Factor
from chalicelib.services.sessions import Level, new_session
from chalicelib.settings import get_settings
from chalicelib.storage import lockouts as lockout_store
from chalicelib.storage import rate_limits
from chalicelib.storage.audit import recorded_transaction
from chalicelib.storage.lockouts import Lockout
from chalicelib.storage.rate_limits import RateCounter
from chalicelib.storage.users import User, get_user

ADDRESS_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class LoginResult:
    next_step: str  # "totp" | "enroll"
    cookie_value: str


def login(username: str, password: str, context: RequestContext) -> LoginResult:
    name = normalize_username(username)
    # Checked before the claim: a name no account can have is refused without touching the counter
    # (and a longer one would exceed DynamoDB's key size in the lockout item).
    if not 0 < len(name) <= USERNAME_MAX:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="username")
    with lockout.attempt(Factor.PASSWORD, name, context, "login.password") as attempt:
        address_slot = _claim_address_slot(name, context)
        user = get_user(name)
        if not passwords.verify_password(user.password_hash if user else None, password):
            lockout.count_failure(Factor.PASSWORD, name, user, attempt, context, "login.password")
            raise PortalError(ErrorCode.INVALID_CREDENTIALS)
        assert user is not None  # verify_password never accepts a missing account
        return _logged_in(user, name, password, address_slot, context)


def _claim_address_slot(name: str, context: RequestContext) -> str | None:
    """One of the source address's failed-evaluation slots for this minute, claimed before any argon2
    work, with one conditional ADD; a success gives it back. When none is left: 429 too_many_requests,
    and the name's lockout claim is released (nothing was evaluated)."""
    if not context.ip:
        return None
    now = int(clock.now())
    key = f"rate#password_failures#ip#{_address_group(context.ip)}"
    if not rate_limits.hit(key, now, ADDRESS_WINDOW_SECONDS, get_settings().ip_failures_per_minute):
        lockout_store.release_attempt(lockout.key(Factor.PASSWORD, name))
        raise PortalError(ErrorCode.TOO_MANY_REQUESTS,
                          retry_after=rate_limits.window_end(now, ADDRESS_WINDOW_SECONDS) - now)
    return rate_limits.window_key(key, now, ADDRESS_WINDOW_SECONDS)


def _address_group(ip: str) -> str:
    """The unit one limit counts: an IPv4 address, or an IPv6 /64 (one subscriber's whole prefix:
    counting single IPv6 addresses would give an attacker billions of fresh allowances)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _logged_in(user: User, name: str, password: str, address_slot: str | None,
               context: RequestContext) -> LoginResult:
    if passwords.needs_rehash(user.password_hash):
        user.update(actions=[User.password_hash.set(passwords.hash_password(password))])
    next_step = "totp" if user.mfa_enabled else "enroll"
    session, cookie_value = new_session(user, Level.PARTIAL, next_step, context)
    event = new_event("login.password", actor=name, target=name, outcome="success", context=context,
                      details={"next": next_step})
    with recorded_transaction(event) as transaction:
        transaction.update(Lockout(lockout.key(Factor.PASSWORD, name)),
                           actions=lockout_store.reset_actions(lockout.FIRST_THRESHOLD))
        transaction.save(session)
        if address_slot:
            transaction.update(RateCounter(address_slot), actions=[RateCounter.hits.add(-1)])
    return LoginResult(next_step, cookie_value)


def recheck_password(user: User, password: str, context: RequestContext, action: str = "reauth.password",
                     field: str | None = None) -> None:
    """Sensitive changes re-ask the password; wrong ones count on the password lockout counter like
    failed logins (401 invalid_credentials naming `field`)."""
    with lockout.attempt(Factor.PASSWORD, user.username, context, action, user) as attempt:
        if not passwords.verify_password(user.password_hash, password):
            lockout.count_failure(Factor.PASSWORD, user.username, user, attempt, context, action)
            raise PortalError(ErrorCode.INVALID_CREDENTIALS, field=field)
        lockout_store.reset(lockout.key(Factor.PASSWORD, user.username), lockout.FIRST_THRESHOLD)
