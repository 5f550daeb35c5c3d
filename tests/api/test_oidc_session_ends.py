"""Ending portal sessions ends the tax-application logins made with them at once: the desk's 2FA
reset, "end all other sessions", a password change and ending one session each end the client logins
of the sessions they ended in the same request (their refresh tokens refused, the back-channel
logout due at once), and leave the caller's own. An account that never logged in to a tax
application pays no extra request for it (tests/api/test_request_budget.py pins the flows)."""

from __future__ import annotations

import pytest

from tests.api.oidc_flow import Browser, code_for, exchange, payload, refresh, register
from tests.api.two_factor import SECRET, code

PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Lange-Wandeling-Naar-Westpunt-42"


@pytest.fixture
def logged_in_twice(make_api, full_login, clock_pinned, monkeypatch):
    """jan.jansen logged in to the tax application from two browsers; the deliveries are recorded."""
    from chalicelib.services import oidc_logout

    register()
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(oidc_logout, "post_logout_token", lambda uri, token: sent.append((uri, token)) or True)
    browsers, tokens = [], []
    for _ in range(2):
        api = make_api()
        full_login(api, "jan.jansen")
        browser = Browser(api)
        code, verifier = code_for(browser)
        response = exchange(api.client, code, verifier)
        assert response.status_code == 200, response.body
        browsers.append(browser)
        tokens.append(payload(response))
    # The runner looked at both once already: without an immediate end neither is due for a while.
    assert oidc_logout.run()["checked"] == 2
    return browsers, tokens, sent


def _refused(client, tokens: dict) -> bool:  # type: ignore[no-untyped-def]
    response = refresh(client, tokens["refresh_token"])
    return response.status_code == 400 and payload(response)["error"] == "invalid_grant"


def test_the_first_client_login_marks_the_account(logged_in_twice):
    from chalicelib.storage.users import get_user

    assert get_user("jan.jansen").client_logins_since is not None


def test_a_desk_2fa_reset_ends_the_client_logins_at_once(logged_in_twice, client, make_api, full_login):
    from chalicelib.services import oidc_logout

    _, tokens, sent = logged_in_twice
    staff = make_api()
    full_login(staff, "sam.support", roles=("support",))
    checked = {"reason": "lost phone", "identity_checks": ["id_document_in_person"]}
    assert staff.post("/api/v1/admin/users/jan.jansen/reset-2fa", checked).status_code == 204
    # Ended in the desk's request: the runner's next pass (now, not at the grants' next check) delivers.
    assert oidc_logout.run()["delivered"] == 2 and len(sent) == 2
    assert _refused(client, tokens[0]) and _refused(client, tokens[1])


def test_ending_all_other_sessions_ends_their_client_logins_and_keeps_the_callers(logged_in_twice, client):
    from chalicelib.services import oidc_logout

    browsers, tokens, sent = logged_in_twice
    response = browsers[0].api.delete("/api/v1/account/sessions")
    assert response.status_code == 204, response.body
    assert oidc_logout.run()["delivered"] == 1 and len(sent) == 1
    assert _refused(client, tokens[1])
    assert refresh(client, tokens[0]["refresh_token"]).status_code == 200  # the caller's login goes on


def test_a_password_change_ends_the_other_sessions_client_logins_at_once(logged_in_twice, client):
    from chalicelib import clock
    from chalicelib.services import oidc_logout

    browsers, tokens, sent = logged_in_twice
    clock.pin(clock.now() + 30)
    response = browsers[0].api.post("/api/v1/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "code": code(SECRET)})
    assert response.status_code == 204, response.body
    assert oidc_logout.run()["delivered"] == 1 and len(sent) == 1
    assert _refused(client, tokens[1])
    assert refresh(client, tokens[0]["refresh_token"]).status_code == 200


def test_without_a_hook_the_runner_waits_but_a_refresh_is_refused_and_ends_the_login(logged_in_twice, client):
    """The control: sessions removed behind the services' back are not seen by this pass of the runner
    (only at the grant's next check), so the tests above see the hooks' work; a refresh still checks
    the session itself and ends the login."""
    from chalicelib.services import oidc_logout
    from chalicelib.storage.sessions import Session

    _, tokens, sent = logged_in_twice
    for session in Session.scan():
        session.delete()
    assert oidc_logout.run()["delivered"] == 0 and sent == []
    assert _refused(client, tokens[0])
    assert oidc_logout.run()["delivered"] == 1 and len(sent) == 1  # the refused one; the other at its check
