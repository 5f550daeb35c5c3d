"""The OpenID Connect provider: the code flow with PKCE, tokens, userinfo, and the negative cases an
OpenID conformance run checks."""

from __future__ import annotations

import pytest

from tests.api.oidc_flow import Browser, code_for, exchange, payload, register


@pytest.fixture
def browser(api, full_login):
    register()
    full_login(api, "jan.jansen", crib="123456789")
    return Browser(api)


def test_code_flow_issues_tokens_and_userinfo_answers(browser, client):
    code, verifier = code_for(browser)
    response = exchange(client, code, verifier)
    assert response.status_code == 200, response.body
    tokens = payload(response)
    assert tokens["token_type"].lower() == "bearer" and tokens["expires_in"] == 300
    assert {"access_token", "id_token", "refresh_token"} <= set(tokens)
    info = client.http.get("/api/v1/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}",
                                                       "Host": "127.0.0.1:8000"})
    assert info.status_code == 200, info.body
    assert payload(info)["email"] == "jan.jansen@example.org"
    assert payload(info)["crib"] == "123456789"


def _ok_tokens(browser, client, **extra):
    code, verifier = code_for(browser, **extra)
    response = exchange(client, code, verifier)
    assert response.status_code == 200, response.body
    return payload(response)


def _id_claims(tokens: dict) -> dict:
    import base64
    import json

    part = tokens["id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_the_id_token_validates_against_the_served_jwks_with_another_jose_library(browser, client):
    import json

    import jwt as pyjwt

    tokens = _ok_tokens(browser, client)
    jwks = json.loads(client.http.get("/oidc/jwks", headers={"Host": "127.0.0.1:8000"}).body)
    assert all("d" not in key for key in jwks["keys"])
    kid = pyjwt.get_unverified_header(tokens["id_token"])["kid"]
    key = pyjwt.PyJWK(next(key for key in jwks["keys"] if key["kid"] == kid))
    claims = pyjwt.decode(tokens["id_token"], key.key, algorithms=["RS256"], audience="mijn-aangifte",
                          issuer="http://127.0.0.1:8000")
    assert claims["nonce"] == "n-456"
    assert claims["sid"] and claims["auth_time"] and claims["acr"]
    discovery = json.loads(client.http.get("/.well-known/openid-configuration",
                                           headers={"Host": "127.0.0.1:8000"}).body)
    assert discovery["issuer"] == claims["iss"] and discovery["code_challenge_methods_supported"] == ["S256"]
    assert claims["acr"] in discovery["acr_values_supported"]


def test_discovery_is_valid_provider_metadata(client):
    import json

    from authlib.oidc.discovery import OpenIDProviderMetadata

    document = json.loads(client.http.get("/.well-known/openid-configuration", headers={"Host": "127.0.0.1:8000"}).body)
    OpenIDProviderMetadata(document).validate()


def test_a_wrong_or_missing_pkce_verifier_is_invalid_grant(browser, client):
    from tests.api.oidc_flow import pkce

    code, _ = code_for(browser)
    wrong, _ = pkce()
    assert payload(exchange(client, code, wrong))["error"] == "invalid_grant"
    code, _ = code_for(browser)
    from tests.api.oidc_flow import REDIRECT, basic, token
    response = token(client, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
                     basic())
    assert response.status_code == 400 and payload(response)["error"] == "invalid_request"


def test_plain_or_missing_pkce_is_refused_at_the_authorization_endpoint(browser):
    from tests.api.oidc_flow import authorize, authorize_params, redirect_params

    for method in ("plain", None):
        params = redirect_params(authorize(browser, authorize_params("x" * 43, code_challenge_method=method)))
        assert params["error"] == "invalid_request" and params["state"] == "st-123"
    params = redirect_params(authorize(browser, authorize_params(None)))
    assert params["error"] == "invalid_request"


def test_a_reused_code_is_refused_and_revokes_the_tokens_issued_from_it(browser, client):
    from tests.api.oidc_flow import refresh

    code, verifier = code_for(browser)
    tokens = payload(exchange(client, code, verifier))
    again = exchange(client, code, verifier)
    assert again.status_code == 400 and payload(again)["error"] == "invalid_grant"
    info = client.http.get("/api/v1/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}",
                                                       "Host": "127.0.0.1:8000"})
    assert info.status_code == 401
    assert payload(refresh(client, tokens["refresh_token"]))["error"] == "invalid_grant"


