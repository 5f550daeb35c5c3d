"""The support desk's API (docs/api.md "Support desk"): staff only, full session, every action with a reason.

Reading routes name STAFF_ROLES. A staff action's route (staff_action below) checks the role through
the staff rules instead, so that a refusal is audited; the services then check every staff rule
(services/staff.py) and record the audit event.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.http import context, current_request, json_body, json_response, route
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import audit_trail, staff, support_desk, support_requests
from chalicelib.services.accounts import ROLES, STAFF_ROLES
from chalicelib.services.sessions import Authenticated

blueprint = Blueprint(__name__)
ADMIN = "/api/v1/admin"


def staff_action(bp: Blueprint, path: str, action: str) -> Callable:
    """The POST route of a staff action: full session, and the staff role checked (and a refusal
    audited as `denied`) before the body is read, so a caller without it gets 403 whatever they sent."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(current: Authenticated, **path_params: Any) -> Response:
            staff.authorize_role(current.user, action, context(current_request()), path_params.get("username"))
            return view(current, **path_params)

        route(bp, path, methods=["POST"], auth="full")(guarded)
        return view

    return decorator


def _query(name: str) -> str | None:
    return (current_request().query_params or {}).get(name)


def _no_content() -> Response:
    return Response(body="", status_code=204)


@route(blueprint, f"{ADMIN}/users", methods=["GET"], auth="full", roles=STAFF_ROLES)
def find_users(current: Authenticated) -> Response:
    return json_response(support_desk.find_users(current.user, _query("q") or ""))


@staff_action(blueprint, f"{ADMIN}/users", "support.create_account")
def create_user(current: Authenticated) -> Response:
    request = current_request()
    # `reason` is checked by the staff rules (a missing one is a refusal they record).
    body = json_body(request, {"username": str, "email": str, "roles": list, "crib": (str, False),
                               "language": (str, False), "reason": (str, False)})
    created = support_desk.create_account(current.user, body["username"], body["email"], body["roles"],
                                          body.get("crib"), body.get("language"), body.get("reason"),
                                          context(request))
    return json_response(created, status=201)


@route(blueprint, f"{ADMIN}/users/{{username}}", methods=["GET"], auth="full", roles=STAFF_ROLES)
def user_detail(current: Authenticated, username: str) -> Response:
    return json_response(support_desk.user_detail(current.user, username))


@staff_action(blueprint, f"{ADMIN}/users/{{username}}/unblock", "support.unblock")
def unblock(current: Authenticated, username: str) -> Response:
    request = current_request()
    body = json_body(request, {"reason": (str, False)})
    support_desk.unblock(current.user, username, body.get("reason"), context(request))
    return _no_content()


@staff_action(blueprint, f"{ADMIN}/users/{{username}}/reset-2fa", "support.reset_2fa")
def reset_second_factor(current: Authenticated, username: str) -> Response:
    request = current_request()
    body = json_body(request, {"reason": (str, False), "identity_check": (str, False)})
    support_desk.reset_second_factor(current.user, username, body.get("reason"), body.get("identity_check"),
                                     context(request))
    return _no_content()


@staff_action(blueprint, f"{ADMIN}/users/{{username}}/crib", "support.bind_crib")
def bind_crib(current: Authenticated, username: str) -> Response:
    request = current_request()
    body = json_body(request, {"crib": (str, False), "reason": (str, False)})
    # `"crib": null` unbinds; a body without `crib` at all is a mistake, not an unbinding.
    if "crib" not in body and "crib" not in json.loads((request.raw_body or b"").strip() or b"{}"):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="crib")
    return json_response(support_desk.set_crib(current.user, username, body.get("crib"), body.get("reason"),
                                               context(request)))


@route(blueprint, f"{ADMIN}/support-requests", methods=["GET"], auth="full", roles=STAFF_ROLES)
def request_queue(current: Authenticated) -> Response:
    return json_response(support_requests.queue(current.user, _query("status"), _query("cursor")))


@route(blueprint, f"{ADMIN}/support-requests/{{reference}}", methods=["GET"], auth="full", roles=STAFF_ROLES)
def request_detail(current: Authenticated, reference: str) -> Response:
    return json_response(support_requests.detail(current.user, reference))


@staff_action(blueprint, f"{ADMIN}/support-requests/{{reference}}/close", "support_request.closed")
def close_request(current: Authenticated, reference: str) -> Response:
    request = current_request()
    body = json_body(request, {"reason": (str, False)})
    support_requests.close(current.user, reference, body.get("reason"), context(request))
    return _no_content()


