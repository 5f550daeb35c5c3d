"""The password step of the login: lockout claim, password check with equal cost for unknown names,
a partial session that can only reach the second factor or 2FA enrollment.

Three DynamoDB requests whatever the outcome: the account and its counter read together, the claim
(with the source address's slot), then one write: the success's transaction, the failure's audit
event, or, at a threshold, the lock with its audit events.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security import passwords
from chalicelib.services import lockout, second_factor
from chalicelib.services.accounts import USERNAME_MAX, normalize_username
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.lockout import Factor
from chalicelib.services.sessions import Level, new_session
from chalicelib.settings import get_settings
from chalicelib.storage import rate_limits, second_factors
from chalicelib.storage.base import is_temporary_trouble
from chalicelib.storage.lockouts import AddressLimitReached, AddressSlot
from chalicelib.storage.users import User

log = logging.getLogger("portal.login")

ADDRESS_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class LoginResult:
    next_step: str  # "totp" | "enroll"
    cookie_value: str
    # With next_step "totp": the factor the second step offers first ("passkey" | "totp").
    second_factor: str | None = None
    # The password is on the breached list now (the list grew): a new one right after the login.
    password_change_required: bool = False


def login(username: str, password: str, context: RequestContext) -> LoginResult:
    name = normalize_username(username)
    # Checked before the claim: a name no account can have is refused without touching the counter
    # (and a longer one would exceed DynamoDB's key size in the lockout item).
    if not 0 < len(name) <= USERNAME_MAX:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="username")
    user, seen = second_factors.read_login(name, lockout.key(Factor.PASSWORD, name))
    now = int(clock.now())
    slot = _address_slot(context, now)
    try:
        with lockout.attempt(Factor.PASSWORD, name, context, "login.password", user, seen=seen, slot=slot) as attempt:
            if not passwords.verify_password(user.password_hash if user else None, password):
                left = lockout.count_failure(Factor.PASSWORD, name, user, attempt, context, "login.password")
                raise PortalError(ErrorCode.INVALID_CREDENTIALS, **left)
            assert user is not None  # verify_password never accepts a missing account
            result = _logged_in(user, slot, context, must_change=_now_refused(user, password))
    except AddressLimitReached:
        # Refused before any argon2 work, with nothing claimed.
        raise PortalError(ErrorCode.TOO_MANY_REQUESTS,
                          retry_after=rate_limits.window_end(now, ADDRESS_WINDOW_SECONDS) - now) from None
    _rehash_if_weak(user, password)
    return result


def _address_slot(context: RequestContext, now: int) -> AddressSlot | None:
    """The source address's failed-evaluation slot of this minute, claimed with the name's attempt
    (before any argon2 work); a success gives it back."""
    if not context.ip:
        return None
    key = f"rate#password_failures#ip#{_address_group(context.ip)}"
    return AddressSlot(rate_limits.window_key(key, now, ADDRESS_WINDOW_SECONDS), get_settings().ip_failures_per_minute,
                       rate_limits.window_end(now, ADDRESS_WINDOW_SECONDS) + ADDRESS_WINDOW_SECONDS)


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


def _now_refused(user: User, password: str) -> str | None:
    """Why the password that just logged in would be refused as a new one today (the breached list
    grew, or a context rule was added), or None. Checked on the plain text only here, after it proved
    right: the stored hash cannot be compared with a list."""
    return passwords.password_problem(password, username=user.username, email=user.email or "")


def _logged_in(user: User, slot: AddressSlot | None, context: RequestContext,
               must_change: str | None = None) -> LoginResult:
    next_step = "totp" if user.mfa_enabled else "enroll"
    session, cookie_value = new_session(user, Level.PARTIAL, next_step, context)
    details: dict[str, object] = {"next": next_step}
    if must_change:
        session.password_change_required = True
        details["password_change_required"] = must_change
    event = new_event("login.password", actor=user.username, target=user.username, outcome="success",
                      context=context, details=details)
    second_factors.commit_password_login(session, event, lockout.reset_of(Factor.PASSWORD, user.username),
                                         slot.key if slot else None)
    return LoginResult(next_step, cookie_value,
                       second_factor.offered_first(user) if next_step == "totp" else None,
                       password_change_required=bool(must_change))


def _rehash_if_weak(user: User, password: str) -> None:
    """A hash with weaker parameters than today's is replaced after the login went through. Best
    effort: the login stands when AWS has trouble now, and the next login tries again."""
    if not passwords.needs_rehash(user.password_hash):
        return
    try:
        second_factors.rehash_password(user.username, user.password_hash, passwords.hash_password(password))
    except Exception as error:
        if not is_temporary_trouble(error):
            raise
        log.warning("a weak password hash could not be replaced now")


def recheck_password(user: User, password: str, context: RequestContext, action: str = "reauth.password",
                     field: str | None = None) -> None:
    """Sensitive changes re-ask the password; wrong ones count on the password lockout counter like
    failed logins (401 invalid_credentials naming `field`)."""
    with lockout.attempt(Factor.PASSWORD, user.username, context, action, user) as attempt:
        if not passwords.verify_password(user.password_hash, password):
            left = lockout.count_failure(Factor.PASSWORD, user.username, user, attempt, context, action)
            raise PortalError(ErrorCode.INVALID_CREDENTIALS, field=field, **left)
        lockout.succeeded(Factor.PASSWORD, user.username)
