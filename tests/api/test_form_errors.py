"""The error envelope's `errors` list (every refused field at once) and the lockout fields of a failed
password or code (`attempts_left`, `next_lock`, `retry_after`, `blocked`), which must be the same for a
name no account has."""

from __future__ import annotations

from tests.api.conftest import body
from tests.api.two_factor import code

PASSWORD = "Correct-Horse-Battery-9"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _error(response) -> dict:
    return body(response)["error"]


def test_every_missing_field_is_listed_at_once(api):
    response = api.post("/api/v1/auth/login", {})
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid_request" and error["field"] == "username"  # the first, as before
    assert error["errors"] == [{"field": "username", "code": "missing"}, {"field": "password", "code": "missing"}]


def test_blank_text_is_missing_and_a_wrong_type_is_invalid(api):
    response = api.post("/api/v1/auth/login", {"username": "   ", "password": 7})
    assert response.status_code == 400
    assert _error(response)["errors"] == [{"field": "username", "code": "missing"},
                                          {"field": "password", "code": "invalid"}]


def test_too_long_text_is_invalid_next_to_missing(api):
    response = api.post("/api/v1/auth/login", {"username": "x" * 5000})
    assert _error(response)["errors"] == [{"field": "username", "code": "invalid"},
                                          {"field": "password", "code": "missing"}]


def test_a_service_refusal_naming_a_field_is_listed_with_its_own_code(api, user_factory):
    user_factory("jan.jansen")
    api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})
    page = api.post("/api/v1/auth/password-reset/complete", {"token": "not-a-token", "new_password": "short"})
    assert page.status_code == 400
    error = _error(page)
    assert error["errors"] and all(set(item) <= {"field", "code", "reason"} for item in error["errors"])
    assert error["errors"][0]["field"] == error["field"]
    assert error["errors"][0]["code"] in {"weak_password", "invalid_token"}


def test_weak_password_item_carries_its_reason(api, user_factory, clock_pinned):
    user_factory("piet", totp_secret=SECRET)
    api.post("/api/v1/auth/login", {"username": "piet", "password": PASSWORD})
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET)}).status_code == 200
    clock_pinned.advance(30)  # the login's code is used up; the change asks the next one
    response = api.post("/api/v1/account/password",
                        {"current_password": PASSWORD, "new_password": "short", "code": code(SECRET)})
    assert response.status_code == 400
    assert _error(response)["errors"] == [{"field": "new_password", "code": "weak_password",
                                           "reason": "password.too_short"}]


def test_an_error_without_a_field_has_no_list(api):
    response = api.post("/api/v1/auth/login", {"username": "nobody.here", "password": "wrong password"})
    assert response.status_code == 401
    assert "errors" not in _error(response) and "field" not in _error(response)


def _fail(api, name: str) -> dict:
    return _error(api.post("/api/v1/auth/login", {"username": name, "password": "wrong password!"}))


def _lockout_fields(error: dict) -> dict:
    return {key: error[key] for key in ("attempts_left", "next_lock", "retry_after", "blocked") if key in error}


def test_failed_password_tells_the_attempts_left_and_the_wait(api, user_factory, clock_pinned):
    user_factory("jan.jansen")
    seen = [_lockout_fields(_fail(api, "jan.jansen")) for _ in range(5)]
    assert seen == [{"attempts_left": 4, "next_lock": "locked"}, {"attempts_left": 3, "next_lock": "locked"},
                    {"attempts_left": 2, "next_lock": "locked"}, {"attempts_left": 1, "next_lock": "locked"},
                    {"attempts_left": 0, "retry_after": 60}]
    locked = _error(api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}))
    assert locked["code"] == "account_locked" and locked["retry_after"] == 60


def test_the_attempts_before_the_block_say_so_and_the_blocking_one_says_blocked(api, user_factory, clock_pinned):
    user_factory("jan.jansen")
    waits = {5: 60, 10: 300, 15: 900}
    answers = {}
    for attempt in range(1, 21):
        answers[attempt] = _lockout_fields(_fail(api, "jan.jansen"))
        if attempt in waits:
            assert answers[attempt] == {"attempts_left": 0, "retry_after": waits[attempt]}
            clock_pinned.advance(waits[attempt])
    assert answers[19] == {"attempts_left": 1, "next_lock": "blocked"}
    assert answers[14] == {"attempts_left": 1, "next_lock": "locked"}
    assert answers[20] == {"attempts_left": 0, "blocked": True}
    blocked = _error(api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}))
    assert blocked["code"] == "account_blocked"


def test_unknown_and_known_names_get_the_same_warnings(api, user_factory, clock_pinned):
    """Enumeration: every answer of the lockout ladder, the warnings included, is the same whether or not
    an account has the name."""
    user_factory("jan.jansen")
    known, unknown = [], []
    for name, into in (("jan.jansen", known), ("ghost.user", unknown)):
        for attempt in range(1, 21):
            response = api.post("/api/v1/auth/login", {"username": name, "password": "wrong password!"})
            into.append((response.status_code, body(response), response.headers.get("Retry-After")))
            if attempt % 5 == 0:
                into.append(_after_lock(api, name))
                clock_pinned.advance({5: 60, 10: 300, 15: 900}.get(attempt, 0))
    assert known == unknown
    assert any(answer[1]["error"].get("attempts_left") == 1 for answer in known)


def _after_lock(api, name: str) -> tuple:
    response = api.post("/api/v1/auth/login", {"username": name, "password": PASSWORD})
    return response.status_code, body(response), response.headers.get("Retry-After")


def test_wrong_second_factor_tells_the_attempts_left(api, user_factory, clock_pinned):
    user_factory("piet", totp_secret=SECRET)
    api.post("/api/v1/auth/login", {"username": "piet", "password": PASSWORD})
    wrong = str((int(code(SECRET)) + 1) % 1_000_000).zfill(6)
    seen = [_lockout_fields(_error(api.post("/api/v1/auth/totp", {"code": wrong}))) for _ in range(5)]
    assert seen[3] == {"attempts_left": 1, "next_lock": "locked"}
    assert seen[4] == {"attempts_left": 0, "retry_after": 60}
