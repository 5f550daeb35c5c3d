"""POST /auth/login, /auth/logout, GET /me: the password step, partial sessions, lockout answers."""

from __future__ import annotations

from tests.api.conftest import body

PASSWORD = "Correct-Horse-Battery-9"


def test_correct_password_gives_partial_session_to_enrollment(api, user_factory):
    user_factory("jan.jansen")
    response = api.post("/api/v1/auth/login", {"username": "Jan.Jansen", "password": PASSWORD})
    assert response.status_code == 200
    assert body(response) == {"next": "enroll"}
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    # A partial session reaches nothing but the second factor / enrollment.
    me = api.get("/api/v1/me")
    assert me.status_code == 401
    assert body(me)["error"]["code"] == "not_authenticated"


def test_user_with_2fa_is_sent_to_totp(api, user_factory):
    user_factory("piet", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    response = api.post("/api/v1/auth/login", {"username": "piet", "password": PASSWORD})
    assert body(response) == {"next": "totp"}


def test_wrong_password_and_unknown_user_get_identical_answers(api, user_factory):
    user_factory("jan.jansen")
    wrong = api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": "not-the-password"})
    unknown = api.post("/api/v1/auth/login", {"username": "nobody.here", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert body(wrong) == body(unknown)
    assert body(wrong)["error"]["code"] == "invalid_credentials"
    assert "Set-Cookie" not in wrong.headers and "Set-Cookie" not in unknown.headers


def test_error_messages_follow_the_language(api):
    dutch = api.post("/api/v1/auth/login", {"username": "x.y.z", "password": "wrong password"})
    english = api.post("/api/v1/auth/login?lang=en", {"username": "x.y.z", "password": "wrong password"})
    papiamentu = api.post("/api/v1/auth/login", {"username": "x.y.z", "password": "wrong password"},
                          headers={"Accept-Language": "pap, en;q=0.5"})
    assert body(dutch)["error"]["message"].startswith("De gebruikersnaam")
    assert body(english)["error"]["message"].startswith("The username")
    assert body(papiamentu)["error"]["message"].startswith("E nòmber")


def _fail(api, name: str, times: int) -> list:
    return [api.post("/api/v1/auth/login", {"username": name, "password": "wrong password!"}) for _ in range(times)]


def test_fifth_failure_locks_for_a_minute_and_correct_password_is_refused(api, user_factory, clock_pinned):
    user_factory("jan.jansen")
    answers = _fail(api, "jan.jansen", 5)
    assert [r.status_code for r in answers] == [401] * 5
    locked = api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})
    assert locked.status_code == 423
    error = body(locked)["error"]
    assert error["code"] == "account_locked" and error["retry_after"] == 60
    assert locked.headers["Retry-After"] == "60"
    clock_pinned.advance(61)
    assert api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}).status_code == 200


def test_lock_ladder_5_10_15_then_block_at_20(api, user_factory, clock_pinned):
    user_factory("jan.jansen")
    expected = {5: 60, 10: 300, 15: 900}
    for attempt in range(1, 21):
        response = _fail(api, "jan.jansen", 1)[0]
        assert response.status_code == 401, attempt
        if attempt in expected:
            locked = _fail(api, "jan.jansen", 1)[0]
            assert body(locked)["error"] == {**body(locked)["error"], "code": "account_locked",
                                             "retry_after": expected[attempt]}
            clock_pinned.advance(expected[attempt])
    blocked = api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})
    assert blocked.status_code == 423 and body(blocked)["error"]["code"] == "account_blocked"
    clock_pinned.advance(86400 * 30)
    assert body(api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}))["error"][
        "code"] == "account_blocked"


def test_unknown_names_lock_exactly_like_known_ones(api, user_factory, clock_pinned):
    user_factory("jan.jansen")
    known = _fail(api, "jan.jansen", 6)
    unknown = _fail(api, "ghost.user", 6)
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [423]
    assert body(known[-1]) == body(unknown[-1])


def test_success_resets_the_failure_count(api, user_factory):
    user_factory("jan.jansen")
    _fail(api, "jan.jansen", 4)
    assert api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}).status_code == 200
    assert [r.status_code for r in _fail(api, "jan.jansen", 4)] == [401] * 4


def test_logout_makes_the_cookie_useless(api, user_factory, full_login):
    full_login(api, "piet")
    assert api.get("/api/v1/me").status_code == 200
    old_cookie = api.cookie
    response = api.post("/api/v1/auth/logout")
    assert response.status_code == 204
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    api.cookie = old_cookie
    assert api.get("/api/v1/me").status_code == 401


def _logout_events(username: str) -> list[tuple[str, str]]:
    from chalicelib.storage.audit import by_target

    return [(event.actor, event.outcome) for event in by_target(username, 100, None) if event.action == "logout"]


def test_logout_is_audited_once_for_the_session_that_ended(api, full_login):
    full_login(api, "piet")
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert _logout_events("piet") == [("piet", "success")]


def test_a_made_up_or_foreign_cookie_logs_nothing_out_and_writes_no_event(api, make_api, full_login):
    from chalicelib.services.sessions import parse_cookie
    from chalicelib.storage.sessions import Session

    full_login(api, "victim")
    token = api.cookie.partition(".")[0]
    for forged in ("A" * 43 + ".victim", "A" * 43 + ".nobody.at.all", f"{token}.mallory"):
        intruder = make_api()
        intruder.cookie = forged
        response = intruder.post("/api/v1/auth/logout")
        assert response.status_code == 204 and "Max-Age=0" in response.headers["Set-Cookie"]
    assert _logout_events("victim") == _logout_events("nobody.at.all") == _logout_events("mallory") == []
    # A real token under another name ends nothing either: the victim's session is still there.
    assert Session.get(parse_cookie(api.cookie)[0]).username == "victim"
    assert api.get("/api/v1/me").status_code == 200


def test_a_second_logout_with_the_same_cookie_writes_no_second_event(api, full_login):
    full_login(api, "piet")
    cookie = api.cookie
    api.post("/api/v1/auth/logout")
    api.cookie = cookie
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert _logout_events("piet") == [("piet", "success")]


def test_idle_and_absolute_timeouts(api, user_factory, full_login, clock_pinned):
    full_login(api, "piet")
    clock_pinned.advance(14 * 60)
    assert api.get("/api/v1/me").status_code == 200
    clock_pinned.advance(15 * 60 + 1)
    assert api.get("/api/v1/me").status_code == 401
    full_login(api, "piet")
    for _ in range(34):  # active all day, every 14 minutes: 7 h 56 min
        clock_pinned.advance(14 * 60)
        assert api.get("/api/v1/me").status_code == 200
    clock_pinned.advance(5 * 60)  # 8 h 01 min after login, 5 minutes after the last activity
    assert api.get("/api/v1/me").status_code == 401


def test_me_shows_profile(api, full_login):
    full_login(api, "piet", crib="123456789")
    me = body(api.get("/api/v1/me"))
    assert me["username"] == "piet"
    assert me["crib"] == "123456789"
    assert me["mfa"] == {"enabled": True, "backup_codes_left": 0, "passkeys": 0}
    assert me["roles"] == ["taxpayer"]

