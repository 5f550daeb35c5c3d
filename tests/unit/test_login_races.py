"""Races at the service level, interleaved deterministically: the second request reads its state
before the first one commits, so only the storage's atomic conditions can keep both from succeeding.
(tests/e2e send real parallel requests for the same races.)"""

from __future__ import annotations

from contextlib import ExitStack

import pyotp
import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import lockout, login, second_factor, sessions
from chalicelib.services.audit import RequestContext
from chalicelib.services.lockout import Factor
from chalicelib.storage import lockouts, second_factors

PASSWORD = "Correct-Horse-Battery-9"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CONTEXT = RequestContext()


def _partial_session(username: str) -> sessions.Authenticated:
    """A password step done: the partial session, as the next request authenticates it."""
    return sessions.authenticate(login.login(username, PASSWORD, CONTEXT).cookie_value)


def _outcomes(requests) -> list[str]:  # type: ignore[no-untyped-def]
    results = []
    for request in requests:
        try:
            request()
            results.append("ok")
        except PortalError as error:
            results.append(error.code.value)
    return results


def test_one_totp_code_sent_by_two_requests_that_read_before_either_committed_logs_in_once(aws, clock_pinned):
    """Both requests read the account while the step is still unused (their authentication reads it);
    the replay guard of the first commit must refuse the second one's commit."""
    from chalicelib.services.accounts import create_account

    create_account("race.totp", "race.totp@example.org", PASSWORD, totp_secret=SECRET)
    first, second = _partial_session("race.totp"), _partial_session("race.totp")
    code = pyotp.TOTP(SECRET).at(clock_pinned.now())

    results = _outcomes([lambda: second_factor.login_with_totp(first, code, CONTEXT),
                         lambda: second_factor.login_with_totp(second, code, CONTEXT)])

    assert results == ["ok", "invalid_code"]
    assert _full_sessions("race.totp") == 1
    assert sorted(_outcomes_of("race.totp", "login.totp")) == ["replay", "success"]


def _outcomes_of(username: str, action: str) -> list[str]:
    from chalicelib.storage.audit import by_target

    return [event.outcome for event in by_target(username, 50, None) if event.action == action]


def _full_sessions(username: str) -> int:
    from chalicelib.storage.sessions import sessions_of

    return sum(1 for session in sessions_of(username) if session.level == "full")


def test_a_claim_read_before_a_parallel_threshold_claim_never_gets_a_sixth_evaluation(aws, clock_pinned,
                                                                                     monkeypatch):
    """Four failures; request B reads the counter (4), then request A claims the 5th attempt and is
    still evaluating it when B claims: B's claim, conditional on the counter as read, must be
    refused (423), not become a 6th evaluation while the 5th is in flight."""
    for _ in range(4):
        with pytest.raises(PortalError):
            login.login("race.lock", "wrong-password!", CONTEXT)
    real_read = second_factors.read_login
    in_flight = ExitStack()
    claimed: list[int] = []

    def read_then_a_parallel_claim(username: str, lockout_key: str):  # type: ignore[no-untyped-def]
        seen = real_read(username, lockout_key)
        if not claimed:  # request A claims between B's read and B's claim, and keeps evaluating
            claimed.append(in_flight.enter_context(
                lockout.attempt(Factor.PASSWORD, "race.lock", CONTEXT, "login.password")))
        return seen

    monkeypatch.setattr(second_factors, "read_login", read_then_a_parallel_claim)
    with pytest.raises(PortalError) as refused:
        login.login("race.lock", "wrong-password!", CONTEXT)  # request B
    # A's evaluation ends as the failure it is, and locks.
    lockout.count_failure(Factor.PASSWORD, "race.lock", None, claimed[0], CONTEXT, "login.password")
    in_flight.close()

    assert claimed == [5]
    assert refused.value.code is ErrorCode.ACCOUNT_LOCKED
    state = lockouts.read_state("password#race.lock")
    assert (state.failures, state.allowed, state.locked_until) == (5, 10, 1_800_000_060)


def _weak_hash_account(username: str) -> str:
    """An account whose stored hash has older, weaker argon2 parameters than today's."""
    from argon2 import PasswordHasher

    from chalicelib.services.accounts import create_account
    from chalicelib.storage.users import User

    create_account(username, f"{username}@example.org", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    User(username).update(actions=[User.password_hash.set(weak)])
    return weak


def test_a_login_with_an_old_parameter_hash_logs_in_and_rehashes_it(aws, production_argon2):
    from chalicelib.security import passwords
    from chalicelib.storage.users import get_user

    weak = _weak_hash_account("rehash.me")
    assert passwords.needs_rehash(weak)

    assert login.login("rehash.me", PASSWORD, CONTEXT).next_step == "enroll"

    stored = get_user("rehash.me").password_hash
    assert stored != weak and stored.split("$")[3] == "m=19456,t=2,p=1"
    assert passwords.verify_password(stored, PASSWORD)
    assert login.login("rehash.me", PASSWORD, CONTEXT).next_step == "enroll"


def test_the_rehash_never_overwrites_a_password_changed_after_the_login_read_it(aws, monkeypatch):
    """The login read the weak hash; a password change commits before the re-hash is written: the new
    password stays."""
    from chalicelib.security import passwords
    from chalicelib.storage.users import User, get_user

    _weak_hash_account("rehash.race")
    changed = passwords.hash_password("Another-Horse-Battery-8")
    real_commit = second_factors.commit_password_login

    def commit_then_a_password_change(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_commit(*args, **kwargs)
        User("rehash.race").update(actions=[User.password_hash.set(changed)])

    monkeypatch.setattr(second_factors, "commit_password_login", commit_then_a_password_change)
    assert login.login("rehash.race", PASSWORD, CONTEXT).next_step == "enroll"
    assert get_user("rehash.race").password_hash == changed
