"""services/enrollment.py against moto with a pinned clock: start (password, and a code once 2FA is
active) stores a sealed pending secret for 15 minutes bound to the starting session; confirm takes a
code of that secret until one second before its end; activate makes it the active secret with a first
set of backup codes and a new full session. Other sessions, wrong codes and late steps change nothing."""

from __future__ import annotations

import pyotp
import pytest

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import enrollment, lockout, login, second_factor, sessions
from chalicelib.services.accounts import create_account, open_totp_secret
from chalicelib.services.audit import RequestContext
from chalicelib.services.sessions import Level, new_session
from chalicelib.storage import backup_codes as backup_code_store
from chalicelib.storage.users import get_user
from tests.api.sent_mail import sent_to
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", lang="en")
PASSWORD = "Correct-Horse-Battery-9"
OLD_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = 1_800_000_000


@pytest.fixture
def els(aws, clock_pinned):
    """An account without 2FA after the password step: the partial session whose next step is enrollment."""
    create_account("els", "els@example.org", PASSWORD, language="en")
    return sessions.authenticate(login.login("els", PASSWORD, CONTEXT).cookie_value)


@pytest.fixture
def jan(aws, clock_pinned):
    """An account with 2FA active, logged in fully (re-enrollment: a new phone)."""
    user = create_account("jan.jansen", "jan@example.org", PASSWORD, totp_secret=OLD_SECRET, language="en")
    return _full_session(user)


def _full_session(user) -> sessions.Authenticated:  # type: ignore[no-untyped-def]
    session, cookie = new_session(user, Level.FULL, "done", CONTEXT)
    session.save()
    return sessions.authenticate(cookie)


def _again(current: sessions.Authenticated) -> sessions.Authenticated:
    """The same session as its next request sees it (the account read anew)."""
    return sessions.authenticate(current.cookie_value)


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now() + 30 * offset_steps)


def _wrong(secret: str) -> str:
    return next(code for code in ("000000", "111111", "222222")
                if code not in {_code(secret, -1), _code(secret), _code(secret, 1)})


def _refused(call, *args) -> PortalError:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalError) as refused:
        call(*args)
    return refused.value


def _actions(username: str) -> list[tuple[str, str]]:
    return sorted((event["action"], event["outcome"]) for event in events_about(username))


def test_start_stores_a_sealed_pending_secret_for_15_minutes_bound_to_this_session(els):
    started = enrollment.start(els, PASSWORD, None, CONTEXT)
    assert (len(started.secret), started.account, started.issuer) == (32, "els", "Belastingdienst Curaçao")
    assert started.otpauth_uri.startswith("otpauth://totp/Belastingdienst%20Cura%C3%A7ao:els?")
    assert f"secret={started.secret}" in started.otpauth_uri
    assert "<svg" in started.qr_svg
    stored = get_user("els")
    assert started.secret not in stored.pending_totp_secret
    assert open_totp_secret("els", stored.pending_totp_secret) == started.secret
    assert (int(stored.pending_totp_expires), stored.pending_totp_session, stored.pending_totp_confirmed) == (
        T0 + 900, els.session.token_hash, False)
    assert (stored.mfa_enabled, stored.totp_secret) == (False, None)
    start_events = [event for event in events_about("els") if event["action"] == "mfa.enrollment.start"]
    assert [event["details"] for event in start_events] == [{"reenrollment": False}]


def test_a_wrong_password_starts_nothing(els):
    refusal = _refused(enrollment.start, els, "Wrong-Horse-Battery-0", None, CONTEXT)
    assert refusal.code is ErrorCode.INVALID_CREDENTIALS
    assert get_user("els").pending_totp_secret is None
    assert lockout.status("els")["failures"] == 1
    assert ("mfa.enrollment.start", "success") not in _actions("els")


def test_a_new_start_forgets_the_earlier_pending_secret(els):
    first = enrollment.start(els, PASSWORD, None, CONTEXT)
    second = enrollment.start(_again(els), PASSWORD, None, CONTEXT)
    assert first.secret != second.secret
    assert _refused(enrollment.confirm, _again(els), _code(first.secret), CONTEXT).code is ErrorCode.INVALID_CODE
    enrollment.confirm(_again(els), _code(second.secret), CONTEXT)
    assert get_user("els").pending_totp_confirmed is True


def test_confirm_and_activate_make_the_secret_active_with_ten_backup_codes_and_a_new_full_session(els):
    started = enrollment.start(els, PASSWORD, None, CONTEXT)
    enrollment.confirm(_again(els), _code(started.secret), CONTEXT)
    assert get_user("els").mfa_enabled is False  # confirmed is not yet active
    activated = enrollment.activate(_again(els), CONTEXT)
    assert "/mfa/backup-codes/sheet/" in activated.backup_codes_pdf
    stored = get_user("els")
    assert (stored.mfa_enabled, open_totp_secret("els", stored.totp_secret)) == (True, started.secret)
    assert (stored.pending_totp_secret, stored.pending_totp_session, int(stored.backup_codes_left)) == (None, None, 10)
    assert len(backup_code_store.codes_of("els")) == 10
    current = sessions.authenticate(activated.cookie_value)
    assert (current.session.level, int(current.session.absolute_expiry)) == ("full", T0 + 8 * 3600)
    assert _refused(sessions.authenticate, els.cookie_value).code is ErrorCode.NOT_AUTHENTICATED
    assert [message.subject for message in sent_to("els@example.org")] == ["Two-factor authentication is activated"]
    assert {("mfa.enrollment.start", "success"), ("mfa.enrollment.confirm", "success"),
            ("mfa.activated", "success")} <= set(_actions("els"))


