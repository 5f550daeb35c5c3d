"""Mijn Aangifte's own rules, through Flask's test client with the provider's metadata and JWKS given
(no portal running): the back-channel endpoint ends exactly the sessions its logout token names and
refuses bad or replayed tokens; logout needs the page's CSRF token; a discovery document naming
another issuer is refused; the pages speak nl, en and pap."""

from __future__ import annotations

import time

import pytest

from infra.demo_rp.app import Settings, create_app
from infra.demo_rp.logins import Login
from tests.unit.test_demo_rp_logout_token import CLIENT, ISSUER, KEY, claims, jwks, sign

METADATA = {
    "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/oidc/authorize", "token_endpoint": f"{ISSUER}/oidc/token",
    "userinfo_endpoint": f"{ISSUER}/oidc/userinfo", "jwks_uri": f"{ISSUER}/oidc/jwks",
    "end_session_endpoint": f"{ISSUER}/oidc/logout", "id_token_signing_alg_values_supported": ["RS256"],
}


def application(metadata: dict | None = None):  # type: ignore[no-untyped-def]
    app = create_app(Settings(issuer=ISSUER, client_id=CLIENT, client_secret="s3cret",
                              public_url="http://127.0.0.1:8001"))
    portal = app.extensions["authlib.integrations.flask_client"].portal
    portal.server_metadata.update({**(metadata or METADATA), "jwks": jwks(KEY), "_loaded_at": time.time()})
    return app


def logged_in(app, sub: str, sid: str):  # type: ignore[no-untyped-def]
    login_id = app.extensions["logins"].start(Login(claims={"sub": sub, "sid": sid, "acr": "a", "amr": ["pwd"],
                                                            "auth_time": int(time.time())},
                                                    userinfo={"sub": sub}, id_token="id-token"))
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["login_id"] = login_id
    return browser


def test_a_logout_token_ends_the_sessions_of_its_portal_session_only():
    app = application()
    mine, other = logged_in(app, "subject-1", "portal-session-1"), logged_in(app, "subject-2", "portal-session-2")
    answer = app.test_client().post("/backchannel-logout", data={"logout_token": sign(claims())})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    page = mine.get("/").get_data(as_text=True)
    assert "Inloggen via Digitaal Portaal" in page and "is beëindigd" in page
    assert "Uitloggen" in other.get("/").get_data(as_text=True)


@pytest.mark.parametrize("token", [None, "", "not.a.jwt", "x"])
def test_a_missing_or_malformed_token_is_a_400(token):
    app = application()
    browser = logged_in(app, "subject-1", "portal-session-1")
    answer = app.test_client().post("/backchannel-logout", data={} if token is None else {"logout_token": token})
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_request"
    assert "Uitloggen" in browser.get("/").get_data(as_text=True)


def test_a_replayed_token_is_refused():
    app = application()
    token = sign(claims())
    assert app.test_client().post("/backchannel-logout", data={"logout_token": token}).status_code == 200
    again = app.test_client().post("/backchannel-logout", data={"logout_token": token})
    assert again.status_code == 400 and "before" in again.get_json()["error_description"]


def test_logout_needs_the_pages_csrf_token():
    app = application()
    browser = logged_in(app, "subject-1", "portal-session-1")
    page = browser.get("/").get_data(as_text=True)
    assert browser.post("/logout", data={"csrf": "forged"}).status_code == 400
    assert browser.post("/logout", data={}).status_code == 400
    assert "Uitloggen" in browser.get("/").get_data(as_text=True)
    token = page.split('name="csrf" value="')[1].split('"')[0]
    answer = browser.post("/logout", data={"csrf": token})
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(f"{ISSUER}/oidc/logout?") and "id_token_hint=id-token" in location
    assert "post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8001%2Flogged-out" in location
    assert "Inloggen via Digitaal Portaal" in browser.get("/").get_data(as_text=True)


def test_a_discovery_document_of_another_issuer_is_refused():
    app = application({**METADATA, "issuer": "http://127.0.0.1:9999"})
    answer = app.test_client().get("/login")
    assert answer.status_code == 503 and "niet bereikbaar" in answer.get_data(as_text=True)


def test_the_login_request_carries_pkce_s256_state_and_nonce():
    answer = application().test_client().get("/login?lang=en")
    assert answer.status_code == 302
    location = answer.headers["Location"]
    for part in ("code_challenge_method=S256", "code_challenge=", "state=", "nonce=", "ui_locales=en",
                 f"client_id={CLIENT}", "redirect_uri=http%3A%2F%2F127.0.0.1%3A8001%2Fcallback"):
        assert part in location, part


@pytest.mark.parametrize(("lang", "text"), [("nl", "Inloggen via Digitaal Portaal"),
                                             ("en", "Log in with Digitaal Portaal"),
                                             ("pap", "Drenta via Digitaal Portaal")])
def test_the_pages_speak_three_languages(lang, text):
    page = application().test_client().get(f"/?lang={lang}")
    assert text in page.get_data(as_text=True) and f'<html lang="{lang}">' in page.get_data(as_text=True)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
