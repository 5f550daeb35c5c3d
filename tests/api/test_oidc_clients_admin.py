"""The desk's register of tax applications (OpenID Connect clients): staff list, register and disable
them with a reason (audited), through /api/v1/admin/oidc-clients and the page /support/clients; bad
input is a 400 naming the field in the caller's language; nobody else gets in."""

from __future__ import annotations

import json

import pytest
from jwcrypto import jwk

from tests.api.conftest import body

API = "/api/v1/admin/oidc-clients"
GOOD = {"name": "Mijn Aangifte", "redirect_uris": ["https://aangifte.example/callback"],
        "post_logout_redirect_uris": ["https://aangifte.example/logged-out"],
        "backchannel_logout_uri": "https://aangifte.example/backchannel-logout",
        "token_endpoint_auth_method": "client_secret_basic", "reason": "aansluiting aangevraagd door IT"}


@pytest.fixture
def desk(make_api, full_login, clock_pinned):
    """Logged-in clients: support sam.support, admin ada.admin, taxpayer jan.jansen."""
    clients = {}
    for name, roles in (("sam.support", ("support",)), ("ada.admin", ("admin",)), ("jan.jansen", ("taxpayer",))):
        clients[name] = make_api()
        full_login(clients[name], name, roles=roles)
    return clients


def _events(action: str) -> list:
    from chalicelib.storage.audit import AuditEvent

    return [event for event in AuditEvent.scan() if event.action == action]


def _stored(client_id: str):
    from chalicelib.storage import oidc

    return oidc.get_client(client_id) or next(item for item in oidc.clients() if item.client_id == client_id)


def test_support_registers_a_client_and_gets_its_secret_once(desk):
    from chalicelib.security.passwords import verify_password

    response = desk["sam.support"].post(API, GOOD)
    assert response.status_code == 201, response.body
    registered = body(response)
    assert registered["name"] == "Mijn Aangifte" and registered["disabled"] is False
    assert registered["redirect_uris"] == GOOD["redirect_uris"]
    assert registered["backchannel_logout_uri"] == GOOD["backchannel_logout_uri"]
    assert "openid" in registered["scopes"]
    stored = _stored(registered["client_id"])
    assert verify_password(stored.secret_hash, registered["client_secret"])
    assert registered["client_secret"] not in stored.secret_hash

    listed = body(desk["ada.admin"].get(API))["items"]
    assert [item["client_id"] for item in listed] == [registered["client_id"]]
    assert "client_secret" not in listed[0] and "secret_hash" not in json.dumps(listed)

    [event] = _events("oidc.client_registered")
    assert (event.actor, event.target, event.outcome) == ("sam.support", f"client:{registered['client_id']}",
                                                          "success")
    assert event.reason == GOOD["reason"]


def test_a_private_key_jwt_client_keeps_only_public_keys(desk):
    key = jwk.JWK.generate(kty="EC", crv="P-256", kid="rp-1")
    public = {"keys": [json.loads(key.export_public())]}
    response = desk["sam.support"].post(API, {**GOOD, "token_endpoint_auth_method": "private_key_jwt", "jwks": public})
    assert response.status_code == 201, response.body
    assert body(response)["client_secret"] is None
    stored = _stored(body(response)["client_id"])
    assert stored.secret_hash is None and stored.public_jwks == public

    private = {"keys": [json.loads(key.export_private())]}
    refused = desk["sam.support"].post(API, {**GOOD, "token_endpoint_auth_method": "private_key_jwt", "jwks": private})
    assert (refused.status_code, body(refused)["error"]["field"]) == (400, "jwks")
    missing = desk["sam.support"].post(API, {**GOOD, "token_endpoint_auth_method": "private_key_jwt"})
    assert (missing.status_code, body(missing)["error"]["field"]) == (400, "jwks")


@pytest.mark.parametrize(("field", "value"), [
    ("redirect_uris", []),
    ("redirect_uris", ["http://aangifte.example/callback"]),  # plain http off the loopback
    ("redirect_uris", ["https://aangifte.example/callback#top"]),
    ("redirect_uris", ["/callback"]),
    ("redirect_uris", ["https://user:pw@aangifte.example/callback"]),
    ("redirect_uris", [42]),
    ("redirect_uris", ["https://aangifte.example/callback"] * 11),
    ("post_logout_redirect_uris", ["javascript:alert(1)"]),
    ("backchannel_logout_uri", "ftp://aangifte.example/logout"),
    ("name", "   "),
    ("name", "x" * 101),
    ("token_endpoint_auth_method", "none"),
])
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(desk, field, value):
    from chalicelib.storage import oidc

    response = desk["sam.support"].post(API, {**GOOD, field: value})
    assert response.status_code == 400
    assert body(response)["error"]["field"] == field
    assert oidc.clients() == []


