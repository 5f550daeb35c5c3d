"""GET /api/v1/session: the seconds a session has left, as the pages' expiry warning reads them."""

from __future__ import annotations

from tests.api.conftest import body

PASSWORD = "Correct-Horse-Battery-9"


def test_without_a_session_it_is_401(api):
    response = api.get("/api/v1/session")
    assert response.status_code == 401
    assert body(response)["error"]["code"] == "not_authenticated"


def test_full_session_reports_idle_and_absolute_time_left(api, full_login, clock_pinned):
    full_login(api, "jan.jansen")
    fresh = body(api.get("/api/v1/session"))
    assert fresh == {"level": "full", "idle_timeout": 900, "activity_interval": 60,
                     "idle_expires_in": 900, "absolute_expires_in": 8 * 3600}

    clock_pinned.advance(30)  # within the activity interval: the server's record is not rewritten
    assert body(api.get("/api/v1/session"))["idle_expires_in"] == 870

    clock_pinned.advance(100)  # asking again counts as activity: the idle clock starts over
    later = body(api.get("/api/v1/session"))
    assert later["idle_expires_in"] == 900
    assert later["absolute_expires_in"] == 8 * 3600 - 130


def test_asking_keeps_an_idle_session_alive(api, full_login, clock_pinned):
    full_login(api, "jan.jansen")
    for _ in range(3):  # 3 x 14 minutes: longer than the idle timeout, but never idle that long
        clock_pinned.advance(14 * 60)
        assert api.get("/api/v1/session").status_code == 200
    clock_pinned.advance(15 * 60)
    assert api.get("/api/v1/session").status_code == 401


def test_partial_session_reports_its_short_lifetime(api, user_factory, clock_pinned):
    user_factory("jan.jansen")
    assert body(api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})) == {"next": "enroll"}
    status = body(api.get("/api/v1/session"))
    assert status["level"] == "partial"
    # A password-only session lasts 10 minutes whatever happens; idle time cannot outlive that.
    assert status["absolute_expires_in"] == 600
    assert status["idle_expires_in"] == 600


def test_a_logged_out_cookie_gets_no_status(api, full_login):
    full_login(api, "jan.jansen")
    old_cookie = api.cookie
    assert api.post("/api/v1/auth/logout").status_code == 204
    api.cookie = old_cookie  # replayed by someone who kept it
    assert api.get("/api/v1/session").status_code == 401
