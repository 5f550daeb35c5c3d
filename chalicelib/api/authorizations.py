"""Taxpayers as clients (docs/api.md "Taxpayers as clients"): every authorization on the caller's CRIB,
confirming and revoking one. Role `taxpayer`, full session."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import context, current_request, json_response, language, query, route
from chalicelib.api.openapi_fragments import ERROR, GUARDED_ERRORS, parameter, response
from chalicelib.roles import Role
from chalicelib.services import authorizations
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)
API = "/authorizations"
CLIENTS = frozenset({Role.TAXPAYER})


@route(blueprint, API, methods=["GET"], access=Access.FULL, roles=CLIENTS)
def list_authorizations(current: Authenticated) -> Response:
    return json_response(authorizations.list_for_client(current.user, query("cursor"), language(current_request())))


@route(blueprint, f"{API}/{{authorization_id}}/confirm", methods=["POST"], access=Access.FULL, roles=CLIENTS)
def confirm(current: Authenticated, authorization_id: str) -> Response:
    authorizations.confirm(current.user, authorization_id, context(current_request()))
    return Response(body="", status_code=204)


@route(blueprint, f"{API}/{{authorization_id}}/revoke", methods=["POST"], access=Access.FULL, roles=CLIENTS)
def revoke(current: Authenticated, authorization_id: str) -> Response:
    authorizations.revoke(current.user, authorization_id, context(current_request()))
    return Response(body="", status_code=204)


_ROLE = {"tags": ["clients"]}
_ID = parameter("authorization_id", "path", "The authorization's id")
_CHANGE_RESPONSES = {**GUARDED_ERRORS, "404": ERROR, "409": ERROR}

OPENAPI = {
    API: {
        "get": {**_ROLE, "summary": "Every authorization on the caller's CRIB, newest first",
                "parameters": [parameter("cursor", "query", "From the previous page")],
                "responses": {"200": response("A page of authorizations", "AuthorizationPage"), **GUARDED_ERRORS}},
    },
    f"{API}/{{authorization_id}}/confirm": {
        "post": {**_ROLE, "summary": "Confirm a pending authorization (it becomes active)", "parameters": [_ID],
                 "responses": {"204": response("Confirmed; notice sent"), **_CHANGE_RESPONSES}},
    },
    f"{API}/{{authorization_id}}/revoke": {
        "post": {**_ROLE, "summary": "Revoke a pending or active authorization", "parameters": [_ID],
                 "responses": {"204": response("Revoked; notice sent"), **_CHANGE_RESPONSES}},
    },
}