@route(blueprint, f"{ADMIN}/audit", methods=["GET"], auth="full", roles=STAFF_ROLES)
def audit(current: Authenticated) -> Response:
    return json_response(audit_trail.search(
        current.user, target=_query("target"), by=_query("actor"), action=_query("action"),
        since=_query("from"), until=_query("to"), cursor=_query("cursor"),
    ))


# ---------------------------------------------------------------- OpenAPI

_STAFF = {"security": [{"session": []}], "tags": ["support desk"]}
_ERRORS = {status: {"$ref": "#/components/responses/Error"} for status in ("400", "401", "403")}


def _json(schema: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _parameter(name: str, where: str, description: str) -> dict:
    return {"name": name, "in": where, "required": where == "path", "description": description,
            "schema": {"type": "string"}}


_USERNAME = _parameter("username", "path", "Username (case-insensitive)")
_REFERENCE = _parameter("reference", "path", "Reference of the request, e.g. SR-7KQ2-M9XD")
_NO_CONTENT = {"description": "Done; recorded in the audit trail"}
_NOT_FOUND = {"$ref": "#/components/responses/Error"}

OPENAPI = {
    f"{ADMIN}/users": {
        "get": {**_STAFF, "summary": "Find accounts by exact username, e-mail address or CRIB number",
                "parameters": [_parameter("q", "query", "Username, e-mail address or 9-digit CRIB number")],
                "responses": {"200": _json("UserPage", "Matching accounts"), **_ERRORS}},
        "post": {**_STAFF, "summary": "Create an account; the owner gets an activation mail to set a password",
                 "description": "Only an admin may create accounts with a staff role. A CRIB number binds to "
                                "at most one account: one already bound is a 409 `crib_taken`.",
                 "requestBody": _body("NewAccount"),
                 "responses": {"201": _json("UserSummary", "Created; activation mail sent"), **_ERRORS,
                               "409": {"$ref": "#/components/responses/Error"}}},
    },
    f"{ADMIN}/users/{{username}}": {
        "get": {**_STAFF, "summary": "An account's status for the desk: lock, 2FA, backup codes, recent events",
                "parameters": [_USERNAME],
                "responses": {"200": _json("UserStatus", "The account"), **_ERRORS, "404": _NOT_FOUND}},
    },
    f"{ADMIN}/users/{{username}}/unblock": {
        "post": {**_STAFF, "summary": "Clear the lockout and the permanent block; the owner gets a notice",
                 "parameters": [_USERNAME], "requestBody": _body("Reason"),
                 "responses": {"204": _NO_CONTENT, **_ERRORS, "404": _NOT_FOUND}},
    },
    f"{ADMIN}/users/{{username}}/reset-2fa": {
        "post": {**_STAFF, "summary": "Remove 2FA and backup codes, end all sessions, require enrollment; notice",
                 "parameters": [_USERNAME], "requestBody": _body("SecondFactorReset"),
                 "responses": {"204": _NO_CONTENT, **_ERRORS, "404": _NOT_FOUND}},
    },
    f"{ADMIN}/users/{{username}}/crib": {
        "post": {**_STAFF, "summary": "Admins only: bind a CRIB number to an existing account (null unbinds)",
                 "description": "The old CRIB is released and the new one reserved in the same transaction; "
                                "a CRIB bound to another account is a 409 `crib_taken`.",
                 "parameters": [_USERNAME], "requestBody": _body("CribBinding"),
                 "responses": {"200": _json("UserSummary", "Bound; recorded in the audit trail"), **_ERRORS,
                               "404": _NOT_FOUND, "409": {"$ref": "#/components/responses/Error"}}},
    },
    f"{ADMIN}/support-requests": {
        "get": {**_STAFF, "summary": "The queue of support requests: open first, newest first",
                "parameters": [_parameter("status", "query", "open or closed (default: both, open first)"),
                               _parameter("cursor", "query", "From the previous page")],
                "responses": {"200": _json("SupportRequestPage", "A page of requests"), **_ERRORS}},
    },
    f"{ADMIN}/support-requests/{{reference}}": {
        "get": {**_STAFF, "summary": "One support request", "parameters": [_REFERENCE],
                "responses": {"200": _json("SupportRequest", "The request"), **_ERRORS, "404": _NOT_FOUND}},
    },
    f"{ADMIN}/support-requests/{{reference}}/close": {
        "post": {**_STAFF, "summary": "Close an open request with a reason", "parameters": [_REFERENCE],
                 "requestBody": _body("Reason"),
                 "responses": {"204": _NO_CONTENT, **_ERRORS, "404": _NOT_FOUND,
                               "409": {"$ref": "#/components/responses/Error"}}},
    },
    f"{ADMIN}/audit": {
        "get": {**_STAFF, "summary": "Audit trail, newest first (read only: events are never edited or deleted)",
                "parameters": [_parameter("target", "query", "Account (or reference) the event is about"),
                               _parameter("actor", "query", "Who acted"),
                               _parameter("action", "query", "Action, or its beginning (e.g. support.)"),
                               _parameter("from", "query", "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC)"),
                               _parameter("to", "query", "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC), inclusive"),
                               _parameter("cursor", "query", "From the previous page")],
                "responses": {"200": _json("AuditPage", "A page of events"), **_ERRORS}},
    },
}

_STRING = {"type": "string"}
_NULLABLE = {"type": ["string", "null"]}
_INTEGER_OR_NULL = {"type": ["integer", "null"]}
_ROLES = {"type": "array", "items": {"type": "string", "enum": list(ROLES)}}
_SUMMARY = {"username": _STRING, "email": _STRING, "crib": _NULLABLE, "roles": _ROLES,
            "mfa_enabled": {"type": "boolean"}}


def _page(item: str) -> dict:
    return {"type": "object", "required": ["items", "cursor"],
            "properties": {"items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
                           "cursor": {**_NULLABLE, "description": "Pass as ?cursor= for the next page"}}}


OPENAPI_COMPONENTS = {
    "schemas": {
        "UserSummary": {"type": "object", "required": list(_SUMMARY), "properties": _SUMMARY},
        "UserPage": _page("UserSummary"),
        "UserStatus": {
            "type": "object",
            "required": ["username", "email", "crib", "roles", "locked", "blocked", "mfa_enabled",
                         "backup_codes_left", "last_login"],
            "properties": {
                **_SUMMARY,
                "language": _STRING, "firm_name": _NULLABLE,
                "locked": {"type": "boolean"}, "locked_until": _INTEGER_OR_NULL, "blocked": {"type": "boolean"},
                "failures": {"type": "integer"}, "second_factor_failures": {"type": "integer"},
                "backup_codes_left": {"type": "integer"},
                "passkeys": {"type": "integer", "description": "Registered passkeys"},
                "created_at": _INTEGER_OR_NULL, "last_login": _INTEGER_OR_NULL,
                "recent_events": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEvent"}},
            },
        },
        "NewAccount": {
            "type": "object", "required": ["username", "email", "roles", "reason"],
            "properties": {"username": _STRING, "email": _STRING, "crib": {**_STRING, "pattern": "^[0-9]{9}$"},
                           "roles": _ROLES, "language": {"type": "string", "enum": ["nl", "en", "pap"]},
                           "reason": _STRING},
        },
        "CribBinding": {
            "type": "object", "required": ["crib", "reason"],
            "properties": {"crib": {"type": ["string", "null"], "pattern": "^[0-9]{9}$"}, "reason": _STRING},
        },
        "Reason": {"type": "object", "required": ["reason"], "properties": {"reason": _STRING}},
        "SecondFactorReset": {
            "type": "object", "required": ["reason"],
            "properties": {
                "reason": _STRING,
                "identity_check": {"type": "string", "enum": list(support_desk.IDENTITY_CHECKS),
                                   "description": "How the owner's identity was verified (ASVS 2.5.7)"},
            },
        },
        "SupportRequest": {
            "type": "object",
            "required": ["reference", "status", "kind", "username", "email", "created_at"],
            "properties": {
                "reference": _STRING, "status": {"type": "string", "enum": ["open", "closed"]},
                "kind": {"type": "string", "enum": list(support_requests.KINDS)},
                "username": _STRING, "email": _STRING, "message": _NULLABLE, "language": _STRING,
                "created_at": {"type": "integer"}, "closed_at": _INTEGER_OR_NULL, "closed_by": _NULLABLE,
                "close_reason": _NULLABLE,
            },
        },
        "SupportRequestPage": _page("SupportRequest"),
        "AuditEvent": {
            "type": "object",
            "required": ["id", "at", "actor", "target", "action", "outcome"],
            "properties": {"id": _STRING, "at": {**_STRING, "format": "date-time"}, "actor": _STRING,
                           "target": _STRING, "action": _STRING, "outcome": _STRING, "reason": _NULLABLE,
                           "ip": _NULLABLE, "user_agent": _NULLABLE, "details": {"type": ["object", "null"]}},
        },
        "AuditPage": _page("AuditEvent"),
    },
}