def test_an_expired_code_is_refused(browser, client):
    from chalicelib import clock

    code, verifier = code_for(browser)
    import time

    clock.pin(time.time() + 61)
    try:
        assert payload(exchange(client, code, verifier))["error"] == "invalid_grant"
    finally:
        clock.pin(None)


def test_a_code_of_another_client_is_refused(browser, client):
    from tests.api.oidc_flow import REDIRECT

    register("belasting-app", redirect_uris=[REDIRECT])
    code, verifier = code_for(browser)
    assert payload(exchange(client, code, verifier, client_id="belasting-app"))["error"] == "invalid_grant"
    # ... and the code still works for its own client.
    assert exchange(client, code, verifier).status_code == 200


def test_a_redirect_uri_mismatch_at_the_token_endpoint_is_invalid_grant(browser, client):
    from tests.api.oidc_flow import basic, token

    code, verifier = code_for(browser)
    response = token(client, {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                              "redirect_uri": "https://aangifte.example/other"}, basic())
    assert payload(response)["error"] == "invalid_grant"


@pytest.mark.parametrize("change, reason", [
    ({"redirect_uri": "https://evil.example/callback"}, "redirect_uri"),
    ({"redirect_uri": "https://aangifte.example/callback/"}, "redirect_uri"),
    ({"client_id": "unknown-client"}, "unknown_client"),
])
def test_an_unregistered_redirect_uri_or_unknown_client_gets_an_error_page_not_a_redirect(browser, change, reason):
    from tests.api.oidc_flow import authorize_params

    response = browser.get("/oidc/authorize?" + __import__("urllib.parse").parse.urlencode(
        {**authorize_params("x" * 43), **change}))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "text/html" in response.headers["Content-Type"]
    from chalicelib.i18n import t

    assert t(f"oidc.error.{reason}", "nl") in response.body.decode()


@pytest.mark.parametrize("name", ["response_type", "client_id", "scope", "state"])
def test_a_parameter_outside_printable_ascii_is_an_error_page_not_a_server_error(browser, name):
    from urllib.parse import urlencode

    from tests.api.oidc_flow import authorize_params

    response = browser.get("/oidc/authorize?" + urlencode({**authorize_params("x" * 43), name: "codeÕ\u200b"}))
    assert response.status_code == 400 and "Location" not in response.headers
    from chalicelib.i18n import t

    assert t("oidc.error.invalid_request", "nl") in response.body.decode()


def test_a_logout_parameter_outside_printable_ascii_gets_the_logout_error_page(client):
    from urllib.parse import urlencode

    from chalicelib.i18n import t

    query = urlencode({"client_id": "mijn-aangifte", "post_logout_redirect_uri": "https://aangifte.example/\u00e9"})
    response = client.http.get(f"/oidc/logout?{query}", headers={"Host": "127.0.0.1:8000"})
    assert response.status_code == 400 and "Location" not in response.headers
    assert t("oidc.error.logout", "nl") in response.body.decode("utf-8")


def test_a_grant_type_outside_printable_ascii_is_invalid_request(client):
    from tests.api.oidc_flow import basic, token

    response = token(client, {"grant_type": "authorization_codeÕ", "code": "x"}, basic())
    assert response.status_code == 400 and payload(response)["error"] == "invalid_request"


def test_a_wrong_client_secret_or_unknown_client_is_invalid_client(browser, client):
    from tests.api.oidc_flow import basic, token

    code, verifier = code_for(browser)
    form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": "https://aangifte.example/callback"}
    wrong = token(client, form, basic(secret="not-the-secret"))
    assert wrong.status_code == 401 and payload(wrong)["error"] == "invalid_client"
    unknown = token(client, form, basic(client_id="nobody"))
    assert unknown.status_code == 401 and payload(unknown)["error"] == "invalid_client"
    assert exchange(client, code, verifier).status_code == 200  # the code survived the failed attempts


