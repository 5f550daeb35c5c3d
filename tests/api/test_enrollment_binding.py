"""A pending re-enrollment belongs to the session that re-authenticated to start it: another full
session of the same account (a stolen cookie: no password, no code) can neither confirm nor
activate it, not even before the owner confirmed (wrong confirming codes: test_enrollment.py)."""

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

