"""docs/api.md "Conventions": JSON only, Origin check, error envelope, 400 naming the field, headers."""

from __future__ import annotations

import pytest

from tests.api.conftest import body


def test_state_change_that_is_not_json_gets_415(client):
    response = client.http.post("/api/v1/auth/login", body="username=a&password=b",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert body(response)["error"]["code"] == "unsupported_media_type"


def test_missing_content_type_gets_415(client):
    response = client.http.post("/api/v1/auth/login", body='{"username": "a", "password": "b"}')
    assert response.status_code == 415


def test_foreign_origin_gets_403_csrf_rejected(api):
    response = api.post("/api/v1/auth/login", {"username": "a", "password": "b"},
                        headers={"Origin": "https://evil.example", "Host": "portal.example"})
    assert response.status_code == 403
    assert body(response)["error"]["code"] == "csrf_rejected"


def test_same_origin_is_accepted(api):
    response = api.post("/api/v1/auth/login", {"username": "a.b.c", "password": "b"},
                        headers={"Origin": "http://portal.example", "Host": "portal.example"})
    assert response.status_code == 401


def test_cross_site_fetch_metadata_is_refused(api):
    response = api.post("/api/v1/auth/login", {"username": "a", "password": "b"},
                        headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


@pytest.mark.parametrize("payload, field", [
    ("{not json", "body"),
    ("[1, 2]", "body"),
    ('"text"', "body"),
    ("{}", "username"),
    ('{"username": "a"}', "password"),
    ('{"username": 5, "password": "x"}', "username"),
    ('{"username": "a", "password": ["x"]}', "password"),
    ('{"username": "", "password": "x"}', "username"),
    (b"\xff\xfe\x00", "body"),
])
def test_malformed_bodies_get_400_naming_the_field(client, payload, field):
    response = client.http.post("/api/v1/auth/login", body=payload, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = body(response)["error"]
    assert error["code"] == "invalid_request"
    assert error["field"] == field
    assert field in error["message"]


def test_security_headers_on_every_response(client):
    for path in ("/login", "/portal", "/api/v1/me", "/api/openapi.json", "/static/portal.css", "/static/nope.css"):
        headers = client.http.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    assert client.http.get("/api/v1/me").headers["Cache-Control"] == "no-store"
    assert client.http.get("/login").headers["Cache-Control"] == "no-store"
    # The local stage runs on plain http; HSTS is for the deployed stages.
    assert "Strict-Transport-Security" not in client.http.get("/login").headers


def test_hsts_and_secure_cookie_outside_local_stage(aws, monkeypatch):
    from chalice.test import Client

    from app import app as chalice_app
    from chalicelib.services.accounts import create_account
    from chalicelib.settings import get_settings, reset_settings
    from infra.local import provision

    monkeypatch.setenv("PORTAL_STAGE", "prod")
    monkeypatch.setenv("PORTAL_TABLE_PREFIX", "portal-prod-")
    reset_settings()
    provision()
    create_account("jan.jansen", "jan@example.org", "Correct-Horse-Battery-9")
    reset_settings()
    try:
        with Client(chalice_app, stage_name="prod") as prod:
            response = prod.http.post("/api/v1/auth/login", headers={"Content-Type": "application/json"},
                                      body='{"username": "jan.jansen", "password": "Correct-Horse-Battery-9"}')
        assert get_settings().stage == "prod"
        assert response.status_code == 200
        assert "; Secure" in response.headers["Set-Cookie"]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        monkeypatch.undo()
        reset_settings()


def test_unknown_route_and_method_use_the_envelope(client):
    response = client.http.get("/api/v1/does-not-exist")
    assert response.status_code in (403, 404)
    wrong_method = client.http.get("/api/v1/auth/login")
    assert wrong_method.status_code == 405
    assert body(wrong_method)["error"]["code"] == "method_not_allowed"


def test_static_files_do_not_escape_their_folder(client):
    assert client.http.get("/static/..%2F..%2Fsettings.py").status_code == 404
    assert client.http.get("/static/portal.css").status_code == 200
