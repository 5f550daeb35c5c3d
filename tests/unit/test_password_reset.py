"""services/password_reset.py against moto with a pinned clock: the link mailed (reset 30 min,
activation 72 h, live until one second before its end), what completing it changes in one write, and
that a dead, foreign or reused link or a weak password changes nothing."""

from __future__ import annotations

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security.passwords import verify_password
from chalicelib.services import lockout, password_reset
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.storage.lockouts import Lockout
from chalicelib.storage.users import get_user
from tests.api.sent_mail import last_to, link_token, sent_to
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", origin="https://portal.example")
PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Another-Long-Phrase-42"
T0 = 1_800_000_000


@pytest.fixture(autouse=True)
def no_answer_floor(monkeypatch):
    """The minimum answer time hides timing from outsiders; these tests need not wait for it."""
    monkeypatch.setattr(password_reset, "ANSWER_FLOOR_SECONDS", 0.0)


@pytest.fixture
def alice(aws, clock_pinned):
    return create_account("alice", "alice@example.org", PASSWORD, language="en")


def _mailed_token(address: str = "alice@example.org") -> str:
    return link_token(last_to(address))[1]


def _complete_refused(token: str, password: str = NEW_PASSWORD) -> PortalError:
    with pytest.raises(PortalError) as refused:
        password_reset.complete_reset(token, password, CONTEXT)
    return refused.value


def _outcomes(name: str) -> list[tuple[str, str]]:
    return [(event["action"], event["outcome"]) for event in events_about(name)]


def test_a_reset_link_for_30_minutes_goes_to_the_accounts_address(alice):
    password_reset.request_reset("  ALICE ", CONTEXT)
    url, token = link_token(last_to("alice@example.org"))
    assert url == "https://portal.example/password/reset"
    assert token.endswith(".alice")
    stored = get_user("alice")
    assert (stored.reset_purpose, int(stored.reset_token_expires)) == ("reset", T0 + 1800)
    assert token.partition(".")[0] not in stored.reset_token_hash  # only its hash is stored
    assert "30" in last_to("alice@example.org").body
    assert _outcomes("alice") == [("password_reset.request", "success")]


def test_an_unknown_name_gets_no_mail_only_an_event(aws):
    password_reset.request_reset("nobody.here", CONTEXT)
    assert _outcomes("nobody.here") == [("password_reset.request", "unknown_account")]


def test_a_name_longer_than_64_is_400_before_anything_is_written(aws):
    with pytest.raises(PortalError) as refused:
        password_reset.request_reset("a" * 65, CONTEXT)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_REQUEST, "username")
    assert events_about("a" * 65) == events_about("a" * 64) == []


def test_an_account_without_a_password_gets_an_activation_link_for_72_hours(aws, clock_pinned):
    create_account("new.person", "new@example.org", None)
    password_reset.request_reset("new.person", CONTEXT)
    url, _ = link_token(last_to("new@example.org"))
    assert url == "https://portal.example/account/activate"
    stored = get_user("new.person")
    assert (stored.reset_purpose, int(stored.reset_token_expires)) == ("activation", T0 + 72 * 3600)
    assert _outcomes("new.person") == [("password_activation.request", "success")]


def test_five_requests_per_name_and_hour_then_no_mail(alice, clock_pinned):
    for _ in range(6):
        password_reset.request_reset("alice", CONTEXT)
    assert len(sent_to("alice@example.org")) == 5
    assert _outcomes("alice").count(("password_reset.request", "rate_limited")) == 1
    clock_pinned.advance(3600)
    password_reset.request_reset("alice", CONTEXT)
    assert len(sent_to("alice@example.org")) == 6


