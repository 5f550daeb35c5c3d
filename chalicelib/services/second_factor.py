"""The second step of the login (a TOTP code or a backup code), and the re-check of both factors that
sensitive changes ask for.

Every attempt is first claimed on the name's second-factor lockout counter, so parallel guesses get no
more tries than the rules allow. A TOTP code is accepted only for a time step later than the last
accepted one; the step is recorded by the same conditional write that accepts the code, so a code
works once even when it arrives twenty times at once. A replay is refused like a wrong code, audited
as a security event and reported to the owner.

A successful login step is one transaction (storage/second_factors.commit_totp_login or
commit_backup_code_login): replay guard (or backup-code delete), last login, the partial session
replaced by a new full one, the counter reset and the audit event. With the session lookup and the
lockout claim that makes three DynamoDB requests for POST /auth/totp. A passkey as the second step is
services/passkeys.py's; it takes its new session from stepped_up() and offered_first() says which
factor the page offers first.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security import backup_codes, totp
from chalicelib.services import device_notices, lockout, notifications
from chalicelib.services.accounts import open_totp_secret
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.lockout import Factor
from chalicelib.services.sessions import Authenticated, Level, continue_login, new_session
from chalicelib.storage import backup_codes as backup_code_store
from chalicelib.storage import second_factors
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.base import Conflict
from chalicelib.storage.keys import get_keys
from chalicelib.storage.sessions import Session
from chalicelib.storage.users import User, get_user

# The owner is warned when this many backup codes or fewer are left.
LOW_BACKUP_CODES = 3


@dataclass(frozen=True)
class StepUp:
    """A completed second step: the new full session's cookie (and what is left of the backup codes)."""

    cookie_value: str
    backup_codes_left: int | None = None


# ---------------------------------------------------------------- login


def login_with_totp(current: Authenticated, code: str, context: RequestContext) -> StepUp:
    """POST /auth/totp: a 6-digit code from the app turns the partial session into a full one."""
    user = current.user
    with lockout.attempt(Factor.SECOND_FACTOR, user.username, context, "login.totp", user) as attempt:
        step = _unused_step(user, code, attempt, context, "login.totp")
        session, cookie = stepped_up(current, context)
        seen = device_notices.sighting(user, context)
        try:
            second_factors.commit_totp_login(user.username, user.totp_secret, step, int(clock.now()), current.session,
                                             session, _success(user, "login.totp", context, seen.details),
                                             lockout.reset_of(Factor.SECOND_FACTOR, user.username), seen.memory)
        except Conflict:
            raise _lost_race(user, step, attempt, context, "login.totp") from None
    device_notices.notify(user, seen, context)
    return StepUp(cookie)


def login_with_backup_code(current: Authenticated, code: str, context: RequestContext) -> StepUp:
    """POST /auth/backup-code: one printed code (used up by this login) instead of the app's code."""
    user = current.user
    with lockout.attempt(Factor.SECOND_FACTOR, user.username, context, "login.backup_code", user) as attempt:
        code_hash = _backup_code_hash(user, code)
        if code_hash is None:
            raise _refused(user, attempt, context, "login.backup_code")
        session, cookie = stepped_up(current, context)
        seen = device_notices.sighting(user, context)
        try:
            second_factors.commit_backup_code_login(
                user.username, code_hash, user.backup_set_id, int(clock.now()), current.session, session,
                _success(user, "login.backup_code", context, seen.details),
                lockout.reset_of(Factor.SECOND_FACTOR, user.username), seen.memory)
        except Conflict:
            # Unknown, used, or of a replaced set: all the same answer.
            raise _refused(user, attempt, context, "login.backup_code") from None
    # After the block: the attempt is settled by the login's transaction, a mail problem is no failure.
    left = max(int(user.backup_codes_left or 0) - 1, 0)
    device_notices.notify(user, seen, context)
    _report_backup_code_use(user, left, context)
    return StepUp(cookie, left)


def offered_first(user: User) -> str:
    """The factor the second step's page offers first: a passkey when the account has one (it cannot
    be phished), else the app's code. The others stay available on that page."""
    return "passkey" if int(user.passkey_count or 0) > 0 else "totp"


def _success(user: User, action: str, context: RequestContext, details: dict | None = None) -> AuditEvent:
    return new_event(action, actor=user.username, target=user.username, outcome="success", context=context,
                     details=details)


