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
from contextvars import ContextVar
from enum import Enum

from chalicelib import clock
from chalicelib.errors import HTTP_STATUS, ErrorCode, PortalError
from chalicelib.services import notifications
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.storage import lockouts
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.users import User

log = logging.getLogger("portal.lockout")
_joined: ContextVar[JoinedResets | None] = ContextVar("joined_lockout_resets", default=None)

FIRST_THRESHOLD = 5
LOCK_SECONDS = {5: 60, 10: 300, 15: 900}
BLOCK_AT = 20
# No request runs longer than the function's 30 s timeout: a threshold claim still unsettled after
# this long belongs to a request that died, and is settled as the failure it may have been.
SETTLE_AFTER_SECONDS = 35
# A claim conditional on the counter as read is tried again after another request changed it first (a
# claim, a lock, a reset). Claims alone fill an allowance within FIRST_THRESHOLD rounds; a request
# that needs more is racing resets too, and gets 503 instead of looping.
CLAIM_ROUNDS = FIRST_THRESHOLD + 1


class Factor(str, Enum):
    PASSWORD = "password"
    SECOND_FACTOR = "second_factor"


def key(factor: Factor, username: str) -> str:
    return f"{factor.value}#{username}"


def claim(factor: Factor, username: str, seen: lockouts.LockoutState | None = None,
          slot: lockouts.AddressSlot | None = None) -> int:
    """Claim one evaluation; raises 423 account_locked / account_blocked when the name may not try now.

    With `seen` (the counter as the caller read it) the claim is conditional on that state, and claims
    `slot` with it (lockouts.AddressLimitReached when the address has none left); a parallel request
    changing the counter first means reading it again, a few times at most.
    """
    now = int(clock.now())
    counter = key(factor, username)
    if seen is None:
        attempt = lockouts.claim(counter, now, FIRST_THRESHOLD)
        if attempt is not None:
            return attempt
        raise _refusal(factor, username, lockouts.read_state(counter), now)
    for _ in range(CLAIM_ROUNDS):
        if not _claimable(seen, now):
            raise _refusal(factor, username, seen, now)
        attempt = lockouts.claim_seen(counter, seen, now, FIRST_THRESHOLD, slot)
        if attempt is not None:
            return attempt
        seen = lockouts.read_state(counter)
    raise PortalError(ErrorCode.SERVICE_UNAVAILABLE, retry_after=1)


def _claimable(state: lockouts.LockoutState, now: int) -> bool:
    return not state.blocked and state.locked_until <= now and state.failures < state.allowed


def _refusal(factor: Factor, username: str, state: lockouts.LockoutState, now: int) -> PortalError:
    """The 423 for a name that may not try now; a threshold claim whose request died is settled first."""
    if state.awaiting_evaluation(now) and now - state.claimed_at >= SETTLE_AFTER_SECONDS:
        state = settle_stale(factor, username, state)
    return refusal(state, now)


def settle_stale(factor: Factor, username: str, state: lockouts.LockoutState) -> lockouts.LockoutState:
    """Lock a name whose threshold attempt was claimed but never settled (its request met an outage or
    died after the claim). Counting it as a failure is the safe side: otherwise the name stays refused
    with no lock anybody set, and nothing shows it on the support desk."""
    record_failure(factor, username, state.allowed, reason="unsettled_attempt")
    return lockouts.read_state(key(factor, username))


@contextmanager
def attempt(factor: Factor, username: str, context: RequestContext, action: str, user: User | None = None, *,
            seen: lockouts.LockoutState | None = None, slot: lockouts.AddressSlot | None = None) -> Iterator[int]:
    """Claim one evaluation for the block and make sure it is settled whatever happens in it.

    The block settles the attempt itself (a failure through `count_failure`, a success by resetting
    the counter); a refusal it raises has done so. Anything else escaping the block (a bug, AWS
    trouble) leaves a claim nobody settles; it is counted as a failed attempt here, the safe side: no
    evaluation gets through uncounted, and a threshold claim becomes a lock that support sees, instead
    of a name refused for ever with no lock set. Input that could never be evaluated is refused before
    the claim, so junk cannot lock anybody out. `seen` and `slot` go to `claim`.
    """
    number = claim(factor, username, seen, slot)
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


