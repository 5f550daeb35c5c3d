"""Logged-in pages send people where their login stands: to the login, or to their next step."""

from __future__ import annotations

PASSWORD = "Correct-Horse-Battery-9"


def test_without_a_session_the_portal_sends_to_the_login(api):
    response = api.get("/portal")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_password_only_without_2fa_goes_to_enrollment(api, user_factory):
    user_factory("jan.jansen")
    assert api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}).status_code == 200
    response = api.get("/portal")
    assert response.status_code == 302
    assert response.headers["Location"] == "/mfa/activate"


def test_password_only_with_2fa_goes_to_the_code_page(api, user_factory):
    user_factory("piet", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    api.post("/api/v1/auth/login", {"username": "piet", "password": PASSWORD})
    response = api.get("/portal")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/totp"


def test_full_session_sees_the_portal(api, full_login):
    full_login(api, "piet")
    response = api.get("/portal")
    assert response.status_code == 200
    assert "Mijn portaal" in response.body.decode()


def test_a_chosen_language_goes_along_with_every_redirect(api, user_factory):
    """/?lang=en -> /portal -> /login: each hop keeps English, in the address and in the cookie."""
    first = api.get("/?lang=en")
    assert first.status_code == 302 and first.headers["Location"] == "/portal?lang=en"
    assert first.headers["Set-Cookie"].startswith("lang=en;")
    second = api.get(first.headers["Location"])
    assert second.status_code == 302 and second.headers["Location"] == "/login?lang=en"
    login = api.get(second.headers["Location"])
    assert login.status_code == 200 and '<html lang="en">' in login.body.decode()


def test_an_unknown_language_is_not_carried(api):
    response = api.get("/?lang=xx")
    assert response.headers["Location"] == "/portal" and "Set-Cookie" not in response.headers
