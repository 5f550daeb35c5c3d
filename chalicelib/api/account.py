"""Self-service (docs/api.md "Account") and the forgotten-password requests of docs/api.md "Login"."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.bodies import Body, Field, optional
from chalicelib.api.http import context, current_request, json_response, route, session_cookie
from chalicelib.api.openapi_fragments import LANGUAGE, NULLABLE, STRING, errors, parameter, response
from chalicelib.services import account, password_reset
from chalicelib.services.sessions import Access, Authenticated, Level

blueprint = Blueprint(__name__)

# Optional in the schema, required by the service once the account's 2FA is active (400 naming it).
SECOND_FACTOR_CODE = optional(str, description="Required once 2FA is active: a 6-digit TOTP code (each time step "
                              "works once) or a backup code (used up by this request)")
PASSWORD_CHANGE = Body({"current_password": Field(str), "new_password": Field(str), "code": SECOND_FACTOR_CODE})
EMAIL_CHANGE = Body({"password": Field(str), "new_email": Field(str), "code": SECOND_FACTOR_CODE})
TOKEN = Body({"token": Field(str)})
LANGUAGE_CHOICE = Body({"language": Field(str, schema={"enum": LANGUAGE["enum"]})})
USERNAME = Body({"username": Field(str)})
NEW_PASSWORD = Body({"token": Field(str), "new_password": Field(str)})


def _no_content(status: int = 204, cookie: str | None = None) -> Response:
    return Response(body="", status_code=status, headers={"Set-Cookie": session_cookie(cookie)} if cookie else {})


@route(blueprint, "/account/password", methods=["POST"], access=Access.RENEW, body=PASSWORD_CHANGE)
def change_password(current: Authenticated, body: dict) -> Response:
    cookie = account.change_password(current, body["current_password"], body["new_password"], body.get("code"),
                                     context(current_request()))
    return _no_content(cookie=cookie)


@route(blueprint, "/account/email", methods=["POST"], access=Access.FULL, body=EMAIL_CHANGE)
def change_email(current: Authenticated, body: dict) -> Response:
    pending = account.request_email_change(current, body["password"], body["new_email"], body.get("code"),
                                           context(current_request()))
    return json_response({"pending_email": pending}, status=202)


@route(blueprint, "/account/email/verify", methods=["POST"], body=TOKEN)
def verify_email(body: dict) -> Response:
    account.verify_email(body["token"], context(current_request()))
    return _no_content()


@route(blueprint, "/account/language", methods=["POST"], access=Access.RENEW, body=LANGUAGE_CHOICE)
def set_language(current: Authenticated, body: dict) -> Response:
    account.set_language(current, body["language"], context(current_request()))
    return _no_content()


@route(blueprint, "/account/sessions", methods=["GET"], access=Access.FULL)
def list_sessions(current: Authenticated) -> Response:
    return json_response({"items": account.list_sessions(current)})


@route(blueprint, "/account/sessions", methods=["DELETE"], access=Access.FULL)
def end_other_sessions(current: Authenticated) -> Response:
    return _no_content(cookie=account.end_other_sessions(current, context(current_request())))


@route(blueprint, "/account/sessions/{session_id}", methods=["DELETE"], access=Access.FULL)
def end_session(current: Authenticated, session_id: str) -> Response:
    account.end_session(current, session_id, context(current_request()))
    return _no_content()


@route(blueprint, "/auth/password-reset", methods=["POST"], body=USERNAME)
def request_password_reset(body: dict) -> Response:
    password_reset.request_reset(body["username"], context(current_request()))
    return json_response({}, status=202)


@route(blueprint, "/auth/password-reset/complete", methods=["POST"], body=NEW_PASSWORD)
def complete_password_reset(body: dict) -> Response:
    password_reset.complete_reset(body["token"], body["new_password"], context(current_request()))
    return _no_content()


OPENAPI = {
    "/account/password": {"post": {
        "summary": "Change one's password (current password, new one, and a code once 2FA is active); every "
                   "other session ends, notice by e-mail",
        "tags": ["account"],
        "responses": {"204": response("Changed; the caller's session cookie is replaced"),
                      **errors(400, 401, 409, 423)},
    }},
    "/account/email": {"post": {
        "summary": "Ask to change one's e-mail address (password, and a code once 2FA is active): verification "
                   "link to the new address, notice to the old; at most 5 requests per account and hour",
        "tags": ["account"],
        "responses": {"202": response("The same answer whether or not another account uses the address: a free "
                                      "address gets the verification link (the address changes when it is "
                                      "used), a taken one a mail saying it is in use",
                                      {"type": "object", "properties": {"pending_email": STRING}}),
                      **errors(400, 401, 409, 423, 429)},
    }},
    "/account/email/verify": {"post": {
        "summary": "Confirm a new e-mail address with the token of its verification link (single use, 24 h)",
        "tags": ["account"],
        "responses": {"204": response("The new address is now the account's"), **errors(400, 409)},
    }},
    "/account/language": {"post": {
        "summary": "Choose the language of the account's mails (nl, en, pap)",
        "tags": ["account"],
        "responses": {"204": response("Saved"), **errors(400, 401)},
    }},
    "/account/sessions": {
        "get": {
            "summary": "The caller's live sessions (device, IP, last seen, which one is this one)",
            "tags": ["account"],
            "responses": {"200": response("Sessions, most recently used first", "AccountSessions"), **errors(401)},
        },
        "delete": {
            "summary": "End every session of the account except the caller's",
            "tags": ["account"],
            "responses": {"204": response("Other sessions ended; the caller's cookie is replaced"),
                          **errors(401, 409)},
        },
    },
    "/account/sessions/{session_id}": {"delete": {
        "summary": "End one of the caller's other sessions",
        "tags": ["account"],
        "parameters": [parameter("session_id", "path", "The session's id, from GET /account/sessions")],
        "responses": {"204": response("Session ended"), **errors(401, 404, 409)},
    }},
    "/auth/password-reset": {"post": {
        "summary": "Forgotten password: mail a reset link (same answer whether or not the account exists)",
        "tags": ["login"],
        "responses": {"202": response("Accepted; a mail is sent if the account exists", {"type": "object"}),
                      **errors(400)},
    }},
    "/auth/password-reset/complete": {"post": {
        "summary": "Set a new password with the token of a reset or activation link (single use)",
        "tags": ["login"],
        "responses": {"204": response("Password set; all sessions ended; the next login still asks for the "
                                      "second factor"),
                      **errors(400)},
    }},
}

OPENAPI_COMPONENTS = {
    "schemas": {
        "AccountSessions": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "current", "last_seen"],
                "properties": {
                    "id": STRING,
                    "current": {"type": "boolean"},
                    "browser": NULLABLE,
                    "system": NULLABLE,
                    "ip": NULLABLE,
                    "level": {"type": "string", "enum": list(Level)},
                    "created_at": {"type": "integer"},
                    "last_seen": {"type": "integer"},
                },
            }}},
        }
    }
}
