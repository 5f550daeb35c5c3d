"""Taxpayers as clients (docs/api.md "Taxpayers as clients"): every authorization on the caller's CRIB,
confirming and revoking one. Role `taxpayer`, full session."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import context, current_request, json_response, language, route
from chalicelib.api.representative import ERROR, ERRORS, parameter, query, schema_response
from chalicelib.services import authorizations
from chalicelib.services.sessions import Authenticated

blueprint = Blueprint(__name__)
API = "/api/v1/authorizations"
CLIENTS = frozenset({"taxpayer"})


@route(blueprint, API, methods=["GET"], auth="full", roles=CLIENTS)
def list_authorizations(current: Authenticated) -> Response:
    return json_response(authorizations.list_for_client(current.user, query("cursor"), language(current_request())))


@route(blueprint, f"{API}/{{authorization_id}}/confirm", methods=["POST"], auth="full", roles=CLIENTS)
def confirm(current: Authenticated, authorization_id: str) -> Response:
    authorizations.confirm(current.user, authorization_id, context(current_request()))
    return Response(body="", status_code=204)


@route(blueprint, f"{API}/{{authorization_id}}/revoke", methods=["POST"], auth="full", roles=CLIENTS)
def revoke(current: Authenticated, authorization_id: str) -> Response:
    authorizations.revoke(current.user, authorization_id, context(current_request()))
    return Response(body="", status_code=204)


_ROLE = {"security": [{"session": []}], "tags": ["clients"]}
_ID = parameter("authorization_id", "path", "The authorization's id")
_CHANGE_RESPONSES = {**ERRORS, "404": ERROR,
                     "409": {"$ref": "#/components/responses/Error"}}

OPENAPI = {
    API: {
        "get": {**_ROLE, "summary": "Every authorization on the caller's CRIB, newest first",
                "parameters": [parameter("cursor", "query", "From the previous page")],
                "responses": {"200": schema_response("AuthorizationPage", "A page of authorizations"), **ERRORS}},
    },
    f"{API}/{{authorization_id}}/confirm": {
        "post": {**_ROLE, "summary": "Confirm a pending authorization (it becomes active)",
                 "parameters": [_ID], "requestBody": {"$ref": "#/components/requestBodies/Empty"},
                 "responses": {"204": {"description": "Confirmed; notice sent"}, **_CHANGE_RESPONSES}},
    },
    f"{API}/{{authorization_id}}/revoke": {
        "post": {**_ROLE, "summary": "Revoke a pending or active authorization",
                 "parameters": [_ID], "requestBody": {"$ref": "#/components/requestBodies/Empty"},
                 "responses": {"204": {"description": "Revoked; notice sent"}, **_CHANGE_RESPONSES}},
    },
}
