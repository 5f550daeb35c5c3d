"""POST /auth/password-reset/check and /account/email/verify/check: a mailed link's page asks before it
shows its form. A live link answers 204 and stays usable; a used, replaced, expired or made-up one 400
invalid_token."""

from __future__ import annotations

import pytest

from tests.api.conftest import body
from tests.api.recovery import pending_email_link, reset_link
from tests.api.two_factor import SECRET

NEW_PASSWORD = "Lange-Wandeling-Naar-Westpunt-42"


def _check(api, path: str, token: str):
    return api.post(path, {"token": token})


def _refused(response) -> bool:
    return response.status_code == 400 and body(response)["error"]["code"] == "invalid_token"


def test_a_live_reset_link_checks_out_and_still_works_after(api, user_factory):
    user_factory("alice", totp_secret=SECRET)
    token = reset_link(api, "alice")
    for _ in range(3):  # checking changes nothing
        assert _check(api, "/api/v1/auth/password-reset/check", token).status_code == 204
    assert api.post("/api/v1/auth/password-reset/complete",
                    {"token": token, "new_password": NEW_PASSWORD}).status_code == 204
    assert _refused(_check(api, "/api/v1/auth/password-reset/check", token))  # used: refused before the form


def test_replaced_and_expired_reset_links_are_refused(api, user_factory, clock_pinned):
    user_factory("alice")
    first = reset_link(api, "alice")
    second = reset_link(api, "alice")
    assert _refused(_check(api, "/api/v1/auth/password-reset/check", first))
    assert _check(api, "/api/v1/auth/password-reset/check", second).status_code == 204
    clock_pinned.advance(30 * 60)
    assert _refused(_check(api, "/api/v1/auth/password-reset/check", second))


@pytest.mark.parametrize("token", ["", "x", "a" * 43 + ".nobody.here", "a" * 43 + ".alice"])
def test_made_up_tokens_are_refused(api, user_factory, token):
    user_factory("alice")
    response = _check(api, "/api/v1/auth/password-reset/check", token)
    assert response.status_code == 400
    assert body(response)["error"]["code"] in ({"invalid_request"} if not token else {"invalid_token"})


def test_an_email_link_checks_out_until_used(api, full_login, make_api, clock_pinned):
    full_login(api, "alice")
    token = pending_email_link(api, clock_pinned)
    anonymous = make_api()
    assert _check(anonymous, "/api/v1/account/email/verify/check", token).status_code == 204
    assert anonymous.post("/api/v1/account/email/verify", {"token": token}).status_code == 204
    assert _refused(_check(anonymous, "/api/v1/account/email/verify/check", token))

