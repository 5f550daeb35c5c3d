"""Self-service (docs/api.md "Account") and the forgotten-password requests of docs/api.md "Login"."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import context, current_request, json_body, json_response, route, session_cookie
from chalicelib.services import account, password_reset
from chalicelib.services.sessions import Authenticated

blueprint = Blueprint(__name__)
API = "/api/v1"


def _no_content(status: int = 204, cookie: str | None = None) -> Response:
    return Response(body="", status_code=status, headers={"Set-Cookie": session_cookie(cookie)} if cookie else {})


@route(blueprint, f"{API}/account/password", methods=["POST"], auth="full")
def change_password(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"current_password": str, "new_password": str, "code": (str, False)})
    cookie = account.change_password(current, body["current_password"], body["new_password"], body.get("code"),
                                     context(request))
    return _no_content(cookie=cookie)


@route(blueprint, f"{API}/account/email", methods=["POST"], auth="full")
def change_email(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"password": str, "new_email": str, "code": (str, False)})
    pending = account.request_email_change(current, body["password"], body["new_email"], body.get("code"),
                                           context(request))
    return json_response({"pending_email": pending}, status=202)


@route(blueprint, f"{API}/account/email/verify", methods=["POST"])
def verify_email() -> Response:
    request = current_request()
    account.verify_email(json_body(request, {"token": str})["token"], context(request))
    return _no_content()


@route(blueprint, f"{API}/account/language", methods=["POST"], auth="full")
def set_language(current: Authenticated) -> Response:
    request = current_request()
    account.set_language(current, json_body(request, {"language": str})["language"], context(request))
    return _no_content()


@route(blueprint, f"{API}/account/sessions", methods=["GET"], auth="full")
def list_sessions(current: Authenticated) -> Response:
    return json_response({"items": account.list_sessions(current)})


@route(blueprint, f"{API}/account/sessions", methods=["DELETE"], auth="full")
def end_other_sessions(current: Authenticated) -> Response:
    return _no_content(cookie=account.end_other_sessions(current, context(current_request())))


@route(blueprint, f"{API}/account/sessions/{{session_id}}", methods=["DELETE"], auth="full")
def end_session(current: Authenticated, session_id: str) -> Response:
    account.end_session(current, session_id, context(current_request()))
    return _no_content()


@route(blueprint, f"{API}/auth/password-reset", methods=["POST"])
def request_password_reset() -> Response:
    request = current_request()
    password_reset.request_reset(json_body(request, {"username": str})["username"], context(request))
    return json_response({}, status=202)


@route(blueprint, f"{API}/auth/password-reset/complete", methods=["POST"])
def complete_password_reset() -> Response:
    request = current_request()
    body = json_body(request, {"token": str, "new_password": str})
    password_reset.complete_reset(body["token"], body["new_password"], context(request))
    return _no_content()


def _error(*codes: int) -> dict:
    return {str(code): {"$ref": "#/components/responses/Error"} for code in codes}


def _json_body(properties: dict[str, dict], required: list[str]) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": properties}}}}


STRING = {"type": "string"}
SESSION = [{"session": []}]
# Optional in the schema, required by the service once the account's 2FA is active (400 naming it).
SECOND_FACTOR_CODE = {"type": "string", "description": "Required once 2FA is active: a 6-digit TOTP code (each "
                      "time step works once) or a backup code (used up by this request)"}

OPENAPI = {
    f"{API}/account/password": {"post": {
        "summary": "Change one's password (current password, new one, and a code once 2FA is active); every "
                   "other session ends, notice by e-mail",
        "tags": ["account"], "security": SESSION,
        "requestBody": _json_body({"current_password": STRING, "new_password": STRING, "code": SECOND_FACTOR_CODE},
                                  ["current_password", "new_password"]),
        "responses": {"204": {"description": "Changed; the caller's session cookie is replaced"},
                      **_error(400, 401, 409, 423)},
    }},
    f"{API}/account/email": {"post": {
        "summary": "Ask to change one's e-mail address (password, and a code once 2FA is active): verification "
                   "link to the new address, notice to the old; at most 5 requests per account and hour",
        "tags": ["account"], "security": SESSION,
        "requestBody": _json_body({"password": STRING, "new_email": STRING, "code": SECOND_FACTOR_CODE},
                                  ["password", "new_email"]),
        "responses": {"202": {"description": "The same answer whether or not another account uses the address: "
                                             "a free address gets the verification link (the address changes "
                                             "when it is used), a taken one a mail saying it is in use",
                              "content": {"application/json": {"schema": {
                                  "type": "object", "properties": {"pending_email": STRING}}}}},
                      **_error(400, 401, 409, 423, 429)},
    }},
    f"{API}/account/email/verify": {"post": {
        "summary": "Confirm a new e-mail address with the token of its verification link (single use, 24 h)",
        "tags": ["account"],
        "requestBody": _json_body({"token": STRING}, ["token"]),
        "responses": {"204": {"description": "The new address is now the account's"}, **_error(400, 409)},
    }},
    f"{API}/account/language": {"post": {
        "summary": "Choose the language of the account's mails (nl, en, pap)",
        "tags": ["account"], "security": SESSION,
        "requestBody": _json_body({"language": {"type": "string", "enum": ["nl", "en", "pap"]}}, ["language"]),
        "responses": {"204": {"description": "Saved"}, **_error(400, 401)},
    }},
    f"{API}/account/sessions": {
        "get": {
            "summary": "The caller's live sessions (device, IP, last seen, which one is this one)",
            "tags": ["account"], "security": SESSION,
            "responses": {"200": {"description": "Sessions, most recently used first",
                                  "content": {"application/json": {"schema": {
                                      "$ref": "#/components/schemas/AccountSessions"}}}},
                          **_error(401)},
        },
        "delete": {
            "summary": "End every session of the account except the caller's",
            "tags": ["account"], "security": SESSION,
            "requestBody": {"$ref": "#/components/requestBodies/Empty"},
            "responses": {"204": {"description": "Other sessions ended; the caller's cookie is replaced"},
                          **_error(401, 409)},
        },
    },
    f"{API}/account/sessions/{{session_id}}": {"delete": {
        "summary": "End one of the caller's other sessions",
        "tags": ["account"], "security": SESSION,
        "parameters": [{"name": "session_id", "in": "path", "required": True, "schema": STRING}],
        "requestBody": {"$ref": "#/components/requestBodies/Empty"},
        "responses": {"204": {"description": "Session ended"}, **_error(401, 404, 409)},
    }},
    f"{API}/auth/password-reset": {"post": {
        "summary": "Forgotten password: mail a reset link (same answer whether or not the account exists)",
        "tags": ["login"],
        "requestBody": _json_body({"username": STRING}, ["username"]),
        "responses": {"202": {"description": "Accepted; a mail is sent if the account exists",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                      **_error(400)},
    }},
    f"{API}/auth/password-reset/complete": {"post": {
        "summary": "Set a new password with the token of a reset or activation link (single use)",
        "tags": ["login"],
        "requestBody": _json_body({"token": STRING, "new_password": STRING}, ["token", "new_password"]),
        "responses": {"204": {"description": "Password set; all sessions ended; the next login still asks for "
                                             "the second factor"},
                      **_error(400)},
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
                    "browser": {"type": ["string", "null"]},
                    "system": {"type": ["string", "null"]},
                    "ip": {"type": ["string", "null"]},
                    "level": {"type": "string", "enum": ["partial", "full"]},
                    "created_at": {"type": "integer"},
                    "last_seen": {"type": "integer"},
                },
            }}},
        }
    }
}
