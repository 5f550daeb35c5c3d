"""services/lockout.py against moto: the ladder of docs/security.md, per factor, for any name."""

from __future__ import annotations

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import lockout
from chalicelib.services.lockout import Factor


def _fail(factor: Factor, name: str) -> str | None:
    attempt = lockout.claim(factor, name)
    return lockout.record_failure(factor, name, attempt)


def test_ladder_locks_and_blocks(aws, clock_pinned):
    name = "someone"
    results = []
    # The design's ladder, written out: the 5th, 10th and 15th failure lock for 1, 5 and 15 minutes.
    lock_seconds = {5: 60, 10: 300, 15: 900}
    for attempt in range(1, 21):
        results.append(_fail(Factor.PASSWORD, name))
        if attempt in lock_seconds:
            with pytest.raises(PortalError) as refused:
                lockout.claim(Factor.PASSWORD, name)
            assert refused.value.code is ErrorCode.ACCOUNT_LOCKED
            assert refused.value.extra["retry_after"] == lock_seconds[attempt]
            clock_pinned.advance(lock_seconds[attempt] - 1)
            with pytest.raises(PortalError):
                lockout.claim(Factor.PASSWORD, name)
            clock_pinned.advance(1)
    assert results[4] == results[9] == results[14] == "locked"
    assert results[19] == "blocked"
    assert results.count(None) == 16
    with pytest.raises(PortalError) as refused:
        lockout.claim(Factor.PASSWORD, name)
    assert refused.value.code is ErrorCode.ACCOUNT_BLOCKED
    assert lockout.status(name)["blocked"] is True


def test_factors_count_separately(aws, clock_pinned):
    for _ in range(5):
        _fail(Factor.SECOND_FACTOR, "someone")
    with pytest.raises(PortalError):
        lockout.claim(Factor.SECOND_FACTOR, "someone")
    assert lockout.claim(Factor.PASSWORD, "someone") == 1
    status = lockout.status("someone")
    assert status["locked"] is True and status["second_factor_failures"] == 5


def test_clear_lifts_a_block(aws, clock_pinned):
    for _ in range(20):
        _fail(Factor.PASSWORD, "someone")
        clock_pinned.advance(901)
    with pytest.raises(PortalError):
        lockout.claim(Factor.PASSWORD, "someone")
    lockout.clear("someone")
    assert lockout.claim(Factor.PASSWORD, "someone") == 1
    assert lockout.status("someone") == {"locked": False, "locked_until": None, "blocked": False,
                                         "failures": 1, "second_factor_failures": 0}


def test_lock_is_not_applied_when_a_success_reset_the_counter_meanwhile(aws, clock_pinned):
    attempts = [lockout.claim(Factor.PASSWORD, "someone") for _ in range(5)]
    lockout.clear("someone")  # e.g. the owner logged in successfully in between
    assert lockout.record_failure(Factor.PASSWORD, "someone", attempts[-1]) is None
    assert lockout.claim(Factor.PASSWORD, "someone") == 1


def test_a_threshold_attempt_whose_request_died_is_settled_as_a_lock(aws, clock_pinned):
    """The 5th attempt is claimed, then its request meets an outage before it locks or resets: the
    name must not stay refused with no lock set (the desk would show it unlocked for ever)."""
    for _ in range(4):
        _fail(Factor.PASSWORD, "someone")
    assert lockout.claim(Factor.PASSWORD, "someone") == 5  # ... and nothing settles it
    with pytest.raises(PortalError) as pending:
        lockout.claim(Factor.PASSWORD, "someone")
    assert pending.value.code is ErrorCode.ACCOUNT_LOCKED
    # Refused while it is being evaluated, so the desk shows a lock, ending when it must be settled.
    pending_status = lockout.status("someone")
    assert (pending_status["locked"], pending_status["locked_until"]) == (True, 1_800_000_035)
    clock_pinned.advance(40)
    with pytest.raises(PortalError) as settled:
        lockout.claim(Factor.PASSWORD, "someone")
    assert settled.value.code is ErrorCode.ACCOUNT_LOCKED
    assert settled.value.extra["retry_after"] == 60
    status = lockout.status("someone")
    assert status["locked"] is True and status["failures"] == 5
    clock_pinned.advance(60)
    assert lockout.claim(Factor.PASSWORD, "someone") == 6


def test_a_lock_whose_answer_was_lost_still_counts_as_set(aws, clock_pinned):
    """botocore sends a transaction again when its answer was lost; the second attempt's failed condition
    must not read as 'a success reset the counter meanwhile' (the lock's audit event and notice)."""
    from chalicelib.services.audit import RequestContext, new_event
    from chalicelib.storage import lockouts

    for _ in range(5):
        attempt = lockout.claim(Factor.PASSWORD, "someone")
    lock = lockouts.Lock(attempt, 1_800_000_060, 10, blocked=False)

    def event():
        return new_event("lockout.locked", actor="system", target="someone", outcome="success",
                         context=RequestContext())

    sent = event()
    assert lockouts.lock("password#someone", lock, sent) is True
    assert lockouts.lock("password#someone", lock, sent) is True  # the resend of the same transaction
    assert lockouts.lock("password#someone", lock, event()) is False  # another request's: refused
    assert lockouts.read_state("password#someone").locked_until == 1_800_000_060


def test_the_support_desk_view_itself_settles_an_attempt_whose_request_died(aws, clock_pinned):
    for _ in range(4):
        _fail(Factor.PASSWORD, "someone")
    lockout.claim(Factor.PASSWORD, "someone")  # the 5th, never settled
    clock_pinned.advance(40)
    status = lockout.status("someone")
    assert (status["locked"], status["locked_until"], status["failures"]) == (True, 1_800_000_100, 5)