def test_a_link_used_one_second_before_its_end_sets_the_password_and_ends_the_sessions(alice, clock_pinned):
    Lockout(lockout.key(lockout.Factor.PASSWORD, "alice"), failures=20, allowed=25, blocked=True).save()
    password_reset.request_reset("alice", CONTEXT)
    token = _mailed_token()
    clock_pinned.advance(1799)
    password_reset.complete_reset(token, NEW_PASSWORD, CONTEXT)
    stored = get_user("alice")
    assert verify_password(stored.password_hash, NEW_PASSWORD)
    assert int(stored.session_epoch) == 1
    assert (stored.reset_token_hash, stored.reset_token_expires, stored.reset_purpose) == (None, None, None)
    assert (lockout.status("alice")["blocked"], lockout.status("alice")["failures"]) == (False, 0)
    assert last_to("alice@example.org").subject != sent_to("alice@example.org")[0].subject  # the change notice
    assert _outcomes("alice")[0] == ("password_reset.complete", "success")
    refused = _complete_refused(token, "Yet-Another-Phrase-77")  # used up
    assert (refused.code, refused.field) == (ErrorCode.INVALID_TOKEN, "token")
    assert get_user("alice").password_hash == stored.password_hash


def test_a_link_at_exactly_its_end_changes_nothing(alice, clock_pinned):
    password_reset.request_reset("alice", CONTEXT)
    token = _mailed_token()
    clock_pinned.advance(1800)
    refused = _complete_refused(token)
    assert (refused.code, refused.field) == (ErrorCode.INVALID_TOKEN, "token")
    stored = get_user("alice")
    assert stored.password_hash == alice.password_hash
    assert int(stored.session_epoch or 0) == 0
    assert _outcomes("alice") == [("password_reset.request", "success")]


def test_a_newer_link_voids_the_older_one(alice):
    password_reset.request_reset("alice", CONTEXT)
    older = _mailed_token()
    password_reset.request_reset("alice", CONTEXT)
    assert _complete_refused(older).code is ErrorCode.INVALID_TOKEN
    password_reset.complete_reset(_mailed_token(), NEW_PASSWORD, CONTEXT)


def test_a_forged_or_foreign_link_changes_nothing(alice):
    create_account("bob", "bob@example.org", None)
    password_reset.request_reset("alice", CONTEXT)
    token = _mailed_token().partition(".")[0]
    for forged in ("", "no-dot", "x" * 43 + ".alice", f"{token}.bob", f"{token}x.alice", f"{token[:-1]}.alice"):
        refused = _complete_refused(forged)
        assert (refused.code, refused.field) == (ErrorCode.INVALID_TOKEN, "token"), forged
    assert get_user("alice").password_hash == alice.password_hash
    assert get_user("bob").password_hash is None


def test_a_weak_password_is_refused_and_the_link_stays_usable(alice):
    password_reset.request_reset("alice", CONTEXT)
    token = _mailed_token()
    refused = _complete_refused(token, "short")
    assert (refused.code, refused.field) == (ErrorCode.WEAK_PASSWORD, "new_password")
    password_reset.complete_reset(token, NEW_PASSWORD, CONTEXT)


def test_an_activation_link_works_until_72_hours_and_sends_no_change_notice(aws, clock_pinned):
    user = create_account("new.person", "new@example.org", None)
    password_reset.start_activation(user, CONTEXT, actor="sam.support")
    token = _mailed_token("new@example.org")
    clock_pinned.advance(72 * 3600 - 1)
    password_reset.complete_reset(token, NEW_PASSWORD, CONTEXT)
    assert verify_password(get_user("new.person").password_hash, NEW_PASSWORD)
    assert len(sent_to("new@example.org")) == 1
    assert [event["actor"] for event in events_about("new.person")] == ["new.person", "sam.support"]
    assert _outcomes("new.person")[0] == ("password_activation.complete", "success")


def test_an_activation_link_at_exactly_72_hours_is_dead(aws, clock_pinned):
    user = create_account("new.person", "new@example.org", None)
    password_reset.start_activation(user, CONTEXT)
    clock_pinned.advance(72 * 3600)
    assert _complete_refused(_mailed_token("new@example.org")).code is ErrorCode.INVALID_TOKEN
    assert get_user("new.person").password_hash is None
