"""The OpenID Connect provider's endpoints (docs/api.md "OpenID Connect provider").

Chalice has no Authlib integration; this module is the thin adapter: it turns Chalice's request into
Authlib's request (method, URL, headers, query or form parameters) and Authlib's (status, body,
headers) into Chalice's response. What each endpoint does is in services/oidc_endpoints.py.

The browser arrives at /oidc/authorize from the client's site, so the portal's session cookie
(SameSite=Strict) is not sent with it. The request is checked, kept in a signed SameSite=Lax cookie
for 10 minutes, and the page continues at /oidc/authorize/continue from the portal's own origin,
where the session is seen; a visitor without the login the request needs goes through the login
pages, and /portal sends them back there (pages.portal_page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from chalice import Blueprint, Response

from chalicelib.api.http import context as request_context
from chalicelib.api.http import cookies, current_request, json_response
from chalicelib.api.http import origin as request_origin
from chalicelib.api.pages import LOGIN_PAGE, guarded_page, page, page_for, redirect
from chalicelib.errors import PortalError
from chalicelib.roles import Role
from chalicelib.services.sessions import Access, Authenticated
from chalicelib.settings import get_settings
from chalicelib.storage.signing_keys import NoSigningKeyError

if TYPE_CHECKING:
    from chalicelib.services.oidc import Answer, Request
    from chalicelib.services.oidc_endpoints import Outcome, Pending

# Authlib, joserfc and cryptography are imported by the views that use them, never at module level:
# importing the app (every cold start) and the login path stay without them (tests/unit/test_cold_imports.py).

blueprint = Blueprint(__name__)

CONTINUE_PAGE = "/oidc/authorize/continue"
CHOOSER_PAGE = "/oidc/represent"
FORM = "application/x-www-form-urlencoded"


def pending_cookie_name() -> str:
    return "oidc_pending" if get_settings().is_local else "__Host-oidc_pending"


def _endpoints():  # type: ignore[no-untyped-def]
    from chalicelib.services import oidc_endpoints

    return oidc_endpoints


def pending_cookie(value: str, max_age: int | None = None) -> str:
    if max_age is None:
        max_age = _endpoints().PENDING_SECONDS
    secure = "" if get_settings().is_local else "; Secure"
    return f"{pending_cookie_name()}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"


def cleared_pending_cookie() -> str:
    return pending_cookie("", max_age=0)


# Set when the browser's session logged in to a tax application: its logout then looks for the client
# logins to end at once (an ordinary logout stays one DynamoDB request). Only a hint: without it the
# logout runner finds the ended session at the grant's next check (services/oidc_logout.py).
CLIENT_LOGINS_COOKIE = "oidc_client_logins"


def client_logins_cookie() -> str:
    secure = "" if get_settings().is_local else "; Secure"
    return f"{CLIENT_LOGINS_COOKIE}=1; Path=/; HttpOnly; SameSite=Strict{secure}"


def pending_request() -> Pending | None:
    """The authorization request the browser is logging in for (None when there is none or it expired)."""
    from chalicelib.services.oidc_endpoints import Pending

    return Pending.open(cookies(current_request()).get(pending_cookie_name()))


def issuer() -> str:
    return request_origin(current_request()) or ""


# ---------------------------------------------------------------- the adapter


def _query_pairs() -> list[tuple[str, str]]:
    params = current_request().query_params
    if not params:
        return []
    return [(name, value) for name in params for value in params.getlist(name)]


def _form_pairs() -> list[tuple[str, str]]:
    raw = current_request().raw_body or b""
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return []


def oauth_request(path: str) -> Request:
    """Authlib's request for the current Chalice request."""
    from chalicelib.services.oidc import Request

    request = current_request()
    method = request.method.upper()
    query = _query_pairs()
    form = _form_pairs() if method == "POST" else []
    uri = f"{issuer()}{path}" + (f"?{urlencode(query)}" if query else "")
    return Request(method, uri, dict(request.headers or {}), query, form)


def oauth_response(answer: Answer) -> Response:
    headers = {name: value for name, value in answer.headers.items() if name.lower() != "content-type"}
    if isinstance(answer.body, dict):
        return json_response(answer.body, answer.status, headers)
    return Response(body=answer.body or "", status_code=answer.status, headers=headers)


def _unavailable() -> Response:
    return json_response({"error": "temporarily_unavailable",
                          "error_description": "No signing key is active yet."}, 503, {"Retry-After": "60"})


# ---------------------------------------------------------------- discovery and keys


@blueprint.route("/.well-known/openid-configuration", methods=["GET"])
def configuration() -> Response:
    return json_response(_endpoints().discovery(issuer()), headers={"Cache-Control": "public, max-age=300"})


@blueprint.route("/oidc/jwks", methods=["GET"])
def jwks() -> Response:
    try:
        return json_response(_endpoints().jwks(), headers={"Cache-Control": "public, max-age=300"})
    except NoSigningKeyError:
        return _unavailable()


# ---------------------------------------------------------------- authorization endpoint


def _error_page(reason: str) -> Response:
    return page("oidc_error.html", status=400, reason=reason)