def record_failure(factor: Factor, username: str, attempt: int, *also: AuditEvent,
                   context: RequestContext | None = None, reason: str | None = None) -> str | None:
    """After a failed attempt: lock or block when it reached a threshold, with its audit event and the
    events `also` in one transaction (they are recorded alone when no lock is due or a success reset
    the counter meanwhile). Returns "locked"/"blocked", or None when nothing was locked."""
    lock = _lock_after(attempt)
    if lock is not None:
        result = "blocked" if lock.blocked else "locked"
        event = new_event(f"lockout.{result}", actor="system", target=username, outcome="success",
                          context=context or RequestContext(), reason=reason,
                          details={"factor": factor.value, "attempt": attempt})
        if lockouts.lock(key(factor, username), lock, event, *also):
            return result
    for event in also:
        event.save()
    return None


def _lock_after(attempt: int) -> lockouts.Lock | None:
    """The lock a failed attempt numbered `attempt` sets: at every threshold, a block from BLOCK_AT on."""
    if attempt < FIRST_THRESHOLD or attempt % FIRST_THRESHOLD:
        return None
    block = attempt >= BLOCK_AT
    until = 0 if block else int(clock.now()) + LOCK_SECONDS[attempt]
    return lockouts.Lock(attempt, until, attempt + FIRST_THRESHOLD, block)


def count_failure(factor: Factor, username: str, user: User | None, attempt: int, context: RequestContext,
                  action: str, outcome: str = "failure") -> dict[str, object]:
    """A failed attempt: audited, and at a threshold locked or blocked in the same transaction; the
    owner of an existing account is told that it was locked, and for how long. Returns what the
    refusal tells the person (`after_failure`)."""
    event = new_event(action, actor=username, target=username, outcome=outcome, context=context,
                      details={"attempt": attempt})
    result = record_failure(factor, username, attempt, event, context=context)
    if result and user is not None:
        lock_seconds = LOCK_SECONDS.get(attempt, 0)
        notifications.send(user, notifications.MailKind(f"account_{result}"),
                           **({"lock_seconds": lock_seconds} if lock_seconds else {}))
    return after_failure(attempt)


def after_failure(attempt: int) -> dict[str, object]:
    """What the refusal of failed attempt number `attempt` adds (docs/api.md "Login"): `attempts_left`
    before the next lock and whether that lock is a temporary one (`next_lock` "locked") or the block;
    on the attempt that locked, `retry_after` (seconds) or `blocked`. It is computed from the name's
    counter alone, which exists whether or not an account has the name: an unknown name gets the same
    warnings as a known one, so they say nothing about who has an account."""
    into = attempt % FIRST_THRESHOLD
    if attempt >= FIRST_THRESHOLD and not into:
        if attempt >= BLOCK_AT:
            return {"attempts_left": 0, "blocked": True}
        return {"attempts_left": 0, "retry_after": LOCK_SECONDS[attempt]}
    next_threshold = attempt - into + FIRST_THRESHOLD
    return {"attempts_left": FIRST_THRESHOLD - into,
            "next_lock": "blocked" if next_threshold >= BLOCK_AT else "locked"}


def succeeded(factor: Factor, username: str) -> None:
    """A right answer settles its claim: the counter starts again. Inside `resets_joined()` the reset
    joins the flow's own transaction instead of costing a request of its own."""
    reset = reset_of(factor, username)
    pending = _joined.get()
    if pending is None:
        lockouts.reset(reset.key, reset.first_threshold)
    else:
        pending.append(reset)


def reset_of(factor: Factor, username: str) -> lockouts.CounterReset:
    """The counter reset a success of `factor` writes (for a storage operation's transaction)."""
    return lockouts.CounterReset(key(factor, username), FIRST_THRESHOLD)


class JoinedResets(list):
    """The counter resets of right answers given inside `resets_joined()`, waiting for the flow's write."""

    def written(self) -> None:
        """The flow's transaction carried them."""
        self.clear()


@contextmanager
def resets_joined() -> Iterator[JoinedResets]:
    """Collect the counter resets of the re-checks in the block, for the flow's own transaction to
    carry (it calls `written()` after it). A reset the block leaves unwritten (it raised, or made no
    write) is written here: a right answer is always settled."""
    pending = JoinedResets()
    token = _joined.set(pending)
    try:
        yield pending
    finally:
        _joined.reset(token)
        for reset in pending:
            lockouts.reset(reset.key, reset.first_threshold)


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
