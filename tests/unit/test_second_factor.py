"""services/second_factor.py against moto with a pinned clock: a TOTP or backup code turns the
password step's partial session into a new full one, a used step or code is refused (a replay audited
and reported), wrong codes lock the second factor at the 5th, and the re-check before a sensitive
change uses up what it accepts."""

from __future__ import annotations

import pyotp
import pytest

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security import backup_codes as code_sets
from chalicelib.services import backup_codes, lockout, login, second_factor, sessions
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.storage import backup_codes as backup_code_store
from chalicelib.storage.sessions import sessions_of
from chalicelib.storage.users import User, get_user
from tests.api.sent_mail import sent_to
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7")
PASSWORD = "Correct-Horse-Battery-9"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = 1_800_000_000


@pytest.fixture
def jan(aws, clock_pinned):
    return create_account("jan.jansen", "jan@example.org", PASSWORD, totp_secret=SECRET, language="en")


@pytest.fixture
def printed_codes(jan, monkeypatch) -> list[str]:
    """A first set of backup codes for jan, as printed on the sheet."""
    made: list[tuple[str, ...]] = []
    real_new_set = code_sets.new_set

    def recording_new_set():  # type: ignore[no-untyped-def]
        made.append(tuple(real_new_set()))
        return made[-1]

    monkeypatch.setattr(code_sets, "new_set", recording_new_set)
    backup_codes.replace_set(jan, CONTEXT, "mfa.backup_codes.regenerated", lambda codes, event, handout:
                             backup_code_store.replace_regenerated("jan.jansen", None, codes, event, handout=handout))
    return list(made[0])


def _partial() -> sessions.Authenticated:
    return sessions.authenticate(login.login("jan.jansen", PASSWORD, CONTEXT).cookie_value)


def _code(offset_steps: int = 0) -> str:
    return pyotp.TOTP(SECRET).at(clock.now() + 30 * offset_steps)


def _wrong_code() -> str:
    return next(code for code in ("000000", "111111", "222222") if code not in {_code(-1), _code(), _code(1)})


def _refused(call, *args) -> PortalError:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalError) as refused:
        call(*args)
    return refused.value


def _second_factor_failures() -> int:
    return lockout.status("jan.jansen")["second_factor_failures"]


def _outcomes(action: str) -> list[str]:
    """The outcomes recorded for `action`, sorted (events of one pinned second have no order)."""
    return sorted(event["outcome"] for event in events_about("jan.jansen") if event["action"] == action)


def _subjects() -> list[str]:
    return [message.subject for message in sent_to("jan@example.org")]


def test_a_current_code_replaces_the_partial_session_by_a_full_one_and_resets_the_counter(jan, clock_pinned):
    partial = _partial()
    for _ in range(2):
        _refused(second_factor.login_with_totp, partial, _wrong_code(), CONTEXT)
    clock_pinned.advance(5)
    stepped = second_factor.login_with_totp(partial, _code(), CONTEXT)
    assert stepped.backup_codes_left is None
    current = sessions.authenticate(stepped.cookie_value)
    assert (current.session.level, current.session.next_step) == ("full", "done")
    assert int(current.session.absolute_expiry) == T0 + 5 + 8 * 3600
    assert _refused(sessions.authenticate, partial.cookie_value).code is ErrorCode.NOT_AUTHENTICATED
    assert [session.level for session in sessions_of("jan.jansen")] == ["full"]
    stored = get_user("jan.jansen")
    assert (int(stored.totp_last_step), int(stored.last_login)) == ((T0 + 5) // 30, T0 + 5)
    assert _second_factor_failures() == 0
    assert _outcomes("login.totp") == ["failure", "failure", "success"]


def test_a_wrong_code_is_counted_and_leaves_the_partial_session_as_it_was(jan):
    partial = _partial()
    refusal = _refused(second_factor.login_with_totp, partial, _wrong_code(), CONTEXT)
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_CODE, None)
    assert _second_factor_failures() == 1
    assert lockout.status("jan.jansen")["failures"] == 0
    assert sessions.authenticate(partial.cookie_value).session.level == "partial"
    assert [session.level for session in sessions_of("jan.jansen")] == ["partial"]
    assert int(get_user("jan.jansen").totp_last_step) == 0
    assert _subjects() == []


def test_a_code_of_a_step_before_the_last_accepted_one_is_a_replay(jan, clock_pinned):
    second_factor.login_with_totp(_partial(), _code(1), CONTEXT)  # the next step's code, one step ahead
    partial = _partial()
    refusal = _refused(second_factor.login_with_totp, partial, _code(), CONTEXT)
    assert refusal.code is ErrorCode.INVALID_CODE
    assert _outcomes("login.totp") == ["replay", "success"]
    assert _subjects() == ["A code that was already used was tried again"]
    assert _second_factor_failures() == 1
    assert sessions.authenticate(partial.cookie_value).session.level == "partial"
    clock_pinned.advance(30)
    assert second_factor.login_with_totp(partial, _code(1), CONTEXT).cookie_value  # a later step still works