def stepped_up(current: Authenticated, context: RequestContext) -> tuple[Session, str]:
    """The new full session (and its cookie) that replaces `current` in the step's transaction. A full
    session that is replaced (re-enrollment) keeps its absolute end: a new token is not a new login."""
    session, cookie = new_session(current.user, Level.FULL, "done", context)
    session.password_change_required = current.session.password_change_required
    if current.is_full:
        continue_login(session, current.session)
    return session, cookie


# ---------------------------------------------------------------- re-checks before sensitive changes


def check_second_factor(user: User, code: str, context: RequestContext) -> None:
    """Re-ask the active second factor: a TOTP code (the replay guard applies) or a backup code (used
    up). Each is one conditional write; failures count on the second-factor lockout counter."""
    with lockout.attempt(Factor.SECOND_FACTOR, user.username, context, "reauth.second_factor", user) as attempt:
        if totp.is_well_formed(totp.normalize(code)):
            step = _unused_step(user, code, attempt, context, "reauth.totp")
            try:
                second_factors.use_totp_step(user.username, user.totp_secret, step)
            except Conflict:
                raise _lost_race(user, step, attempt, context, "reauth.totp") from None
        else:
            _use_backup_code(user, code, attempt, context)
        lockout.succeeded(Factor.SECOND_FACTOR, user.username)


def _use_backup_code(user: User, code: str, attempt: int, context: RequestContext) -> None:
    code_hash = _backup_code_hash(user, code)
    if code_hash is None:
        raise _refused(user, attempt, context, "reauth.backup_code")
    try:
        backup_code_store.consume(user.username, code_hash, user.backup_set_id,
                                  _success(user, "reauth.backup_code", context))
    except Conflict:
        raise _refused(user, attempt, context, "reauth.backup_code") from None
    _report_backup_code_use(user, max(int(user.backup_codes_left or 0) - 1, 0), context)


# ---------------------------------------------------------------- checking codes


def _unused_step(user: User, code: str, attempt: int, context: RequestContext, action: str) -> int:
    """The time step of a valid TOTP code not used before; refuses (and counts) anything else."""
    if not user.mfa_enabled or not user.totp_secret:
        raise _refused(user, attempt, context, action)
    key = totp.decode_secret(open_totp_secret(user.username, user.totp_secret))
    step = totp.matching_step(key, code, clock.now())
    if step is None:
        raise _refused(user, attempt, context, action)
    if step <= int(user.totp_last_step or 0):
        raise _replayed(user, attempt, context, action)
    return step


def _lost_race(user: User, step: int, attempt: int, context: RequestContext, action: str) -> PortalError:
    """The conditional write refused a code that looked fine: a parallel request used that step first
    (a replay), or the session was stepped up or the second factor changed in the meantime."""
    fresh = get_user(user.username)
    if fresh is not None and int(fresh.totp_last_step or 0) >= step and fresh.totp_secret == user.totp_secret:
        return _replayed(user, attempt, context, action)
    return _refused(user, attempt, context, action)


def _backup_code_hash(user: User, code: str) -> str | None:
    canonical = backup_codes.normalize(code)
    if canonical is None or not user.mfa_enabled or not user.backup_set_id:
        return None
    return backup_codes.digest(get_keys().hmac_key, user.username, user.backup_set_id, canonical)


# ---------------------------------------------------------------- outcomes


def _refused(user: User, attempt: int, context: RequestContext, action: str) -> PortalError:
    left = lockout.count_failure(Factor.SECOND_FACTOR, user.username, user, attempt, context, action)
    return PortalError(ErrorCode.INVALID_CODE, **left)


def _replayed(user: User, attempt: int, context: RequestContext, action: str) -> PortalError:
    """A code of an already used step: the same answer as a wrong code, but a security event for the
    audit trail and a notice to the owner (someone may have watched the code being typed)."""
    left = lockout.count_failure(Factor.SECOND_FACTOR, user.username, user, attempt, context, action, outcome="replay")
    notifications.send(user, notifications.MailKind.TOTP_REPLAYED)
    return PortalError(ErrorCode.INVALID_CODE, **left)


def _report_backup_code_use(user: User, left: int, context: RequestContext) -> None:
    """Every use is reported with the count left; from LOW_BACKUP_CODES on, the notice says to make a
    new list. Like every recovery notice it says how to dispute it."""
    notifications.send(user, notifications.MailKind.backup_code_notice(low=left <= LOW_BACKUP_CODES), left=left,
                       help_url=notifications.help_link(context))
