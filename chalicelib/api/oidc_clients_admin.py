"""The support desk's side of the OpenID Connect provider (docs/api.md "Support desk", docs/oidc.md):
list the registered tax applications, register one, disable one. Staff role with 2FA, full session, a
reason for every change; the staff rules are checked (and a refusal audited) before the body is read."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.admin import staff_action
from chalicelib.api.bodies import Body, Field, optional, reason
from chalicelib.api.http import context, current_request, json_response, route
from chalicelib.api.openapi_fragments import ERROR, GUARDED_ERRORS, NULLABLE, STAFF, STRING, parameter, response
from chalicelib.services import oidc_client_desk
from chalicelib.services.accounts import STAFF_ROLES
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)
API = "/admin/oidc-clients"

_URIS = {"items": {"type": "string"}, "maxItems": oidc_client_desk.MAX_URIS}
NEW_CLIENT = Body({
    "name": Field(str),
    "redirect_uris": Field(list, schema=_URIS),
    "post_logout_redirect_uris": optional(list, **_URIS),
    "backchannel_logout_uri": optional(str, description="Where the portal POSTs logout tokens"),
    "token_endpoint_auth_method": Field(str, schema={"enum": list(oidc_client_desk.AUTH_METHODS)}),
    "jwks": optional(dict, description="The client's public keys (private_key_jwt only)"),
    "scopes": optional(list, items={"type": "string"},
                       description="What it may ask for, among discovery's scopes_supported; openid required "
                                   "(default openid profile email crib)"),
    "reason": reason(),
}, name="NewOidcClient")
REASON = Body({"reason": reason()}, name="Reason")


@route(blueprint, API, methods=["GET"], access=Access.FULL, roles=STAFF_ROLES)
def list_clients(current: Authenticated) -> Response:
    return json_response(oidc_client_desk.list_clients(current.user))


@staff_action(blueprint, API, "oidc.client_registered", NEW_CLIENT)
def register_client(current: Authenticated, body: dict) -> Response:
    registered = oidc_client_desk.register(
        current.user, name=body["name"], redirect_uris=body["redirect_uris"],
        post_logout_redirect_uris=body.get("post_logout_redirect_uris") or [],
        backchannel_logout_uri=body.get("backchannel_logout_uri"),
        auth_method=body["token_endpoint_auth_method"], jwks=body.get("jwks"), scopes=body.get("scopes"),
        reason=body.get("reason"),
        context=context(current_request()))
    return json_response(registered, status=201)


@staff_action(blueprint, f"{API}/{{client_id}}/disable", "oidc.client_disabled")
def disable_client(current: Authenticated, client_id: str, body: dict) -> Response:
    oidc_client_desk.disable(current.user, client_id, body.get("reason"), context(current_request()))
    return Response(body="", status_code=204)


# ---------------------------------------------------------------- OpenAPI

_CLIENT_ID = parameter("client_id", "path", "The application's client id")
_STRINGS = {"type": "array", "items": STRING}

OPENAPI = {
    API: {
        "get": {**STAFF, "summary": "The registered tax applications (OpenID Connect clients)",
                "responses": {"200": response("Every registered application", "OidcClientList"), **GUARDED_ERRORS}},
        "post": {**STAFF, "summary": "Register a tax application",
                 "description": "Redirect URIs are compared exactly: https (http only on 127.0.0.1 or "
                                "localhost), no fragment. With client_secret_basic the answer holds the "
                                "secret, once; with private_key_jwt `jwks` is required.",
                 "responses": {"201": response("Registered; recorded in the audit trail", "RegisteredOidcClient"),
                               **GUARDED_ERRORS}},
    },
    f"{API}/{{client_id}}/disable": {
        "post": {**STAFF, "summary": "Disable a tax application: no more logins, its tokens stop working",
                 "parameters": [_CLIENT_ID],
                 "responses": {"204": response("Disabled; recorded in the audit trail"), **GUARDED_ERRORS,
                               "404": ERROR, "409": ERROR}},
    },
}

_CLIENT_PROPERTIES = {
    "client_id": STRING, "name": STRING, "redirect_uris": _STRINGS, "post_logout_redirect_uris": _STRINGS,
    "backchannel_logout_uri": NULLABLE, "token_endpoint_auth_method": STRING, "scopes": _STRINGS,
    "disabled": {"type": "boolean"}, "created_at": {"type": "integer"},
}
OPENAPI_COMPONENTS = {
    "schemas": {
        "OidcClient": {"type": "object", "required": list(_CLIENT_PROPERTIES), "properties": _CLIENT_PROPERTIES},
        "OidcClientList": {"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/OidcClient"}}}},
        "RegisteredOidcClient": {
            "type": "object", "required": list(_CLIENT_PROPERTIES) + ["client_secret"],
            "properties": {**_CLIENT_PROPERTIES, "client_secret": {
                "type": ["string", "null"], "description": "client_secret_basic only; shown this once"}},
        },
    },
}
