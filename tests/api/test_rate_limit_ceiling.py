"""NIST SP 800-63B-4 3.2.2 (rate limiting): a verifier allows no more than 100 consecutive failed attempts
on one account. Here an attacker waits out every lock (services/lockout.py: 1, 5 and 15 minutes at the
5th, 10th and 15th failure) and keeps guessing: the password and the second factor each get exactly
20 evaluated failures, then the name is blocked, also against the right secret, until the owner resets
the password (password) or the desk resets or unblocks (either)."""

from __future__ import annotations

from tests.api.conftest import body
from tests.api.two_factor import PASSWORD, SECRET, code

CEILING = 100  # NIST SP 800-63B-4 3.2.2


def _guess_until_blocked(send, clock, limit: int = 150) -> tuple[int, list[int]]:
    """Send wrong guesses, waiting out each lock, until the name is blocked: (evaluated failures, the
    failure numbers after which a lock was met)."""
    evaluated, locks = 0, []
    for _ in range(limit):
        response = send()
        error = body(response)["error"]["code"]
        if response.status_code == 401:
            evaluated += 1
        elif error == "account_locked":
            locks.append(evaluated)
            clock.advance(int(body(response)["error"]["retry_after"]) + 1)
        elif error == "account_blocked":
            return evaluated, locks
        else:
            raise AssertionError((response.status_code, error))
    raise AssertionError(f"never blocked after {limit} requests")


def test_the_password_gets_no_more_than_20_consecutive_failures_before_a_block(api, user_factory, clock_pinned):
    user_factory("jan.jansen", totp_secret=SECRET)
    wrong = lambda: api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": "Wrong-Guess-0001"})  # noqa: E731
    evaluated, locks = _guess_until_blocked(wrong, clock_pinned)
    assert evaluated == 20 <= CEILING
    assert locks == [5, 10, 15]
    clock_pinned.advance(7 * 24 * 3600)  # a block does not wear off
    right = api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})
    assert right.status_code == 423 and body(right)["error"]["code"] == "account_blocked"


def test_the_second_factor_gets_no_more_than_20_consecutive_failures_before_a_block(make_api, user_factory,
                                                                                     clock_pinned):
    user_factory("jan.jansen", totp_secret=SECRET)
    state = {"api": None}

    def wrong_code():
        if state["api"] is None:
            state["api"] = make_api()
            login = state["api"].post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})
            assert login.status_code == 200, login.body
        response = state["api"].post("/api/v1/auth/totp", {"code": "000000" if code(SECRET) != "000000" else "111111"})
        if response.status_code == 423:
            state["api"] = None  # a new password step after the wait (the partial session lives 10 minutes)
        return response

    evaluated, locks = _guess_until_blocked(wrong_code, clock_pinned)
    assert evaluated == 20 <= CEILING
    assert locks == [5, 10, 15]
    fresh = make_api()
    fresh.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})
    right = fresh.post("/api/v1/auth/totp", {"code": code(SECRET)})
    assert right.status_code == 423 and body(right)["error"]["code"] == "account_blocked"