def _outcome_response(outcome: Outcome) -> Response:
    if outcome.kind == "redirect":
        response = redirect(outcome.location or "/")
        issued = "code=" in (outcome.location or "")
        response.headers["Set-Cookie"] = [cleared_pending_cookie(), client_logins_cookie()] if issued else (
            cleared_pending_cookie())
        return response
    if outcome.kind == "error":
        response = _error_page(outcome.error or "invalid_request")
        response.headers["Set-Cookie"] = cleared_pending_cookie()
        return response
    assert outcome.pending is not None  # noqa: S101 - login, choose and resume carry the request
    cookie = pending_cookie(outcome.pending.seal())
    if outcome.kind == "resume":
        response = page("oidc_continue.html", target=CONTINUE_PAGE)
    elif outcome.kind == "choose":
        response = redirect(CHOOSER_PAGE + ("?ended=1" if outcome.error else ""))
    else:
        response = redirect(LOGIN_PAGE)
    response.headers["Set-Cookie"] = cookie
    return response


@blueprint.route("/oidc/authorize", methods=["GET"])
def authorize() -> Response:
    outcome = _endpoints().start(issuer(), _query_pairs(), request_context(current_request()))
    return _outcome_response(outcome)


def _current() -> Authenticated | None:
    from chalicelib.api.http import authenticate

    try:
        return authenticate(current_request())
    except PortalError:
        return None


@blueprint.route(CONTINUE_PAGE, methods=["GET"])
def authorize_continue() -> Response:
    outcome = _endpoints().resume(issuer(), pending_request(), _current(), request_context(current_request()))
    return _outcome_response(outcome)


@guarded_page(blueprint, CHOOSER_PAGE, Access.FULL, roles=frozenset({Role.REPRESENTATIVE}))
def chooser(current: Authenticated) -> Response:
    from chalicelib.services import oidc_representation

    ended = (current_request().query_params or {}).get("ended") == "1"
    return page_for(current, "oidc_represent.html", clients=oidc_representation.choices(current.user), ended=ended)


# ---------------------------------------------------------------- token and logout (userinfo: api/oidc_resource.py)


@blueprint.route("/oidc/token", methods=["POST"], content_types=[FORM])
def token() -> Response:
    try:
        return oauth_response(_endpoints().token(issuer(), oauth_request("/oidc/token"),
                                              request_context(current_request())))
    except NoSigningKeyError:
        return _unavailable()


# A browser's GET has no body and no Content-Type (Chalice would answer 415 for a route bound to the
# form type), so the two methods are two routes.
@blueprint.route("/oidc/logout", methods=["GET"])
def logout() -> Response:
    return _logout()


@blueprint.route("/oidc/logout", methods=["POST"], content_types=[FORM])
def logout_form() -> Response:
    return _logout()


def _logout() -> Response:
    outcome = _endpoints().logout(issuer(), oauth_request("/oidc/logout"), request_context(current_request()))
    if outcome.kind == "redirect":
        return redirect(outcome.location or "/")
    if outcome.kind == "confirm":
        return page("oidc_logout.html", client_name=outcome.client_name)
    if outcome.kind == "error":
        return _error_page("logout")
    return redirect("/logged-out")


_FORM_BODY = {"required": True, "content": {FORM: {"schema": {"type": "object", "additionalProperties": {
    "type": "string"}}}}}
_OAUTH_ERROR = {"description": "OAuth 2.0 error (RFC 6749 5.2): {error, error_description}",
                "content": {"application/json": {"schema": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"}, "error_description": {"type": "string"}}}}}}
_JSON_OBJECT = {"content": {"application/json": {"schema": {"type": "object"}}}}

OPENAPI = {
    "/.well-known/openid-configuration": {"get": {
        "summary": "OpenID Provider metadata (OpenID Connect Discovery 1.0)", "tags": ["oidc"],
        "responses": {"200": {"description": "Provider metadata", **_JSON_OBJECT}}}},
    "/oidc/jwks": {"get": {
        "summary": "The provider's public signing keys (JWKS)", "tags": ["oidc"],
        "responses": {"200": {"description": "JWK Set", **_JSON_OBJECT},
                      "503": {"description": "No signing key active yet"}}}},
    "/oidc/authorize": {"get": {
        "summary": "Authorization endpoint: code flow with PKCE S256", "tags": ["oidc"],
        "parameters": [{"name": name, "in": "query", "required": name in (
            "client_id", "redirect_uri", "response_type", "scope", "code_challenge", "code_challenge_method"),
            "schema": {"type": "string"}} for name in (
            "client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge",
            "code_challenge_method", "prompt", "max_age", "acr_values", "ui_locales")],
        "responses": {"200": {"description": "Continues on the portal's origin (the request kept in a cookie)"},
                      "302": {"description": "To the client's redirect URI with an error"},
                      "400": {"description": "Error page: unknown client or unregistered redirect URI"}}}},
    CONTINUE_PAGE: {"get": {
        "summary": "The kept authorization request answered with the browser's session", "tags": ["oidc"],
        "responses": {"302": {"description": "To the client (code or error), the login, or the client chooser"},
                      "400": {"description": "Error page: no (or an expired) authorization request"}}}},
    "/oidc/token": {"post": {
        "summary": "Token endpoint: authorization_code (with code_verifier) and refresh_token (rotated)",
        "tags": ["oidc"], "requestBody": _FORM_BODY,
        "responses": {"200": {"description": "access_token, id_token, refresh_token, expires_in", **_JSON_OBJECT},
                      "400": _OAUTH_ERROR, "401": _OAUTH_ERROR}}},
    "/oidc/logout": {
        method: {"summary": "RP-initiated logout (id_token_hint, post_logout_redirect_uri, state)",
                 "tags": ["oidc"], **({"requestBody": _FORM_BODY} if method == "post" else {}),
                 "responses": {"302": {"description": "To the registered post-logout URI, or the logged-out page"},
                               "200": {"description": "Confirmation page (no valid id_token_hint)"},
                               "400": {"description": "Error page"}}}
        for method in ("get", "post")},
}

