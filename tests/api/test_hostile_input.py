"""Anything a client can send gets an answer from the contract, never a 500: hostile JSON, odd
Unicode, oversized names; and a claimed lockout attempt is always settled."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import body

PASSWORD = "Correct-Horse-Battery-9"
HEADERS = {"Content-Type": "application/json"}


def _post_raw(client, path: str, raw: str):
    return client.http.post(path, body=raw, headers=HEADERS)


def _assert_invalid(response, field: str | None = None) -> None:
    assert response.status_code == 400, response.body
    error = json.loads(response.body)["error"]
    assert error["code"] == "invalid_request" and error["message"]
    if field:
        assert error["field"] == field
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("raw", [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    '{"username": "jan", "password": ' + "9" * 5000 + "}",
])
def test_hostile_json_is_400_with_the_envelope(client, raw):
    _assert_invalid(_post_raw(client, "/api/v1/auth/login", raw), "body")


@pytest.mark.parametrize(("path", "field", "payload"), [
    ("/api/v1/auth/login", "username", '{"username": "jan\\ud800", "password": "x"}'),
    ("/api/v1/auth/login", "password", '{"username": "jan", "password": "Correct\\ud800Horse"}'),
    ("/api/v1/auth/password-reset", "username", '{"username": "\\udfff"}'),
    ("/api/v1/support-requests", "message",
     '{"username": "jan", "email": "jan@example.org", "kind": "other", "message": "help \\ud83d"}'),
])
def test_a_lone_surrogate_is_400_naming_the_field(client, path, field, payload):
    _assert_invalid(_post_raw(client, path, payload), field)


@pytest.mark.parametrize("username", ["a" * 2100, "é" * 2300, "x" * 65])
def test_an_overlong_username_is_400_before_any_counter(client, username):
    from chalicelib.services import lockout

    response = _post_raw(client, "/api/v1/auth/login", json.dumps({"username": username, "password": "x"}))
    _assert_invalid(response, "username")
    assert lockout.status(username[:64])["failures"] == 0


@pytest.mark.parametrize("username", ["r" * 4096, "ü" * 3000])
def test_an_overlong_reset_or_support_username_is_400(client, username):
    _assert_invalid(_post_raw(client, "/api/v1/auth/password-reset", json.dumps({"username": username})),
                    "username")
    support = {"username": username, "email": "jan@example.org", "kind": "other", "message": "hulp"}
    _assert_invalid(_post_raw(client, "/api/v1/support-requests", json.dumps(support)), "username")


def test_surrogate_passwords_never_leave_the_name_refused(api, user_factory):
    from chalicelib.services import lockout

    user_factory("jan.jansen", PASSWORD)
    for _ in range(6):
        _assert_invalid(_post_raw(api.client, "/api/v1/auth/login",
                                  '{"username": "jan.jansen", "password": "\\ud800"}'), "password")
    assert lockout.status("jan.jansen")["failures"] == 0
    assert body(api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}))["next"] == "enroll"


def test_an_error_after_the_claim_is_settled_as_a_failure_and_shown_as_a_lock(api, user_factory, monkeypatch):
    """Five requests that die after claiming (a bug, an outage) lock the name like five failures; the
    desk sees the lock and its end, the owner gets in once it has passed."""
    from chalicelib import clock
    from chalicelib.security import passwords
    from chalicelib.services import lockout

    user_factory("jan.jansen", PASSWORD)
    clock.pin(1_800_000_000.0)
    try:
        real_verify = passwords.verify_password

        def broken(*args, **kwargs):
            raise RuntimeError("simulated failure after the claim")

        monkeypatch.setattr(passwords, "verify_password", broken)
        for _ in range(5):
            response = api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})
            assert response.status_code == 500
            assert body(response)["error"]["code"] == "internal_error"
        state = lockout.status("jan.jansen")
        assert (state["locked"], state["locked_until"], state["failures"]) == (True, 1_800_000_060, 5)
        monkeypatch.setattr(passwords, "verify_password", real_verify)
        refused = api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD})
        assert (refused.status_code, body(refused)["error"]["retry_after"]) == (423, 60)
        clock.pin(1_800_000_061.0)
        assert api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}).status_code == 200
    finally:
        clock.pin(None)


@pytest.mark.parametrize(("method", "path"), [("OPTIONS", "/api/v1/auth/login"), ("GET", "/api/v1/nothing-here"),
                                              ("POST", "/api/v1/nothing/here"), ("OPTIONS", "/api/v1/me")])
def test_unknown_paths_and_options_get_the_envelope_and_the_headers(client, method, path):
    # The local stage's gateway (what `make run` serves; the deployed one has the template's gateway
    # responses, tests/infra/test_template.py).
    import infra.chalice_local  # noqa: F401

    response = client.http.request(method, path, headers=HEADERS, body=b"{}")
    assert response.status_code in (404, 405), (response.status_code, response.body)
    assert json.loads(response.body)["error"]["code"] in ("not_found", "method_not_allowed")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["Cache-Control"] == "no-store"


def test_failed_password_checks_are_limited_per_source_address(api, user_factory, monkeypatch):
    """At most N failed evaluations per address and minute (PORTAL_IP_FAILURES_PER_MINUTE), then 429
    with Retry-After before any argon2 work, whatever the name; a success gives its slot back."""
    from chalicelib import clock
    from chalicelib.services import lockout
    from chalicelib.settings import reset_settings

    monkeypatch.setenv("PORTAL_IP_FAILURES_PER_MINUTE", "3")
    reset_settings()
    user_factory("jan.jansen", PASSWORD)
    clock.pin(1_800_000_010.0)
    try:
        assert api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}).status_code == 200
        for index in range(3):
            wrong = api.post("/api/v1/auth/login", {"username": f"iemand.{index}", "password": "Wrong-Horse-9999"})
            assert wrong.status_code == 401
        refused = api.post("/api/v1/auth/login", {"username": "iemand.9", "password": "Wrong-Horse-9999"})
        assert refused.status_code == 429
        assert body(refused)["error"]["code"] == "too_many_requests"
        assert refused.headers["Retry-After"] == "50" and body(refused)["error"]["retry_after"] == 50
        # Nothing was evaluated for the refused name: its counter was given back.
        assert lockout.status("iemand.9")["failures"] == 0
        # Even the right password waits: the address's allowance is spent.
        assert api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}).status_code == 429
        clock.pin(1_800_000_060.0)  # the next minute
        assert api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}).status_code == 200
    finally:
        clock.pin(None)


@pytest.mark.parametrize("raw", [
    '{"username": "jan", "password": NaN}',
    '{"username": "jan", "password": -Infinity}',
    '{"username": "jan", "password": "' + "x" * 70_000 + '"}',
])
def test_not_quite_json_and_oversized_bodies_are_400(client, raw):
    _assert_invalid(_post_raw(client, "/api/v1/auth/login", raw), "body")


def test_ipv6_addresses_of_one_prefix_share_one_allowance():
    from chalicelib.services.login import _address_group

    assert _address_group("2001:db8:1:2:aaaa::1") == _address_group("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert _address_group("2001:db8:1:3::1") != _address_group("2001:db8:1:2::1")
    assert _address_group("192.0.2.7") == "192.0.2.7"
