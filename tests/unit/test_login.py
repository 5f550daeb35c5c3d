"""services/login.py against moto with a pinned clock: the password step's ordinary outcomes (a
partial session whose next step depends on 2FA, the same refusal for a wrong password and an unknown
name, the lock at the 5th failure, the source address's allowance) and the password re-check.
Races and the rehash are in test_login_races.py."""

from __future__ import annotations

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import lockout, login, sessions
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.storage.sessions import sessions_of
from tests.api.sent_mail import sent_to
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7")
PASSWORD = "Correct-Horse-Battery-9"
WRONG = "Wrong-Horse-Battery-0"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = 1_800_000_000


@pytest.fixture
def alice(aws, clock_pinned):
    return create_account("alice", "alice@example.org", PASSWORD, language="en")


def _refused(username: str, password: str, context: RequestContext = CONTEXT) -> PortalError:
    with pytest.raises(PortalError) as refused:
        login.login(username, password, context)
    return refused.value


def _failures(name: str) -> int:
    return lockout.status(name)["failures"]


def test_without_2fa_the_password_leads_to_enrollment_in_a_partial_session(alice):
    result = login.login("  ALICE ", PASSWORD, CONTEXT)
    assert result.next_step == "enroll"
    current = sessions.authenticate(result.cookie_value)
    assert (current.user.username, current.session.level, current.session.next_step) == ("alice", "partial", "enroll")
    assert (int(current.session.absolute_expiry), current.session.ip) == (T0 + 600, "192.0.2.7")
    assert events_about("alice") == [{"action": "login.password", "outcome": "success", "actor": "alice",
                                      "reason": None, "details": {"next": "enroll"}}]


def test_with_2fa_active_the_password_leads_to_the_code(aws, clock_pinned):
    create_account("jan.jansen", "jan@example.org", PASSWORD, totp_secret=SECRET)
    result = login.login("jan.jansen", PASSWORD, CONTEXT)
    assert result.next_step == "totp"
    assert sessions.authenticate(result.cookie_value).session.next_step == "totp"


def test_a_wrong_password_and_an_unknown_name_get_the_same_refusal_and_no_session(alice):
    for name in ("alice", "nobody.here"):
        refusal = _refused(name, WRONG)
        # The lockout's warning comes from the name's counter alone: the same for a name without account.
        assert (refusal.code, refusal.field, refusal.extra) == (ErrorCode.INVALID_CREDENTIALS, None,
                                                                {"attempts_left": 4, "next_lock": "locked"})
        assert _failures(name) == 1
        assert sessions_of(name) == []
        assert events_about(name) == [{"action": "login.password", "outcome": "failure", "actor": name,
                                       "reason": None, "details": {"attempt": 1}}]


def test_an_empty_or_overlong_name_is_400_before_any_counter_or_event(aws, clock_pinned):
    for name in ("", "   ", "a" * 65):
        refusal = _refused(name, PASSWORD)
        assert (refusal.code, refusal.field) == (ErrorCode.INVALID_REQUEST, "username")
    assert events_about("a" * 65) == []
    assert _failures("a" * 65) == 0


def test_the_fifth_failure_locks_for_a_minute_even_against_the_right_password(alice, clock_pinned):
    for _ in range(4):
        _refused("alice", WRONG)
    assert sent_to("alice@example.org") == []
    _refused("alice", WRONG)
    assert [message.subject for message in sent_to("alice@example.org")] == ["Your account is temporarily locked"]
    locks = [event for event in events_about("alice") if event["action"] == "lockout.locked"]
    assert [(event["actor"], event["details"]) for event in locks] == [("system", {"factor": "password", "attempt": 5})]
    clock_pinned.advance(59)
    locked = _refused("alice", PASSWORD)
    assert (locked.code, locked.extra["retry_after"]) == (ErrorCode.ACCOUNT_LOCKED, 1)
    assert sessions_of("alice") == []
    clock_pinned.advance(1)
    assert login.login("alice", PASSWORD, CONTEXT).next_step == "enroll"


def test_a_success_starts_the_count_again(alice):
    for _ in range(4):
        _refused("alice", WRONG)
    login.login("alice", PASSWORD, CONTEXT)
    assert _failures("alice") == 0
    for _ in range(4):
        assert _refused("alice", WRONG).code is ErrorCode.INVALID_CREDENTIALS
    assert login.login("alice", PASSWORD, CONTEXT).next_step == "enroll"


def test_thirty_failed_evaluations_per_address_and_minute_then_429_until_the_next_minute(alice, clock_pinned):
    clock_pinned.pin(T0 + 20)  # 40 seconds before the minute's window ends
    for index in range(29):
        assert _refused(f"guess.{index}", WRONG).code is ErrorCode.INVALID_CREDENTIALS
    for _ in range(2):
        login.login("alice", PASSWORD, CONTEXT)  # a success gives its slot back
    assert _refused("guess.29", WRONG).code is ErrorCode.INVALID_CREDENTIALS  # the 30th failure
    refusal = _refused("alice", PASSWORD)
    assert (refusal.code, refusal.extra["retry_after"]) == (ErrorCode.TOO_MANY_REQUESTS, 40)
    assert _failures("alice") == 0  # refused with nothing claimed
    assert [event["outcome"] for event in events_about("alice")] == ["success", "success"]
    assert login.login("alice", PASSWORD, RequestContext(ip="192.0.2.8")).next_step == "enroll"
    clock_pinned.advance(40)
    assert login.login("alice", PASSWORD, CONTEXT).next_step == "enroll"


def test_addresses_of_one_ipv6_prefix_share_one_allowance(alice, clock_pinned):
    clock_pinned.pin(T0 + 20)
    for index in range(30):
        _refused(f"guess.{index}", WRONG, RequestContext(ip=f"2001:db8:1:2::{index + 1:x}"))
    assert _refused("alice", PASSWORD, RequestContext(ip="2001:db8:1:2:ffff::1")).code is ErrorCode.TOO_MANY_REQUESTS
    assert login.login("alice", PASSWORD, RequestContext(ip="2001:db8:1:3::1")).next_step == "enroll"


def test_the_password_recheck_names_its_field_counts_failures_and_a_right_one_resets(alice):
    with pytest.raises(PortalError) as refused:
        login.recheck_password(alice, WRONG, CONTEXT, action="account.password_check", field="current_password")
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_CREDENTIALS, "current_password")
    assert _failures("alice") == 1
    assert [(event["action"], event["outcome"]) for event in events_about("alice")] == [
        ("account.password_check", "failure")]
    login.recheck_password(alice, PASSWORD, CONTEXT)
    assert _failures("alice") == 0
    assert sessions_of("alice") == []  # a re-check makes no session
