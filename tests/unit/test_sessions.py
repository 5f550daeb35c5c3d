"""services/sessions.py against moto with a pinned clock: what a new session holds, when a cookie
stops authenticating (idle 15 min, absolute 8 h, a new epoch, a foreign or malformed cookie), how
often activity is written, and that logout ends only real sessions of the cookie's own name."""

from __future__ import annotations

import hashlib

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import sessions
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.storage.sessions import sessions_of
from chalicelib.storage.users import User, get_user
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", user_agent="Firefox/128.0")
T0 = 1_800_000_000


@pytest.fixture
def alice(aws, clock_pinned):
    return create_account("alice", "alice@example.org", None)


def _login(user: User, level: str = sessions.Level.FULL) -> str:
    """A stored session for `user`, as the login flow stores it; returns its cookie value."""
    session, cookie = sessions.new_session(user, level, "done", CONTEXT)
    session.save()
    return cookie


def _refused(cookie: str | None) -> None:
    with pytest.raises(PortalError) as refused:
        sessions.authenticate(cookie)
    assert refused.value.code is ErrorCode.NOT_AUTHENTICATED


def test_a_full_session_lasts_8_hours_and_stores_only_the_tokens_hash(clock_pinned):
    user = User("alice", session_epoch=3)
    session, cookie = sessions.new_session(user, sessions.Level.FULL, "done", RequestContext(user_agent="u" * 400))
    token, _, name = cookie.partition(".")
    assert (len(token), name) == (43, "alice")
    assert session.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(session.attribute_values)
    assert (session.level, session.next_step, session.epoch) == ("full", "done", 3)
    assert (session.created_at, session.last_seen, session.absolute_expiry, session.expires_at) == (
        T0, T0, T0 + 8 * 3600, T0 + 15 * 60)
    assert session.user_agent == "u" * 300


def test_a_partial_session_lasts_10_minutes(clock_pinned):
    session, _ = sessions.new_session(User("alice"), sessions.Level.PARTIAL, "totp", CONTEXT)
    assert (session.level, session.next_step, session.absolute_expiry, session.expires_at) == (
        "partial", "totp", T0 + 600, T0 + 600)


def test_every_session_gets_its_own_token(clock_pinned):
    cookies = {sessions.new_session(User("alice"), sessions.Level.FULL, "done", CONTEXT)[1] for _ in range(3)}
    assert len(cookies) == 3


def test_a_stored_session_authenticates_its_cookie(alice):
    cookie = _login(alice)
    current = sessions.authenticate(cookie)
    assert (current.user.username, current.is_full, current.cookie_value) == ("alice", True, cookie)
    assert sessions.authenticate(_login(alice, sessions.Level.PARTIAL)).is_full is False


@pytest.mark.parametrize("cookie", [None, "", "no-dot-at-all", "short.alice", "x" * 43 + ".",
                                    "x" * 43 + "." + "a" * 65],
                         ids=["none", "empty", "no-dot", "short-token", "no-name", "long-name"])
def test_a_malformed_cookie_is_not_authenticated(cookie):
    """Refused before any read: no storage is needed to turn these away."""
    _refused(cookie)


def test_a_cookie_naming_another_account_or_no_stored_session_is_refused(alice):
    create_account("bob", "bob@example.org", None)
    token = _login(alice).partition(".")[0]
    _refused(f"{token}.bob")
    _refused("y" * 43 + ".alice")


def test_idle_for_14_min_59_s_still_works_and_15_min_ends_it(alice, clock_pinned):
    kept, ended = _login(alice), _login(alice)
    clock_pinned.advance(899)
    sessions.authenticate(kept)
    clock_pinned.advance(1)
    _refused(ended)
    sessions.authenticate(kept)  # its activity 1 s ago counted


def test_activity_is_written_once_a_minute_at_most(alice, clock_pinned):
    cookie = _login(alice)
    clock_pinned.advance(59)
    sessions.authenticate(cookie)
    assert [int(session.last_seen) for session in sessions_of("alice")] == [T0]
    clock_pinned.advance(1)
    sessions.authenticate(cookie)
    assert [(int(session.last_seen), int(session.expires_at)) for session in sessions_of("alice")] == [
        (T0 + 60, T0 + 60 + 900)]


def test_even_an_active_session_ends_8_hours_after_the_login(alice, clock_pinned):
    session, cookie = sessions.new_session(alice, sessions.Level.FULL, "done", CONTEXT)
    session.last_seen = T0 + 8 * 3600 - 30  # as if it had been active all along, last 30 s ago
    session.save()
    clock_pinned.advance(8 * 3600 - 1)
    sessions.authenticate(cookie)
    clock_pinned.advance(1)
    _refused(cookie)


def test_a_new_session_epoch_ends_every_earlier_session(alice):
    cookie = _login(alice)
    User("alice").update(actions=[User.session_epoch.add(1)])  # what ending every session writes
    _refused(cookie)
    assert sessions.list_for(get_user("alice")) == []
    sessions.authenticate(_login(get_user("alice")))


def test_a_deleted_account_has_no_sessions(alice):
    cookie = _login(alice)
    User("alice").delete()
    _refused(cookie)


def test_list_for_leaves_out_idle_and_ended_sessions(alice, clock_pinned):
    _login(alice)
    clock_pinned.advance(900)
    fresh = _login(alice)
    assert [session.token_hash for session in sessions.list_for(alice)] == [
        hashlib.sha256(fresh.partition(".")[0].encode()).hexdigest()]


def test_logout_deletes_the_session_and_records_it(alice):
    cookie, other = _login(alice), _login(alice)
    sessions.logout([cookie], CONTEXT)
    _refused(cookie)
    sessions.authenticate(other)
    assert [(event["action"], event["outcome"], event["actor"]) for event in events_about("alice")] == [
        ("logout", "success", "alice")]


def test_logout_ends_every_cookie_it_is_given(alice):
    first, second = _login(alice), _login(alice)
    sessions.logout([first, second], CONTEXT)
    assert sessions_of("alice") == []
    assert [event["action"] for event in events_about("alice")] == ["logout", "logout"]


def test_logout_with_a_made_up_foreign_or_malformed_cookie_writes_nothing(alice):
    create_account("bob", "bob@example.org", None)
    cookie = _login(alice)
    sessions.logout(["z" * 43 + ".alice", cookie.partition(".")[0] + ".bob", "garbage", ""], CONTEXT)
    sessions.authenticate(cookie)
    assert events_about("alice") == events_about("bob") == []
