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


def test_a_partial_session_gets_401_like_everywhere_outside_its_steps(api, user_factory):
    user_factory("jan.jansen")
    assert body(api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})) == {"next": "enroll"}
    response = api.get("/api/v1/session")
    assert response.status_code == 401
    assert body(response)["error"]["code"] == "not_authenticated"


def test_a_partial_sessions_page_carries_its_fixed_end(api, user_factory, clock_pinned):
    user_factory("jan.jansen")
    api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})
    clock_pinned.advance(100)
    # A password-only session lasts 10 minutes whatever happens: the page shows what is left of them.
    page = api.get("/mfa/activate")
    assert page.status_code == 200
    assert 'data-session-ends-in="500"' in page.body.decode()


def test_a_full_sessions_page_asks_the_api_instead(api, full_login):
    full_login(api, "jan.jansen")
    page = api.get("/portal").body.decode()
    assert 'data-session-watch="on"' in page
    assert "data-session-ends-in" not in page


def test_a_logged_out_cookie_gets_no_status(api, full_login):
    full_login(api, "jan.jansen")
    old_cookie = api.cookie
    assert api.post("/api/v1/auth/logout").status_code == 204
    api.cookie = old_cookie  # replayed by someone who kept it
    assert api.get("/api/v1/session").status_code == 401