def test_an_account_without_2fa_gets_no_full_session_from_any_code(aws, clock_pinned):
    create_account("jan.jansen", "jan@example.org", PASSWORD)
    partial = _partial()
    assert partial.session.next_step == "enroll"
    for call, code in ((second_factor.login_with_totp, _code()),
                       (second_factor.login_with_backup_code, "ABCD-EFGH-JKLM-NPQR")):
        assert _refused(call, partial, code, CONTEXT).code is ErrorCode.INVALID_CODE
    assert _second_factor_failures() == 2
    assert [session.level for session in sessions_of("jan.jansen")] == ["partial"]


def test_the_fifth_wrong_code_locks_the_second_factor_for_a_minute(jan, clock_pinned):
    partial = _partial()
    for _ in range(5):
        assert _refused(second_factor.login_with_totp, partial, _wrong_code(), CONTEXT).code is ErrorCode.INVALID_CODE
    assert _subjects() == ["Your account is temporarily locked"]
    clock_pinned.advance(59)
    partial = _partial()  # the password counter is not the second factor's
    locked = _refused(second_factor.login_with_totp, partial, _code(), CONTEXT)
    assert (locked.code, locked.extra["retry_after"]) == (ErrorCode.ACCOUNT_LOCKED, 1)
    assert int(get_user("jan.jansen").totp_last_step) == 0  # the code was not spent
    clock_pinned.advance(1)
    assert second_factor.login_with_totp(partial, _code(), CONTEXT).cookie_value


def test_a_backup_code_logs_in_once_and_the_owner_hears_how_many_are_left(printed_codes):
    partial = _partial()
    stepped = second_factor.login_with_backup_code(partial, printed_codes[0].lower(), CONTEXT)
    assert stepped.backup_codes_left == 9
    assert sessions.authenticate(stepped.cookie_value).session.level == "full"
    assert _refused(sessions.authenticate, partial.cookie_value).code is ErrorCode.NOT_AUTHENTICATED
    assert len(backup_code_store.codes_of("jan.jansen")) == 9
    mail = sent_to("jan@example.org")[-1]
    assert mail.subject == "A backup code was used" and "Unused backup codes left: 9." in mail.body
    again = _partial()
    assert _refused(second_factor.login_with_backup_code, again, printed_codes[0], CONTEXT).code is \
        ErrorCode.INVALID_CODE
    assert _outcomes("login.backup_code") == ["failure", "success"]
    assert sessions.authenticate(again.cookie_value).session.level == "partial"


def test_the_notice_warns_from_three_codes_left_on(printed_codes):
    User("jan.jansen").update(actions=[User.backup_codes_left.set(5)])
    assert second_factor.login_with_backup_code(_partial(), printed_codes[0], CONTEXT).backup_codes_left == 4
    assert second_factor.login_with_backup_code(_partial(), printed_codes[1], CONTEXT).backup_codes_left == 3
    assert _subjects()[-2:] == ["A backup code was used", "You are running out of backup codes"]


def test_a_malformed_backup_code_is_counted_like_a_wrong_one(printed_codes):
    partial = _partial()
    for code in ("", "not a code", printed_codes[0][:-1]):
        assert _refused(second_factor.login_with_backup_code, partial, code, CONTEXT).code is ErrorCode.INVALID_CODE
    assert _second_factor_failures() == 3
    assert len(backup_code_store.codes_of("jan.jansen")) == 10


def test_the_recheck_uses_up_a_totp_step_so_it_cannot_log_in_afterwards(jan):
    code = _code()
    second_factor.check_second_factor(jan, code, CONTEXT)
    assert int(get_user("jan.jansen").totp_last_step) == T0 // 30
    assert _refused(second_factor.login_with_totp, _partial(), code, CONTEXT).code is ErrorCode.INVALID_CODE
    assert _outcomes("login.totp") == ["replay"]


def test_the_recheck_uses_up_a_backup_code_and_counts_a_wrong_one(printed_codes):
    jan = get_user("jan.jansen")
    second_factor.check_second_factor(jan, printed_codes[3], CONTEXT)
    assert len(backup_code_store.codes_of("jan.jansen")) == 9
    assert _outcomes("reauth.backup_code") == ["success"]
    assert _subjects()[-1] == "A backup code was used"
    assert _refused(second_factor.check_second_factor, jan, printed_codes[3], CONTEXT).code is ErrorCode.INVALID_CODE
    assert _refused(second_factor.check_second_factor, jan, _wrong_code(), CONTEXT).code is ErrorCode.INVALID_CODE
    assert _second_factor_failures() == 2
    assert _outcomes("reauth.backup_code") == ["failure", "success"]