def test_refresh_rotates_and_reusing_a_used_refresh_token_revokes_the_family(browser, client):
    from tests.api.oidc_flow import refresh

    first = _ok_tokens(browser, client)
    second = payload(refresh(client, first["refresh_token"]))
    assert second["refresh_token"] != first["refresh_token"] and "access_token" in second
    reused = refresh(client, first["refresh_token"])
    assert payload(reused)["error"] == "invalid_grant"
    # The whole family ends: the newest refresh token and access token stop working too.
    assert payload(refresh(client, second["refresh_token"]))["error"] == "invalid_grant"
    info = client.http.get("/api/v1/oidc/userinfo", headers={"Authorization": f"Bearer {second['access_token']}",
                                                       "Host": "127.0.0.1:8000"})
    assert info.status_code == 401


def test_prompt_none_without_a_session_is_login_required(make_api, client):
    from tests.api.oidc_flow import authorize, authorize_params, redirect_params

    register()
    params = redirect_params(authorize(Browser(make_api()), authorize_params("x" * 43, prompt="none")))
    assert params == {"error": "login_required", "state": "st-123"}


def test_without_a_session_the_login_comes_first_and_the_request_resumes_after_it(make_api, client, full_login):
    from tests.api.oidc_flow import authorize, authorize_params, pkce, redirect_params

    register()
    api = make_api()
    browser = Browser(api)
    _, challenge = pkce()
    response = authorize(browser, authorize_params(challenge))
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    full_login(api, "jan.jansen")
    portal = browser.get("/portal")
    assert portal.headers["Location"] == "/oidc/authorize/continue"
    assert "code" in redirect_params(browser.get("/oidc/authorize/continue"))


@pytest.mark.parametrize("extra", [{"prompt": "login"}, {"max_age": "0"}])
def test_prompt_login_and_max_age_force_a_fresh_login(browser, client, full_login, extra):
    import time

    from chalicelib import clock
    from tests.api.oidc_flow import authorize, authorize_params, pkce, redirect_params

    _, challenge = pkce()
    clock.pin(time.time() + 5)
    try:
        response = authorize(browser, authorize_params(challenge, **extra))
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        full_login(browser.api, "jan.jansen")  # a new login, after the request began
        assert "code" in redirect_params(browser.get("/oidc/authorize/continue"))
    finally:
        clock.pin(None)


def test_an_acr_demand_above_the_session_forces_a_login_then_errors_when_not_reached(browser, client, full_login):
    import time

    from chalicelib import clock
    from chalicelib.services.oidc import ACR_PASSKEY
    from tests.api.oidc_flow import authorize, authorize_params, pkce, redirect_params

    _, challenge = pkce()
    clock.pin(time.time() + 5)
    try:
        response = authorize(browser, authorize_params(challenge, acr_values=ACR_PASSKEY))
        assert response.headers["Location"] == "/login"
        full_login(browser.api, "jan.jansen")  # a login without a passkey
        params = redirect_params(browser.get("/oidc/authorize/continue"))
        assert params["error"] == "unmet_authentication_requirements"
    finally:
        clock.pin(None)


def test_a_passkey_session_meets_the_client_s_required_acr_and_tokens_carry_it(api, client, full_login):
    from chalicelib.services.oidc import ACR_PASSKEY
    from chalicelib.storage.sessions import Session

    register(min_acr=ACR_PASSKEY)
    full_login(api, "jan.jansen")
    for session in Session.scan():
        session.amr = {"pwd", "hwk", "user"}
        session.save()
    tokens = _ok_tokens(Browser(api), client)
    claims = _id_claims(tokens)
    assert claims["acr"] == ACR_PASSKEY and claims["amr"] == ["hwk", "pwd", "user"]


