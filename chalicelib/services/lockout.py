"""Lockout rules (docs/security.md): the 5th, 10th and 15th consecutive failure lock a name for 1, 5 and 15
minutes; the 20th blocks it until support unblocks it or the owner completes a password reset.

Counters exist per normalized username whether or not the account exists, separately for the
password and the second factor. An attempt is *claimed* atomically before it is evaluated, so
parallel requests can never evaluate more attempts than these rules allow.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

from chalicelib import clock
from chalicelib.errors import HTTP_STATUS, ErrorCode, PortalError
from chalicelib.services import audit, notifications
from chalicelib.services.audit import RequestContext
from chalicelib.storage import lockouts
from chalicelib.storage.users import User

log = logging.getLogger("portal.lockout")

FIRST_THRESHOLD = 5
LOCK_SECONDS = {5: 60, 10: 300, 15: 900}
BLOCK_AT = 20
# No request runs longer than the function's 30 s timeout: a threshold claim still unsettled after
# this long belongs to a request that died, and is settled as the failure it may have been.
SETTLE_AFTER_SECONDS = 35


class Factor(str, Enum):
    PASSWORD = "password"
    SECOND_FACTOR = "second_factor"


def key(factor: Factor, username: str) -> str:
    return f"{factor.value}#{username}"


def claim(factor: Factor, username: str) -> int:
    """Claim one evaluation; raises 423 account_locked / account_blocked when the name may not try now."""
    now = int(clock.now())
    attempt = lockouts.claim_attempt(key(factor, username), now, FIRST_THRESHOLD)
    if attempt is not None:
        return attempt
    state = lockouts.read_state(key(factor, username))
    if state.awaiting_evaluation(now) and now - state.claimed_at >= SETTLE_AFTER_SECONDS:
        state = settle_stale(factor, username, state)
    raise refusal(state, now)


def settle_stale(factor: Factor, username: str, state: lockouts.LockoutState) -> lockouts.LockoutState:
    """Lock a name whose threshold attempt was claimed but never settled (its request met an outage or
    died after the claim). Counting it as a failure is the safe side: otherwise the name stays refused
    with no lock anybody set, and nothing shows it on the support desk."""
    result = record_failure(factor, username, state.allowed)
    if result:
        audit.record(f"lockout.{result}", actor="system", target=username, outcome="success",
                     context=RequestContext(), reason="unsettled_attempt",
                     details={"factor": factor.value, "attempt": state.allowed})
    return lockouts.read_state(key(factor, username))


@contextmanager
def attempt(factor: Factor, username: str, context: RequestContext, action: str,
            user: User | None = None) -> Iterator[int]:
    """Claim one evaluation for the block and make sure it is settled whatever happens in it.

    The block settles the attempt itself (a failure through `count_failure`, a success by resetting
    the counter); a refusal it raises has done so. Anything else escaping the block (a bug, AWS
    trouble) leaves a claim nobody settles; it is counted as a failed attempt here, the safe side: no
    evaluation gets through uncounted, and a threshold claim becomes a lock that support sees, instead
    of a name refused for ever with no lock set. Input that could never be evaluated is refused before
    the claim, so junk cannot lock anybody out.
    """
    number = claim(factor, username)
    try:
        yield number
    except PortalError as error:
        if HTTP_STATUS[error.code] >= 500:
            _settle(factor, username, user, number, context, action)
        raise
    except Exception:
        _settle(factor, username, user, number, context, action)
        raise


def _settle(factor: Factor, username: str, user: User | None, number: int, context: RequestContext,
            action: str) -> None:
    try:
        count_failure(factor, username, user, number, context, action, outcome="error")
    except Exception:  # noqa: BLE001 - the original error is the one to report
        log.exception("an unsettled lockout attempt could not be counted")


def refusal(state: lockouts.LockoutState, now: int) -> PortalError:
    """The 423 that matches the stored state (it depends on nothing but the name's counter)."""
    if state.blocked:
        return PortalError(ErrorCode.ACCOUNT_BLOCKED)
    if state.locked_until > now:
        return PortalError(ErrorCode.ACCOUNT_LOCKED, retry_after=state.locked_until - now)
    # The attempt that reached the threshold is being evaluated right now; its lock is imminent.
    return PortalError(ErrorCode.ACCOUNT_LOCKED, retry_after=LOCK_SECONDS.get(state.allowed, 60))


def record_failure(factor: Factor, username: str, attempt: int) -> str | None:
    """After a failed attempt: lock or block when it reached a threshold. Returns "locked"/"blocked", or
    None when nothing was locked."""
    if attempt < FIRST_THRESHOLD or attempt % FIRST_THRESHOLD:
        return None
    now = int(clock.now())
    block = attempt >= BLOCK_AT
    until = 0 if block else now + LOCK_SECONDS[attempt]
    if not lockouts.apply_lock(key(factor, username), attempt, until, attempt + FIRST_THRESHOLD, block=block):
        return None  # a success or an unblock reset the counter meanwhile
    return "blocked" if block else "locked"


def count_failure(factor: Factor, username: str, user: User | None, attempt: int, context: RequestContext,
                  action: str, outcome: str = "failure") -> None:
    """A failed attempt: lock or block at a threshold, audit the attempt (and the lock), tell the owner
    of an existing account that it was locked."""
    result = record_failure(factor, username, attempt)
    audit.record(action, actor=username, target=username, outcome=outcome, context=context,
                 details={"attempt": attempt})
    if result:
        audit.record(f"lockout.{result}", actor="system", target=username, outcome="success", context=context,
                     details={"factor": factor.value, "attempt": attempt})
        if user is not None:
            notifications.send(user, notifications.MailKind(f"account_{result}"))


def clear(username: str) -> None:
    """Unblock (support) or completed password reset: both counters start again."""
    for factor in Factor:
        lockouts.reset(key(factor, username), FIRST_THRESHOLD)


def _seen_by_support(factor: Factor, username: str, now: int) -> tuple[lockouts.LockoutState, int]:
    """A factor's state and the end of any refusal it causes. A threshold attempt being evaluated
    refuses the name too: support sees it as a lock until it must have been settled, and one whose
    request died is settled here as the lock it becomes."""
    state = lockouts.read_state(key(factor, username))
    if not state.awaiting_evaluation(now):
        return state, state.locked_until
    if now - state.claimed_at >= SETTLE_AFTER_SECONDS:
        state = settle_stale(factor, username, state)
        return state, state.locked_until
    return state, state.claimed_at + SETTLE_AFTER_SECONDS


def status(username: str) -> dict:
    """Lock state of a name for the support desk: every state in which the name is refused shows as
    locked (with its end) or blocked."""
    now = int(clock.now())
    password, password_until = _seen_by_support(Factor.PASSWORD, username, now)
    second, second_until = _seen_by_support(Factor.SECOND_FACTOR, username, now)
    locked_until = max(password_until, second_until)
    return {
        "locked": locked_until > now,
        "locked_until": locked_until if locked_until > now else None,
        "blocked": password.blocked or second.blocked,
        "failures": password.failures,
        "second_factor_failures": second.failures,
    }