def test_activation_before_confirmation_is_409_and_changes_nothing(els):
    assert _refused(enrollment.activate, els, CONTEXT).code is ErrorCode.NOT_CONFIRMED  # nothing started
    enrollment.start(els, PASSWORD, None, CONTEXT)
    assert _refused(enrollment.activate, _again(els), CONTEXT).code is ErrorCode.NOT_CONFIRMED
    stored = get_user("els")
    assert (stored.mfa_enabled, int(stored.backup_codes_left), stored.pending_totp_secret is None) == (False, 0, False)
    assert backup_code_store.codes_of("els") == []
    assert sessions.authenticate(els.cookie_value).session.level == "partial"
    assert sent_to("els@example.org") == []


def test_a_wrong_confirming_code_counts_on_the_second_factor_and_confirms_nothing(els):
    started = enrollment.start(els, PASSWORD, None, CONTEXT)
    refusal = _refused(enrollment.confirm, _again(els), _wrong(started.secret), CONTEXT)
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_CODE, None)
    assert lockout.status("els")["second_factor_failures"] == 1
    assert get_user("els").pending_totp_confirmed is False
    enrollment.confirm(_again(els), _code(started.secret), CONTEXT)
    assert lockout.status("els")["second_factor_failures"] == 0


def test_confirm_without_a_pending_secret_is_expired(els):
    assert _refused(enrollment.confirm, els, "123456", CONTEXT).code is ErrorCode.ENROLLMENT_EXPIRED
    assert lockout.status("els")["second_factor_failures"] == 0


def test_another_session_of_the_account_can_neither_confirm_nor_activate(jan):
    started = enrollment.start(jan, PASSWORD, _code(OLD_SECRET), CONTEXT)
    other = _full_session(get_user("jan.jansen"))
    assert _refused(enrollment.confirm, other, _code(started.secret), CONTEXT).code is ErrorCode.FORBIDDEN
    assert get_user("jan.jansen").pending_totp_confirmed is False
    enrollment.confirm(_again(jan), _code(started.secret), CONTEXT)
    assert _refused(enrollment.activate, _again(other), CONTEXT).code is ErrorCode.FORBIDDEN
    stored = get_user("jan.jansen")
    assert open_totp_secret("jan.jansen", stored.totp_secret) == OLD_SECRET
    assert backup_code_store.codes_of("jan.jansen") == []
    assert _actions("jan.jansen").count(("mfa.enrollment.confirm", "denied")) == 1
    assert _actions("jan.jansen").count(("mfa.activated", "denied")) == 1
    assert sessions.authenticate(other.cookie_value).session.level == "full"


def test_reenrollment_needs_a_current_code_and_keeps_the_old_secret_until_activation(jan, clock_pinned):
    missing = _refused(enrollment.start, jan, PASSWORD, None, CONTEXT)
    assert (missing.code, missing.field) == (ErrorCode.INVALID_REQUEST, "code")
    clock_pinned.advance(100)
    started = enrollment.start(_again(jan), PASSWORD, _code(OLD_SECRET), CONTEXT)
    assert [event["details"] for event in events_about("jan.jansen")
            if event["action"] == "mfa.enrollment.start"] == [{"reenrollment": True}]
    assert open_totp_secret("jan.jansen", get_user("jan.jansen").totp_secret) == OLD_SECRET
    clock_pinned.advance(30)
    enrollment.confirm(_again(jan), _code(started.secret), CONTEXT)
    activated = enrollment.activate(_again(jan), CONTEXT)
    replaced = sessions.authenticate(activated.cookie_value)
    assert int(replaced.session.absolute_expiry) == T0 + 8 * 3600  # a new token, not a new login
    assert open_totp_secret("jan.jansen", get_user("jan.jansen").totp_secret) == started.secret
    partial = sessions.authenticate(login.login("jan.jansen", PASSWORD, CONTEXT).cookie_value)
    old_phone = _refused(second_factor.login_with_totp, partial, _code(OLD_SECRET, 1), CONTEXT)
    assert old_phone.code is ErrorCode.INVALID_CODE


def test_a_pending_secret_confirms_until_one_second_before_15_minutes(jan, clock_pinned):
    started = enrollment.start(jan, PASSWORD, _code(OLD_SECRET), CONTEXT)
    clock_pinned.advance(899)
    enrollment.confirm(_again(jan), _code(started.secret), CONTEXT)
    assert get_user("jan.jansen").pending_totp_confirmed is True


def test_at_exactly_15_minutes_the_pending_secret_neither_confirms_nor_activates(jan, clock_pinned):
    started = enrollment.start(jan, PASSWORD, _code(OLD_SECRET), CONTEXT)
    clock_pinned.advance(600)
    enrollment.confirm(_again(jan), _code(started.secret), CONTEXT)
    clock_pinned.advance(299)
    current = _again(jan)  # its activity keeps the session alive
    clock_pinned.advance(1)
    assert _refused(enrollment.confirm, current, _code(started.secret), CONTEXT).code is ErrorCode.ENROLLMENT_EXPIRED
    assert _refused(enrollment.activate, _again(jan), CONTEXT).code is ErrorCode.NOT_CONFIRMED
    assert open_totp_secret("jan.jansen", get_user("jan.jansen").totp_secret) == OLD_SECRET
    assert lockout.status("jan.jansen")["second_factor_failures"] == 0
