"""Passkeys (docs/api.md "Passkeys"): registration and management from the account settings, the
passkey as the login's second step, and their pages /account/passkeys and /login/passkey."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import context, current_request, json_body, json_response, route, session_cookie
from chalicelib.api.pages import logged_in_page
from chalicelib.services import passkeys
from chalicelib.services.notifications import event_time
from chalicelib.services.sessions import Authenticated

blueprint = Blueprint(__name__)
API = "/api/v1"


# ---------------------------------------------------------------- account settings


@route(blueprint, f"{API}/account/passkeys", methods=["GET"], auth="full")
def list_passkeys(current: Authenticated) -> Response:
    return json_response({"items": passkeys.list_for(current.user)})


@route(blueprint, f"{API}/account/passkeys/options", methods=["POST"], auth="full")
def registration_options(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"password": str, "code": (str, False)})
    options = passkeys.registration_options(current, body["password"], body.get("code"), context(request))
    return json_response({"publicKey": options})


@route(blueprint, f"{API}/account/passkeys", methods=["POST"], auth="full")
def register(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"name": str, "credential": dict})
    return json_response(passkeys.register(current, body["credential"], body["name"], context(request)), 201)


@route(blueprint, f"{API}/account/passkeys/{{credential_id}}/name", methods=["POST"], auth="full")
def rename(current: Authenticated, credential_id: str) -> Response:
    request = current_request()
    body = json_body(request, {"name": str})
    return json_response(passkeys.rename(current, credential_id, body["name"], context(request)))


@route(blueprint, f"{API}/account/passkeys/{{credential_id}}/remove", methods=["POST"], auth="full")
def remove(current: Authenticated, credential_id: str) -> Response:
    request = current_request()
    body = json_body(request, {"password": str, "code": (str, False)})
    passkeys.remove(current, credential_id, body["password"], body.get("code"), context(request))
    return Response(body="", status_code=204)


# ---------------------------------------------------------------- second step of the login


@route(blueprint, f"{API}/auth/passkey/options", methods=["POST"], auth="totp")
def login_options(current: Authenticated) -> Response:
    request = current_request()
    json_body(request, {})
    return json_response({"publicKey": passkeys.login_options(current, context(request))})


@route(blueprint, f"{API}/auth/passkey", methods=["POST"], auth="totp")
def login(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"credential": dict})
    result = passkeys.login(current, body["credential"], context(request))
    return json_response({"next": "done"}, headers={"Set-Cookie": session_cookie(result.cookie_value)})


# ---------------------------------------------------------------- pages


@blueprint.route("/account/passkeys", methods=["GET"])
def passkeys_page() -> Response:
    return logged_in_page("account_passkeys.html", list_passkeys=passkeys.list_for, when=event_time)


@blueprint.route("/login/passkey", methods=["GET"])
def login_passkey_page() -> Response:
    return logged_in_page("login_passkey.html", auth="totp")


# ---------------------------------------------------------------- OpenAPI

_ERROR = {"$ref": "#/components/responses/Error"}


def _operation(summary: str, body: str | None, success: dict, *failures: str, tag: str = "passkeys",
               method: str = "post") -> dict:
    operation: dict = {
        "summary": summary,
        "tags": [tag],
        "security": [{"session": []}],
        "responses": {**success, "401": _ERROR, **{status: _ERROR for status in failures}},
    }
    if method == "post":
        operation["responses"]["400"] = _ERROR
        operation["requestBody"] = {"$ref": f"#/components/requestBodies/{body or 'Empty'}"}
    return operation


def _ok(description: str, schema: str, status: str = "200", cookie: bool = False) -> dict:
    response: dict = {"description": description,
                      "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    if cookie:
        response["headers"] = {"Set-Cookie": {"description": "A new full session (portal_session)",
                                              "schema": {"type": "string"}}}
    return {status: response}


_ID = [{"name": "credential_id", "in": "path", "required": True, "schema": {"type": "string"}}]

OPENAPI = {
    f"{API}/account/passkeys": {
        "get": _operation("The account's passkeys", None, _ok("Passkeys, oldest first", "PasskeyList"),
                          method="get"),
        "post": _operation(
            "Register the passkey the browser created for the session's latest options (single use, 5 minutes)",
            "PasskeyRegistration", _ok("Registered; the owner gets a notice", "Passkey", "201")),
    },
    f"{API}/account/passkeys/options": {"post": _operation(
        "Options for navigator.credentials.create(), after the password and the current second factor",
        "EnrollmentStart", _ok("PublicKeyCredentialCreationOptions (JSON)", "PasskeyOptions"), "409", "423")},
    f"{API}/account/passkeys/{{credential_id}}/name": {"post": {
        **_operation("Rename a passkey", "PasskeyName", _ok("Renamed", "Passkey"), "404"), "parameters": _ID}},
    f"{API}/account/passkeys/{{credential_id}}/remove": {"post": {
        **_operation("Remove a passkey (password and current second factor; never the last second factor)",
                     "EnrollmentStart", {"204": {"description": "Removed; the owner gets a notice"}},
                     "404", "409", "423"),
        "parameters": _ID}},
    f"{API}/auth/passkey/options": {"post": _operation(
        "Options for navigator.credentials.get() listing the account's passkeys (second step of the login)",
        None, _ok("PublicKeyCredentialRequestOptions (JSON)", "PasskeyOptions"), "404", tag="login")},
    f"{API}/auth/passkey": {"post": _operation(
        "Second step of the login with a passkey (counted on the second-factor lockout)", "PasskeyAssertion",
        _ok("Logged in; the partial session was replaced by a full one", "Next", cookie=True), "423",
        tag="login")},
}

_CREDENTIAL = {"type": "object", "description": "The PublicKeyCredential as JSON (base64url fields)",
               "required": ["id", "rawId", "response", "type"],
               "properties": {"id": {"type": "string"}, "rawId": {"type": "string"},
                              "type": {"type": "string", "enum": ["public-key"]},
                              "response": {"type": "object"}}}
_NAME = {"type": "string", "minLength": 1, "maxLength": passkeys.NAME_MAX}


def _json_body(required: list[str], properties: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": properties}}}}


_PASSKEY = {"type": "object", "required": ["id", "name", "created_at", "last_used", "transports"], "properties": {
    "id": {"type": "string"}, "name": {"type": "string"}, "created_at": {"type": "integer"},
    "last_used": {"type": ["integer", "null"]}, "transports": {"type": "array", "items": {"type": "string"}}}}

OPENAPI_COMPONENTS = {
    "requestBodies": {
        "PasskeyRegistration": _json_body(["name", "credential"], {"name": _NAME, "credential": _CREDENTIAL}),
        "PasskeyName": _json_body(["name"], {"name": _NAME}),
        "PasskeyAssertion": _json_body(["credential"], {"credential": _CREDENTIAL}),
    },
    "schemas": {
        "Passkey": _PASSKEY,
        "PasskeyList": {"type": "object", "required": ["items"],
                        "properties": {"items": {"type": "array", "items": _PASSKEY}}},
        "PasskeyOptions": {"type": "object", "required": ["publicKey"],
                           "properties": {"publicKey": {"type": "object"}}},
    },
}