def test_the_refusal_is_in_the_callers_language(desk):
    bad = {**GOOD, "redirect_uris": ["http://aangifte.example/callback"]}
    dutch = body(desk["sam.support"].post(API, bad))["error"]["message"]
    english = body(desk["sam.support"].post(f"{API}?lang=en", bad))["error"]["message"]
    assert "redirect-adres" in dutch and "redirect address" in english


def test_http_on_the_loopback_is_accepted_for_local_applications(desk):
    response = desk["sam.support"].post(API, {**GOOD, "redirect_uris": ["http://127.0.0.1:8001/callback",
                                                                         "http://localhost:8001/callback"]})
    assert response.status_code == 201, response.body


def test_a_missing_reason_is_refused_and_audited(desk):
    response = desk["sam.support"].post(API, {name: value for name, value in GOOD.items() if name != "reason"})
    assert (response.status_code, body(response)["error"]["field"]) == (400, "reason")
    [event] = _events("oidc.client_registered")
    assert (event.outcome, event.details.as_dict()["rule"]) == ("denied", "reason_required")


def test_nobody_but_staff_lists_registers_or_disables(desk, make_api):
    taxpayer = desk["jan.jansen"]
    assert taxpayer.get(API).status_code == 403
    assert taxpayer.post(API, GOOD).status_code == 403
    assert taxpayer.post(f"{API}/anything/disable", {"reason": "weg"}).status_code == 403
    denied = {(event.action, event.outcome) for event in _events("oidc.client_registered")
              + _events("oidc.client_disabled")}
    assert denied == {("oidc.client_registered", "denied"), ("oidc.client_disabled", "denied")}
    anonymous = make_api()
    assert anonymous.get(API).status_code == 401 and anonymous.post(API, GOOD).status_code == 401


def test_a_disabled_client_gets_no_login_token_or_refresh_and_is_disabled_once(desk, make_api, full_login):
    from tests.api.oidc_flow import Browser, authorize, authorize_params, code_for, exchange, payload, pkce, refresh
    from tests.api.oidc_flow import register as register_client

    register_client()  # "mijn-aangifte", as the provider's own tests register it
    taxpayer = make_api()
    full_login(taxpayer, "piet.burger", crib="123456782")
    browser = Browser(taxpayer)
    code, verifier = code_for(browser)
    tokens = payload(exchange(desk["sam.support"].client, code, verifier))
    waiting_code, waiting_verifier = code_for(browser)

    response = desk["ada.admin"].post(f"{API}/mijn-aangifte/disable", {"reason": "applicatie uit gebruik"})
    assert response.status_code == 204, response.body
    client = desk["sam.support"].client
    assert payload(refresh(client, tokens["refresh_token"]))["error"] == "invalid_client"
    assert payload(exchange(client, waiting_code, waiting_verifier))["error"] == "invalid_client"
    _, challenge = pkce()
    refused = authorize(browser, authorize_params(challenge))
    assert refused.status_code == 400 and "Location" not in refused.headers
    [listed] = body(desk["sam.support"].get(API))["items"]
    assert listed["disabled"] is True

    again = desk["ada.admin"].post(f"{API}/mijn-aangifte/disable", {"reason": "nogmaals"})
    assert (again.status_code, body(again)["error"]["code"]) == (409, "conflict")
    [event] = [item for item in _events("oidc.client_disabled") if item.outcome == "success"]
    assert (event.actor, event.target, event.reason) == ("ada.admin", "client:mijn-aangifte", "applicatie uit gebruik")
    unknown = desk["ada.admin"].post(f"{API}/no-such-client/disable", {"reason": "weg"})
    assert unknown.status_code == 404


def test_the_desk_page_lists_the_clients_in_three_languages(desk):
    registered = body(desk["sam.support"].post(API, GOOD))
    for lang, heading in (("nl", "Aangesloten applicaties"), ("en", "Connected applications"),
                          ("pap", "Aplikashonnan konektá")):
        page = desk["sam.support"].get(f"/support/clients?lang={lang}")
        html = page.body.decode()
        assert page.status_code == 200 and heading in html
        assert registered["client_id"] in html and "Mijn Aangifte" in html
    assert desk["jan.jansen"].get("/support/clients").status_code == 403
