"""services/session_expiry.py: the seconds a session has left, from the server's own record."""

from __future__ import annotations

from chalicelib.services import session_expiry
from chalicelib.services.audit import RequestContext
from chalicelib.services.sessions import Authenticated, Level, new_session
from chalicelib.storage.users import User


def _current(level: str = Level.FULL) -> Authenticated:
    user = User("alice")
    session, cookie = new_session(user, level, "done", RequestContext())
    return Authenticated(session, user, cookie)


def test_a_fresh_full_session_has_15_minutes_idle_and_8_hours_left(clock_pinned):
    assert session_expiry.status(_current()) == {
        "level": "full", "idle_timeout": 900, "activity_interval": 60, "idle_expires_in": 900,
        "absolute_expires_in": 28800}


def test_idle_time_counts_down_from_the_last_recorded_activity(clock_pinned):
    current = _current()
    clock_pinned.advance(300)
    assert session_expiry.status(current)["idle_expires_in"] == 600
    assert session_expiry.status(current)["absolute_expires_in"] == 28500


def test_near_the_absolute_end_the_idle_time_left_is_capped_by_it(clock_pinned):
    current = _current()
    current.session.last_seen = 1_800_000_000 + 28800 - 60  # active a minute before the end
    clock_pinned.advance(28800 - 10)
    status = session_expiry.status(current)
    assert (status["idle_expires_in"], status["absolute_expires_in"]) == (10, 10)


def test_past_both_ends_nothing_is_left_never_a_negative_figure(clock_pinned):
    current = _current(Level.PARTIAL)
    clock_pinned.advance(1000)
    status = session_expiry.status(current)
    assert (status["level"], status["idle_expires_in"], status["absolute_expires_in"]) == ("partial", 0, 0)
