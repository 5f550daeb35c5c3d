"""Helpers of the OpenID Connect tests: a registered client, a browser with its cookies, the code
flow with PKCE, and the token endpoint's form posts."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

ISSUER = "http://127.0.0.1:8000"
REDIRECT = "https://aangifte.example/callback"
SECRET = "Client-Secret-For-Tests-0123456789"
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Host": "127.0.0.1:8000"}


def register(client_id: str = "mijn-aangifte", **overrides):  # type: ignore[no-untyped-def]
    from chalicelib.services.oidc_clients import register as register_client

    values = {"name": "Mijn Aangifte", "client_id": client_id, "secret": SECRET, "redirect_uris": [REDIRECT],
              "post_logout_redirect_uris": ["https://aangifte.example/bye"],
              "backchannel_logout_uri": "https://aangifte.example/backchannel",
              "scopes": ["openid", "profile", "email", "crib", "representation"]}
    values.update(overrides)
    return register_client(**values)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def basic(client_id: str = "mijn-aangifte", secret: str = SECRET) -> dict:
    token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Browser:
    """Keeps the session cookie (from an Api) and the pending authorization request's cookie."""

    def __init__(self, api) -> None:  # type: ignore[no-untyped-def]
        self.api = api
        self.pending: str | None = None

    def get(self, path: str):  # type: ignore[no-untyped-def]
        cookies = []
        if self.api.cookie:
            cookies.append(f"portal_session={self.api.cookie}")
        if self.pending:
            cookies.append(f"oidc_pending={self.pending}")
        headers = {"Host": "127.0.0.1:8000"}
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        response = self.api.client.http.get(path, headers=headers)
        for cookie in _set_cookies(response):
            name, _, rest = cookie.partition("=")
            value = rest.split(";")[0]
            if name == "oidc_pending":
                self.pending = value or None
            if name == "portal_session":
                self.api.cookie = value or None
        return response


def _set_cookies(response) -> list[str]:  # type: ignore[no-untyped-def]
    value = response.headers.get("Set-Cookie")
    if isinstance(value, list):
        return value
    return [value] if value else []


def authorize_params(challenge: str, client_id: str = "mijn-aangifte", **extra: str) -> dict:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
              "scope": "openid email crib", "state": "st-123", "nonce": "n-456", "code_challenge": challenge,
              "code_challenge_method": "S256"}
    params.update(extra)
    return {name: value for name, value in params.items() if value is not None}


def authorize(browser: Browser, params: dict):  # type: ignore[no-untyped-def]
    """The authorization request and its continuation on the portal's origin: the final response."""
    first = browser.get("/oidc/authorize?" + urlencode(params))
    if first.status_code != 200:
        return first
    return browser.get("/oidc/authorize/continue")


def redirect_params(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, (response.status_code, response.body)
    location = response.headers["Location"]
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def code_for(browser: Browser, client_id: str = "mijn-aangifte", **extra: str) -> tuple[str, str]:
    verifier, challenge = pkce()
    params = redirect_params(authorize(browser, authorize_params(challenge, client_id, **extra)))
    assert "code" in params, params
    return params["code"], verifier


def token(client, form: dict, headers: dict | None = None):  # type: ignore[no-untyped-def]
    return client.http.post("/oidc/token", body=urlencode(form), headers={**FORM, **(headers or {})})


def exchange(client, code: str, verifier: str, client_id: str = "mijn-aangifte"):  # type: ignore[no-untyped-def]
    return token(client, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                          "code_verifier": verifier}, basic(client_id))


def refresh(client, refresh_token: str, client_id: str = "mijn-aangifte"):  # type: ignore[no-untyped-def]
    return token(client, {"grant_type": "refresh_token", "refresh_token": refresh_token}, basic(client_id))


def payload(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.body)