def test_userinfo_refuses_a_missing_or_forged_token(client):
    assert client.http.get("/api/v1/oidc/userinfo", headers={"Host": "127.0.0.1:8000"}).status_code == 401
    forged = client.http.get("/api/v1/oidc/userinfo", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30.",
                                                         "Host": "127.0.0.1:8000"})
    assert forged.status_code == 401


def _deliveries(monkeypatch) -> list[tuple[str, str]]:
    from chalicelib.services import oidc_logout

    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(oidc_logout, "post_logout_token", lambda uri, token: sent.append((uri, token)) or True)
    return sent


def _logout_claims(token: str, client) -> dict:
    import json

    import jwt as pyjwt

    jwks = json.loads(client.http.get("/oidc/jwks", headers={"Host": "127.0.0.1:8000"}).body)
    kid = pyjwt.get_unverified_header(token)["kid"]
    key = pyjwt.PyJWK(next(key for key in jwks["keys"] if key["kid"] == kid))
    return pyjwt.decode(token, key.key, algorithms=["RS256"], audience="mijn-aangifte")


def test_logout_sends_a_signed_back_channel_logout_token_and_ends_the_refresh_tokens(browser, client, monkeypatch):
    from chalicelib.services import oidc_logout
    from tests.api.oidc_flow import refresh

    sent = _deliveries(monkeypatch)
    tokens = _ok_tokens(browser, client)
    sid = _id_claims(tokens)["sid"]
    response = browser.api.post("/api/v1/auth/logout", {}, headers={"Cookie": f"portal_session={browser.api.cookie}; "
                                                                              "oidc_client_logins=1"})
    assert response.status_code == 204
    assert payload(refresh(client, tokens["refresh_token"]))["error"] == "invalid_grant"
    assert oidc_logout.run()["delivered"] == 1
    uri, token = sent[0]
    assert uri == "https://aangifte.example/backchannel"
    claims = _logout_claims(token, client)
    assert claims["sid"] == sid and claims["sub"] == _id_claims(tokens)["sub"]
    assert "http://schemas.openid.net/event/backchannel-logout" in claims["events"] and "nonce" not in claims
    assert oidc_logout.run()["delivered"] == 0  # delivered once


def test_an_ended_session_is_found_by_the_runner_without_any_hook(browser, client, monkeypatch):
    from chalicelib.services import oidc_logout
    from chalicelib.storage.sessions import Session

    sent = _deliveries(monkeypatch)
    _ok_tokens(browser, client)
    for session in Session.scan():
        session.delete()  # gone however it ended (expiry, an epoch bump): the runner sees it
    assert oidc_logout.run()["delivered"] == 1 and len(sent) == 1


def test_a_failed_delivery_is_retried_later_and_audited_when_given_up(browser, client, monkeypatch):
    import time

    from chalicelib import clock
    from chalicelib.services import oidc_logout
    from chalicelib.storage.audit import AuditEvent
    from chalicelib.storage.sessions import Session

    monkeypatch.setattr(oidc_logout, "post_logout_token", lambda uri, token: False)
    _ok_tokens(browser, client)
    for session in Session.scan():
        session.delete()
    now = int(time.time())
    assert oidc_logout.run(now)["waiting"] == 1
    assert oidc_logout.run(now)["waiting"] == 0  # not due before its back-off
    for attempt in range(1, oidc_logout.MAX_ATTEMPTS):
        now += 60 * 2 ** attempt
        clock.pin(now)
        try:
            oidc_logout.run(now)
        finally:
            clock.pin(None)
    events = [event for event in AuditEvent.scan() if event.action == "oidc.backchannel_logout"]
    assert [event.outcome for event in events] == ["failure"]


