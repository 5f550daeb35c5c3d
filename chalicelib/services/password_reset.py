"""Forgotten password and account activation: a single-use link, mailed to the account's own address,
that lets its owner set a new password.

One mechanism serves both: a 256-bit token stored only as its SHA-256 with an expiry (30 minutes for a
reset, 72 hours for an activation) on the user item. The link carries `<token>.<username>`, so a token
only ever works for the account it was made for. Using it is ONE conditional transaction that checks
hash and expiry, removes them, sets the password, ends every session (and voids what else
services/transitions.py names for a reset) and clears the password lockout.
It never logs anyone in: the next login still asks for the second factor.

Requests answer the same whether or not the account exists and are rate-limited per name and per IP.
"""

from __future__ import annotations

import time

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security import passwords
from chalicelib.security.tokens import new_token, token_hash
from chalicelib.services import lockout, notifications, transitions
from chalicelib.services.accounts import USERNAME_MAX, USERNAME_PATTERN, normalize_username
from chalicelib.services.audit import RequestContext, new_event, record
from chalicelib.services.lockout import Factor
from chalicelib.storage import rate_limits, users
from chalicelib.storage.base import Conflict
from chalicelib.storage.users import User, get_user

RESET = "reset"
ACTIVATION = "activation"
LIFETIME_SECONDS = {RESET: 30 * 60, ACTIVATION: 72 * 3600}
PAGE = {RESET: "/password/reset", ACTIVATION: "/account/activate"}

RATE_WINDOW_SECONDS = 3600
REQUESTS_PER_NAME = 5
REQUESTS_PER_IP = 30
# Every answer to a request takes at least this long, so its timing does not tell whether a mail was
# sent (the token write and SES cost some tens of milliseconds that an unknown name would not).
ANSWER_FLOOR_SECONDS = 0.2


def request_reset(username: str, context: RequestContext) -> None:
    """POST /auth/password-reset: mail a reset link if the account exists. Never says whether it does."""
    notifications.base_url(context)  # a missing origin fails alike for every name, existing or not
    name = normalize_username(username)
    # No account has a longer name; refusing it says nothing, and it would not fit a storage key.
    if len(name) > USERNAME_MAX:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="username")
    answer_at = time.monotonic() + ANSWER_FLOOR_SECONDS
    try:
        _request_reset(name, context)
    finally:
        time.sleep(max(0.0, answer_at - time.monotonic()))


def _request_reset(name: str, context: RequestContext) -> None:
    if not _within_limits(name, context):
        record("password_reset.request", actor=name, target=name, outcome="rate_limited", context=context)
        return
    user = get_user(name) if USERNAME_PATTERN.match(name) else None
    if user is None:
        record("password_reset.request", actor=name, target=name, outcome="unknown_account", context=context)
        return
    # An account that never had a password gets its activation link again instead.
    _issue(user, RESET if user.password_hash else ACTIVATION, context, actor=name)


def send_reset_link(user: User, context: RequestContext) -> None:
    """Mail the owner a new reset link (their own report that something was not them asked for it)."""
    _issue(user, RESET, context, actor=user.username)


def start_activation(user: User, context: RequestContext, actor: str = "system") -> None:
    """Mail a new account's owner the link to set a first password (called when support creates it)."""
    _issue(user, ACTIVATION, context, actor=actor)


def complete_reset(token: str, new_password: str, context: RequestContext) -> None:
    """POST /auth/password-reset/complete. Raises invalid_token or weak_password."""
    hashed, user = _token_owner(token)
    problem = passwords.password_problem(new_password, username=user.username, email=user.email)
    if problem:
        raise PortalError(ErrorCode.WEAK_PASSWORD, field="new_password", reason=problem)
    purpose = user.reset_purpose or RESET
    now = int(clock.now())
    event = new_event(f"password_{purpose}.complete", actor=user.username, target=user.username,
                      outcome="success", context=context)
    try:
        # Ends the sessions and uses up this link (with every other void the transition names). The
        # owner proved control of the mailbox: a block of the password counter ends here. The
        # second-factor counter stays as it is, since the mailbox says nothing about the second factor.
        users.reset_password(user.username, hashed, now, passwords.hash_password(new_password),
                             transition=transitions.PASSWORD_RESET, event=event,
                             lockouts=(lockout.key(Factor.PASSWORD, user.username),),
                             first_threshold=lockout.FIRST_THRESHOLD)
    except Conflict:
        raise PortalError(ErrorCode.INVALID_TOKEN, field="token") from None
    if user.client_logins_since is not None:  # ever logged in to a tax application
        from chalicelib.services.oidc_logout import after_sessions_of_ended

        after_sessions_of_ended(user)
    if purpose == RESET:
        notifications.send(user, notifications.MailKind.PASSWORD_RECOVERED, help_url=notifications.help_link(context))


def check_link(token: str) -> None:
    """POST /auth/password-reset/check: is the reset or activation link still good? Changes nothing (the
    page asks before it shows the form, so a used or expired link says so before anything is typed)."""
    _token_owner(token)


def link_token(token: str, username: str) -> str:
    """What a link carries: the token and the account it belongs to."""
    return f"{token}.{username}"


def parse_link_token(value: str) -> tuple[str, str] | None:
    """(SHA-256 of the token, username), or None for anything that cannot be a link token."""
    token, _, username = (value or "").strip().partition(".")
    if len(token) != 43 or not USERNAME_PATTERN.match(username):
        return None
    return token_hash(token), username


def _token_owner(value: str) -> tuple[str, User]:
    """The hash and the account of a reset token that is live right now; invalid_token otherwise.

    Only a cheap early refusal (no password hashing for dead links): the conditional write decides.
    """
    parsed = parse_link_token(value)
    user = get_user(parsed[1]) if parsed else None
    if (
        parsed is None
        or user is None
        or not user.reset_token_hash
        or user.reset_token_hash != parsed[0]
        or int(user.reset_token_expires or 0) <= int(clock.now())
    ):
        raise PortalError(ErrorCode.INVALID_TOKEN, field="token")
    return parsed[0], user


def _within_limits(name: str, context: RequestContext) -> bool:
    now = int(clock.now())
    if context.ip and not rate_limits.hit(f"rate#password_reset#ip#{context.ip}", now, RATE_WINDOW_SECONDS,
                                          REQUESTS_PER_IP):
        return False
    return rate_limits.hit(f"rate#password_reset#name#{name[:64]}", now, RATE_WINDOW_SECONDS, REQUESTS_PER_NAME)


def _issue(user: User, purpose: str, context: RequestContext, actor: str) -> None:
    """Store a new token (any older link of the account stops working) and mail the link."""
    token = new_token()
    lifetime = LIFETIME_SECONDS[purpose]
    users.issue_reset_link(user.username, token_hash(token), int(clock.now()) + lifetime, purpose)
    url = notifications.link(context, PAGE[purpose], link_token(token, user.username))
    if purpose == RESET:
        notifications.send(user, notifications.MailKind.PASSWORD_RESET, link=url, minutes=lifetime // 60)
    else:
        notifications.send(user, notifications.MailKind.ACCOUNT_ACTIVATION, link=url, hours=lifetime // 3600)
    record(f"password_{purpose}.request", actor=actor, target=user.username, outcome="success", context=context)
