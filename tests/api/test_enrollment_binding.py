"""A pending enrollment belongs to the session that re-authenticated to start it: another session of
the same account (a stolen cookie: no password, no code) cannot confirm or activate it, and wrong
confirming codes count on the second-factor lockout."""

from __future__ import annotations

from tests.api.conftest import body
from tests.api.two_factor import PASSWORD, SECRET, code


def _start(api) -> str:
    started = api.post("/api/v1/mfa/enrollment", {"password": PASSWORD, "code": code(SECRET)})
    assert started.status_code == 200, started.body
    return body(started)["secret"]


def test_a_second_session_cannot_finish_someone_elses_reenrollment(api, make_api, full_login, clock_pinned):
    owner, thief = api, make_api()
    full_login(owner, "piet")
    full_login(thief, "piet")  # a second full session of the same account
    secret = _start(owner)

    for attempt in (thief.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)}),
                    thief.post("/api/v1/mfa/enrollment/activate")):
        assert attempt.status_code == 403 and body(attempt)["error"]["code"] == "forbidden"

    assert owner.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)}).status_code == 200
    stolen = thief.post("/api/v1/mfa/enrollment/activate")
    assert stolen.status_code == 403 and "backup_codes_pdf" not in body(stolen)
    activated = owner.post("/api/v1/mfa/enrollment/activate")
    assert activated.status_code == 200 and body(activated)["backup_codes_pdf"]


def test_wrong_confirming_codes_lock_the_second_factor(api, full_login, clock_pinned):
    from chalicelib.services import lockout

    full_login(api, "piet")
    secret = _start(api)
    for _ in range(5):
        wrong = api.post("/api/v1/mfa/enrollment/confirm", {"code": "000000"})
        assert wrong.status_code == 401 and body(wrong)["error"]["code"] == "invalid_code"
    locked = api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})
    assert locked.status_code == 423 and body(locked)["error"]["retry_after"] == 60
    assert lockout.status("piet")["second_factor_failures"] == 5
    clock_pinned.advance(61)
    assert api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)}).status_code == 200
    assert lockout.status("piet")["second_factor_failures"] == 0