def test_private_key_jwt_client_authentication_and_its_refusals(api, client, full_login):
    import time
    import uuid

    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric import ec
    from joserfc.jwk import ECKey

    from tests.api.oidc_flow import REDIRECT, token

    private = ec.generate_private_key(ec.SECP256R1())
    public_jwk = ECKey.import_key(private.public_key()).as_dict(private=False)
    public_jwk["kid"] = "rp-key-1"
    register("keyed-app", auth_method="private_key_jwt", jwks={"keys": [public_jwk]}, secret=None)
    full_login(api, "jan.jansen")
    browser = Browser(api)

    def assertion(key=private, expires_in=60, jti=None):  # type: ignore[no-untyped-def]
        now = int(time.time())
        claims = {"iss": "keyed-app", "sub": "keyed-app", "aud": "http://127.0.0.1:8000/oidc/token",
                  "iat": now, "exp": now + expires_in, "jti": jti or str(uuid.uuid4())}
        return pyjwt.encode(claims, key, algorithm="ES256", headers={"kid": "rp-key-1"})

    def exchange_with(signed: str, code: str, verifier: str):  # type: ignore[no-untyped-def]
        return token(client, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                              "code_verifier": verifier, "client_assertion": signed,
                              "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})

    code, verifier = code_for(browser, client_id="keyed-app")
    other_key = ec.generate_private_key(ec.SECP256R1())
    assert payload(exchange_with(assertion(key=other_key), code, verifier))["error"] == "invalid_client"
    assert payload(exchange_with(assertion(expires_in=-120), code, verifier))["error"] == "invalid_client"
    used = assertion()
    assert exchange_with(used, code, verifier).status_code == 200
    code, verifier = code_for(browser, client_id="keyed-app")
    replayed = exchange_with(used, code, verifier)
    assert replayed.status_code in (400, 401) and payload(replayed)["error"] == "invalid_client"
    assert exchange_with(assertion(), code, verifier).status_code == 200


def test_userinfo_under_temporary_trouble_is_a_json_503_not_a_page(browser, client, monkeypatch):
    import botocore.exceptions

    from chalicelib.storage import oidc as store

    tokens = _ok_tokens(browser, client)

    def throttled(*_args, **_kwargs):
        raise botocore.exceptions.ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
                                               "ResponseMetadata": {"HTTPStatusCode": 400}}, "GetItem")

    monkeypatch.setattr(store, "get_grant", throttled)
    info = client.http.get("/api/v1/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}",
                                                             "Host": "127.0.0.1:8000"})
    assert info.status_code == 503 and info.headers["Content-Type"].startswith("application/json")
    assert payload(info)["error"] == "temporarily_unavailable" and info.headers["Retry-After"] == "2"


def test_a_browsers_logout_get_without_a_content_type_gets_the_confirmation_page(client):
    response = client.http.get("/oidc/logout?lang=en", headers={"Host": "127.0.0.1:8000"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "Log out?" in response.body.decode("utf-8")


@pytest.fixture
def empty_signing_secret(aws):
    """A stage right after its first deployment: the template made the signing-key secret empty."""
    from chalicelib.settings import get_settings
    from chalicelib.storage import signing_keys

    client, name = signing_keys._client(), get_settings().signing_keys_secret
    before = client.get_secret_value(SecretId=name)["SecretString"]
    client.put_secret_value(SecretId=name, SecretString="{}")
    signing_keys.forget_cached()
    yield
    client.put_secret_value(SecretId=name, SecretString=before)
    signing_keys.forget_cached()


def test_with_an_empty_signing_secret_jwks_and_token_answer_503_until_the_runner_adds_a_key(browser, client,
                                                                                            empty_signing_secret):
    from chalicelib.services import oidc_logout

    code, verifier = code_for(browser)
    jwks = client.http.get("/oidc/jwks", headers={"Host": "127.0.0.1:8000"})
    assert jwks.status_code == 503 and payload(jwks)["error"] == "temporarily_unavailable"
    assert jwks.headers["Retry-After"]
    refused = exchange(client, code, verifier)
    assert refused.status_code == 503 and payload(refused)["error"] == "temporarily_unavailable"
    oidc_logout.run()  # the runner's next minute: the first key
    assert client.http.get("/oidc/jwks", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    # The refused exchange used nothing up: the same code works now.
    assert exchange(client, code, verifier).status_code == 200
