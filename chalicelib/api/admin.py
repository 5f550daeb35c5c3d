"""The support desk's API (docs/api.md "Support desk"): staff only, full session, every action with a reason.

Reading routes name STAFF_ROLES. A staff action's route (staff_action below) checks the role through
the staff rules instead, so that a refusal is audited; the services then check every staff rule
(services/staff.py) and record the audit event.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice import Blueprint, Response

from chalicelib.api.bodies import Body, Field, optional, reason
from chalicelib.api.http import context, current_request, json_response, query, route
from chalicelib.api.openapi_fragments import (
    ERROR,
    GUARDED_ERRORS,
    INTEGER_OR_NULL,
    LANGUAGE,
    NULLABLE,
    STAFF,
    STRING,
    page_of,
    parameter,
    response,
)
from chalicelib.services import audit_trail, identity_checks, staff, support_desk, support_requests
from chalicelib.services.accounts import ROLES, STAFF_ROLES
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)
ADMIN = "/admin"

_CRIB = {"pattern": "^[0-9]{9}$"}
_ROLES = {"type": "array", "items": {"type": "string", "enum": list(ROLES)}}
NEW_ACCOUNT = Body({
    "username": Field(str), "email": Field(str), "roles": Field(list, schema={"items": _ROLES["items"]}),
    "crib": optional(str, **_CRIB), "language": optional(str, enum=LANGUAGE["enum"]), "reason": reason(),
}, name="NewAccount")
REASON = Body({"reason": reason()}, name="Reason")
# How the desk identified the owner (ASVS 5.0 6.4.4): at least one check, checked (and a refusal
# audited) by the service; `identity_check` is the single check earlier clients send.
_IDENTITY = {
    "identity_checks": Field(list, required=False, checked_by_service=True, schema={
        "items": {"type": "string", "enum": list(identity_checks.CHECKS)}, "minItems": 1, "uniqueItems": True,
        "description": "How the owner's identity was verified: at least one check (\"other\" needs identity_note; "
                       "a 2FA reset one of a document or a channel on record)"}),
    "identity_note": optional(str, maxLength=identity_checks.NOTE_MAX,
                              description="Free text about the checks (required with \"other\")"),
}
UNBLOCK = Body({"reason": reason(), **_IDENTITY}, name="Unblock")
SECOND_FACTOR_RESET = Body({
    "reason": reason(),
    **_IDENTITY,
    "identity_check": optional(str, enum=list(identity_checks.CHECKS),
                               description="One check, as earlier clients send it (counts with identity_checks)"),
}, name="SecondFactorReset")
# `"crib": null` unbinds; a body without `crib` at all is a mistake, not an unbinding.
CRIB_BINDING = Body({"crib": Field(str, required=False, nullable=True, schema=_CRIB), "reason": reason()},
                    name="CribBinding")


def staff_action(bp: Blueprint, path: str, action: str, body: Body = REASON) -> Callable:
    """The POST route of a staff action: full session, and the staff role checked (and a refusal
    audited as `denied`) before the body is read, so a caller without it gets 403 whatever they sent."""

    def check_role(current: Authenticated, **path_params: str) -> None:
        staff.authorize_role(current.user, action, context(current_request()), path_params.get("username"))

    return route(bp, path, methods=["POST"], access=Access.FULL, body=body, guard=check_role)


def _no_content() -> Response:
    return Response(body="", status_code=204)


@route(blueprint, f"{ADMIN}/users", methods=["GET"], access=Access.FULL, roles=STAFF_ROLES)
def find_users(current: Authenticated) -> Response:
    return json_response(support_desk.find_users(current.user, query("q") or ""))


@staff_action(blueprint, f"{ADMIN}/users", "support.create_account", NEW_ACCOUNT)
def create_user(current: Authenticated, body: dict) -> Response:
    # `reason` is checked by the staff rules (a missing one is a refusal they record).
    created = support_desk.create_account(current.user, body["username"], body["email"], body["roles"],
                                          body.get("crib"), body.get("language"), body.get("reason"),
                                          context(current_request()))
    return json_response(created, status=201)


@route(blueprint, f"{ADMIN}/users/{{username}}", methods=["GET"], access=Access.FULL, roles=STAFF_ROLES)
def user_detail(current: Authenticated, username: str) -> Response:
    return json_response(support_desk.user_detail(current.user, username))


@staff_action(blueprint, f"{ADMIN}/users/{{username}}/unblock", "support.unblock", UNBLOCK)
def unblock(current: Authenticated, username: str, body: dict) -> Response:
    support_desk.unblock(current.user, username, body.get("reason"), context(current_request()),
                         checks=body.get("identity_checks"), note=body.get("identity_note"))
    return _no_content()


@staff_action(blueprint, f"{ADMIN}/users/{{username}}/reset-2fa", "support.reset_2fa", SECOND_FACTOR_RESET)
def reset_second_factor(current: Authenticated, username: str, body: dict) -> Response:
    pending = support_desk.reset_second_factor(
        current.user, username, body.get("reason"), context(current_request()),
        checks=body.get("identity_checks"), note=body.get("identity_note"), single=body.get("identity_check"))
    return _no_content() if pending is None else json_response({"approval": pending}, status=202)


@staff_action(blueprint, f"{ADMIN}/users/{{username}}/crib", "support.bind_crib", CRIB_BINDING)
def bind_crib(current: Authenticated, username: str, body: dict) -> Response:
    return json_response(support_desk.set_crib(current.user, username, body["crib"], body.get("reason"),
                                               context(current_request())))


@route(blueprint, f"{ADMIN}/support-requests", methods=["GET"], access=Access.FULL, roles=STAFF_ROLES)
def request_queue(current: Authenticated) -> Response:
    return json_response(support_requests.queue(current.user, query("status"), query("cursor")))


@route(blueprint, f"{ADMIN}/support-requests/{{reference}}", methods=["GET"], access=Access.FULL,
       roles=STAFF_ROLES)
def request_detail(current: Authenticated, reference: str) -> Response:
    return json_response(support_requests.detail(current.user, reference))


@staff_action(blueprint, f"{ADMIN}/support-requests/{{reference}}/close", "support_request.closed")
def close_request(current: Authenticated, reference: str, body: dict) -> Response:
    support_requests.close(current.user, reference, body.get("reason"), context(current_request()))
    return _no_content()


@route(blueprint, f"{ADMIN}/audit", methods=["GET"], access=Access.FULL, roles=STAFF_ROLES)
def audit(current: Authenticated) -> Response:
    return json_response(audit_trail.search(
        current.user, target=query("target"), by=query("actor"), action=query("action"),
        since=query("from"), until=query("to"), cursor=query("cursor"),
    ))


# ---------------------------------------------------------------- OpenAPI

_USERNAME = parameter("username", "path", "Username (case-insensitive)")
_REFERENCE = parameter("reference", "path", "Reference of the request, e.g. SR-7KQ2-M9XD")
_NO_CONTENT = response("Done; recorded in the audit trail")

OPENAPI = {
    f"{ADMIN}/users": {
        "get": {**STAFF, "summary": "Find accounts by exact username, e-mail address or CRIB number",
                "parameters": [parameter("q", "query", "Username, e-mail address or 9-digit CRIB number")],
                "responses": {"200": response("Matching accounts", "UserPage"), **GUARDED_ERRORS}},
        "post": {**STAFF, "summary": "Create an account; the owner gets an activation mail to set a password",
                 "description": "Only an admin may create accounts with a staff role. A CRIB number binds to "
                                "at most one account: one already bound is a 409 `crib_taken`.",
                 "responses": {"201": response("Created; activation mail sent", "UserSummary"), **GUARDED_ERRORS,
                               "409": ERROR}},
    },
    f"{ADMIN}/users/{{username}}": {
        "get": {**STAFF, "summary": "An account's status for the desk: lock, 2FA, backup codes, recent events",
                "parameters": [_USERNAME],
                "responses": {"200": response("The account", "UserStatus"), **GUARDED_ERRORS, "404": ERROR}},
    },
    f"{ADMIN}/users/{{username}}/unblock": {
        "post": {**STAFF, "summary": "Clear the lockout and the permanent block; the owner gets a notice",
                 "description": "Needs at least one identity check (`identity_checks`); without one: 400 naming "
                                "`identity_checks`, recorded as `denied`.",
                 "parameters": [_USERNAME], "responses": {"204": _NO_CONTENT, **GUARDED_ERRORS, "404": ERROR}},
    },
    f"{ADMIN}/users/{{username}}/reset-2fa": {
        "post": {**STAFF, "summary": "Remove 2FA and backup codes, end all sessions, require enrollment; notice",
                 "description": "Needs at least one identity check (`identity_checks`, or an earlier client's "
                                "`identity_check`); without one: 400 naming `identity_checks`. A representative's "
                                "or staff account's reset needs a second staff member: 202 with the pending "
                                "approval, applied by `POST /admin/approvals/{approval_id}/approve`.",
                 "parameters": [_USERNAME],
                 "responses": {"204": _NO_CONTENT,
                               "202": response("Waiting for a second staff member's approval", "ApprovalRequested"),
                               **GUARDED_ERRORS, "404": ERROR, "409": ERROR}},
    },
    f"{ADMIN}/users/{{username}}/crib": {
        "post": {**STAFF, "summary": "Admins only: bind a CRIB number to an existing account (null unbinds)",
                 "description": "The old CRIB is released and the new one reserved in the same transaction; "
                                "a CRIB bound to another account is a 409 `crib_taken`.",
                 "parameters": [_USERNAME],
                 "responses": {"200": response("Bound; recorded in the audit trail", "UserSummary"), **GUARDED_ERRORS,
                               "404": ERROR, "409": ERROR}},
    },
    f"{ADMIN}/support-requests": {
        "get": {**STAFF, "summary": "The queue of support requests: open first, newest first",
                "parameters": [parameter("status", "query", "open or closed (default: both, open first)"),
                               parameter("cursor", "query", "From the previous page")],
                "responses": {"200": response("A page of requests", "SupportRequestPage"), **GUARDED_ERRORS}},
    },
    f"{ADMIN}/support-requests/{{reference}}": {
        "get": {**STAFF, "summary": "One support request", "parameters": [_REFERENCE],
                "responses": {"200": response("The request", "SupportRequest"), **GUARDED_ERRORS, "404": ERROR}},
    },
    f"{ADMIN}/support-requests/{{reference}}/close": {
        "post": {**STAFF, "summary": "Close an open request with a reason", "parameters": [_REFERENCE],
                 "responses": {"204": _NO_CONTENT, **GUARDED_ERRORS, "404": ERROR, "409": ERROR}},
    },
    f"{ADMIN}/audit": {
        "get": {**STAFF, "summary": "Audit trail, newest first (read only: events are never edited or deleted)",
                "parameters": [parameter("target", "query", "Account (or reference) the event is about"),
                               parameter("actor", "query", "Who acted"),
                               parameter("action", "query", "Action, or its beginning (e.g. support.)"),
                               parameter("from", "query", "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC)"),
                               parameter("to", "query", "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC), inclusive"),
                               parameter("cursor", "query", "From the previous page")],
                "responses": {"200": response("A page of events", "AuditPage"), **GUARDED_ERRORS}},
    },
}

_SUMMARY = {"username": STRING, "email": STRING, "crib": NULLABLE, "roles": _ROLES,
            "mfa_enabled": {"type": "boolean"}}


OPENAPI_COMPONENTS = {
    "schemas": {
        "UserSummary": {"type": "object", "required": list(_SUMMARY), "properties": _SUMMARY},
        "UserPage": page_of("UserSummary"),
        "UserStatus": {
            "type": "object",
            "required": ["username", "email", "crib", "roles", "locked", "blocked", "mfa_enabled",
                         "backup_codes_left", "last_login"],
            "properties": {
                **_SUMMARY,
                "language": STRING, "firm_name": NULLABLE,
                "locked": {"type": "boolean"}, "locked_until": INTEGER_OR_NULL, "blocked": {"type": "boolean"},
                "failures": {"type": "integer"}, "second_factor_failures": {"type": "integer"},
                "backup_codes_left": {"type": "integer"},
                "passkeys": {"type": "integer", "description": "Registered passkeys"},
                "created_at": INTEGER_OR_NULL, "last_login": INTEGER_OR_NULL,
                "recent_events": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEvent"}},
            },
        },
        "SupportRequest": {
            "type": "object",
            "required": ["reference", "status", "kind", "username", "email", "created_at"],
            "properties": {
                "reference": STRING, "status": {"type": "string", "enum": ["open", "closed"]},
                "kind": {"type": "string", "enum": list(support_requests.KINDS)},
                "username": STRING, "email": STRING, "message": NULLABLE, "language": STRING,
                "created_at": {"type": "integer"}, "closed_at": INTEGER_OR_NULL, "closed_by": NULLABLE,
                "close_reason": NULLABLE,
            },
        },
        "SupportRequestPage": page_of("SupportRequest"),
        "AuditEvent": {
            "type": "object",
            "required": ["id", "at", "actor", "target", "action", "outcome"],
            "properties": {"id": STRING, "at": {**STRING, "format": "date-time"}, "actor": STRING,
                           "target": STRING, "action": STRING, "outcome": STRING, "reason": NULLABLE,
                           "ip": NULLABLE, "user_agent": NULLABLE, "details": {"type": ["object", "null"]}},
        },
        "AuditPage": page_of("AuditEvent"),
    },
}
