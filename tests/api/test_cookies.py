"""The portal's cookies: the session cookie's name and attributes per stage, a request carrying two
session cookies (one planted by a sibling subdomain or a narrower path), and the `lang` cookie."""

from __future__ import annotations

import pytest

from tests.api.conftest import JSON, body

PASSWORD = "Correct-Horse-Battery-9"


def attributes(set_cookie: str) -> tuple[str, str, set[str]]:
    """(name, value, attributes in lower case) of one Set-Cookie header."""
    first, *rest = [part.strip() for part in set_cookie.split(";")]
    name, _, value = first.partition("=")
    return name, value, {part.lower() for part in rest}


def full_session(username: str) -> str:
    """A full session's cookie value for a new account, under the current stage's settings (made by the
    session service: the login steps are tested elsewhere)."""
    from chalicelib.services.accounts import create_account
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.sessions import Level, new_session

    user = create_account(username, f"{username}@example.org", PASSWORD)
    session, cookie = new_session(user, Level.FULL, "done", RequestContext())
    session.save()
    return cookie


@pytest.fixture
def prod(aws, monkeypatch):
    """The prod stage's settings against the in-process AWS (tables provisioned under its prefix)."""
    from chalice.test import Client

    from app import app as chalice_app
    from chalicelib.settings import reset_settings
    from infra.local import provision

    monkeypatch.setenv("PORTAL_STAGE", "prod")
    monkeypatch.setenv("PORTAL_TABLE_PREFIX", "portal-prod-")
    monkeypatch.setenv("PORTAL_PUBLIC_ORIGIN", "https://portal.example")
    reset_settings()
    provision()
    try:
        with Client(chalice_app, stage_name="prod") as client:
            yield client
    finally:
        monkeypatch.undo()
        reset_settings()


def test_outside_the_local_stage_the_session_cookie_is_host_prefixed(prod):
    full_session("jan.jansen")  # an account of its own for the login below
    response = prod.http.post("/api/v1/auth/login", headers=JSON,
                              body='{"username": "jan.jansen", "password": "Correct-Horse-Battery-9"}')
    assert response.status_code == 200
    name, value, flags = attributes(response.headers["Set-Cookie"])
    # What browsers demand of a __Host- cookie: Secure, Path=/ and no Domain.
    assert name == "__Host-portal_session"
    assert value
    assert {"secure", "path=/", "httponly", "samesite=strict"} <= flags
    assert not any(flag.startswith("domain") for flag in flags)


def test_outside_the_local_stage_only_the_prefixed_cookie_is_a_session(prod):
    cookie = full_session("jan.jansen")
    me = prod.http.get("/api/v1/me", headers={"Cookie": f"__Host-portal_session={cookie}"})
    assert me.status_code == 200
    assert body(me)["username"] == "jan.jansen"
    # The unprefixed name is what any subdomain could set: it is not the session there.
    unprefixed = prod.http.get("/api/v1/me", headers={"Cookie": f"portal_session={cookie}"})
    assert unprefixed.status_code == 401


def test_outside_the_local_stage_logout_clears_the_prefixed_cookie(prod):
    cookie = full_session("jan.jansen")
    response = prod.http.post("/api/v1/auth/logout", body="{}",
                              headers={**JSON, "Cookie": f"__Host-portal_session={cookie}"})
    assert response.status_code == 204
    name, value, flags = attributes(response.headers["Set-Cookie"])
    assert (name, value) == ("__Host-portal_session", "")
    assert {"secure", "path=/", "max-age=0"} <= flags
    assert prod.http.get("/api/v1/me", headers={"Cookie": f"__Host-portal_session={cookie}"}).status_code == 401


def test_the_local_stage_keeps_the_plain_name_on_http(api, user_factory):
    user_factory("jan.jansen")
    response = api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})
    name, _, flags = attributes(response.headers["Set-Cookie"])
    assert name == "portal_session"
    assert "secure" not in flags  # plain http: a Secure cookie would not come back


def test_a_request_with_two_session_cookies_is_refused_and_the_cookie_cleared(client, aws):
    mine, planted = full_session("jan.jansen"), full_session("eve.intruder")
    for pair in (f"portal_session={planted}; portal_session={mine}", f"portal_session={mine}; portal_session={mine}"):
        response = client.http.get("/api/v1/me", headers={"Cookie": pair})
        assert response.status_code == 401
        assert body(response)["error"]["code"] == "not_authenticated"
        name, value, flags = attributes(response.headers["Set-Cookie"])
        assert (name, value) == ("portal_session", "")
        assert "max-age=0" in flags
    # Each of them alone is still a session: the refusal ended nothing.
    assert body(client.http.get("/api/v1/me", headers={"Cookie": f"portal_session={mine}"}))["username"] == "jan.jansen"


def test_two_session_cookies_are_refused_outside_the_local_stage_too(prod):
    mine, planted = full_session("jan.jansen"), full_session("eve.intruder")
    response = prod.http.get("/api/v1/me", headers={
        "Cookie": f"__Host-portal_session={planted}; __Host-portal_session={mine}"})
    assert response.status_code == 401
    assert attributes(response.headers["Set-Cookie"])[:2] == ("__Host-portal_session", "")


def test_two_session_cookies_on_a_page_lead_to_the_login(client, aws):
    mine, planted = full_session("jan.jansen"), full_session("eve.intruder")
    response = client.http.get("/portal", headers={"Cookie": f"portal_session={planted}; portal_session={mine}"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_logout_with_two_session_cookies_ends_both(client, aws):
    mine, planted = full_session("jan.jansen"), full_session("eve.intruder")
    response = client.http.post("/api/v1/auth/logout", body="{}",
                                headers={**JSON, "Cookie": f"portal_session={planted}; portal_session={mine}"})
    assert response.status_code == 204
    for cookie in (mine, planted):
        assert client.http.get("/api/v1/me", headers={"Cookie": f"portal_session={cookie}"}).status_code == 401


def test_the_language_cookie_is_secure_outside_the_local_stage(prod):
    response = prod.http.get("/login?lang=en")
    name, value, flags = attributes(response.headers["Set-Cookie"])
    assert (name, value) == ("lang", "en")
    assert {"secure", "path=/"} <= flags


def test_the_language_cookie_is_not_secure_in_the_local_stage(client):
    name, value, flags = attributes(client.http.get("/login?lang=en").headers["Set-Cookie"])
    assert (name, value) == ("lang", "en")
    assert "secure" not in flags
