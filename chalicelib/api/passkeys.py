"""Passkeys (docs/api.md "Passkeys"): registration and management from the account settings, and the
passkey as the login's second step. Their pages /account/passkeys and /login/passkey are in
api/passkey_pages.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.bodies import EMPTY, Body, Field
from chalicelib.api.http import context, current_request, json_response, route, session_cookie
from chalicelib.api.mfa import ENROLLMENT_START
from chalicelib.api.openapi_fragments import errors, parameter, ref, response
from chalicelib.services import passkeys
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)

_NAME = Field(str, schema={"minLength": 1, "maxLength": passkeys.NAME_MAX})
_CREDENTIAL = Field(dict, schema={
    "description": "The PublicKeyCredential as JSON (base64url fields)",
    "required": ["id", "rawId", "response", "type"],
    "properties": {"id": {"type": "string"}, "rawId": {"type": "string"},
                   "type": {"type": "string", "enum": ["public-key"]}, "response": {"type": "object"}}})
REGISTRATION = Body({"name": _NAME, "credential": _CREDENTIAL}, name="PasskeyRegistration")
NAME = Body({"name": _NAME}, name="PasskeyName")
ASSERTION = Body({"credential": _CREDENTIAL}, name="PasskeyAssertion")


# ---------------------------------------------------------------- account settings


@route(blueprint, "/account/passkeys", methods=["GET"], access=Access.FULL)
def list_passkeys(current: Authenticated) -> Response:
    return json_response({"items": passkeys.list_for(current.user)})


@route(blueprint, "/account/passkeys/options", methods=["POST"], access=Access.FULL, body=ENROLLMENT_START)
def registration_options(current: Authenticated, body: dict) -> Response:
    options = passkeys.registration_options(current, body["password"], body.get("code"), context(current_request()))
    return json_response({"publicKey": options})


@route(blueprint, "/account/passkeys", methods=["POST"], access=Access.FULL, body=REGISTRATION)
def register(current: Authenticated, body: dict) -> Response:
    return json_response(passkeys.register(current, body["credential"], body["name"], context(current_request())),
                         201)


@route(blueprint, "/account/passkeys/{credential_id}/name", methods=["POST"], access=Access.FULL, body=NAME)
def rename(current: Authenticated, body: dict, credential_id: str) -> Response:
    return json_response(passkeys.rename(current, credential_id, body["name"], context(current_request())))


@route(blueprint, "/account/passkeys/{credential_id}/remove", methods=["POST"], access=Access.FULL,
       body=ENROLLMENT_START)
def remove(current: Authenticated, body: dict, credential_id: str) -> Response:
    passkeys.remove(current, credential_id, body["password"], body.get("code"), context(current_request()))
    return Response(body="", status_code=204)


# ---------------------------------------------------------------- second step of the login


@route(blueprint, "/auth/passkey/options", methods=["POST"], access=Access.TOTP, body=EMPTY)
def login_options(current: Authenticated) -> Response:
    return json_response({"publicKey": passkeys.login_options(current, context(current_request()))})


@route(blueprint, "/auth/passkey", methods=["POST"], access=Access.TOTP, body=ASSERTION)
def login(current: Authenticated, body: dict) -> Response:
    result = passkeys.login(current, body["credential"], context(current_request()))
    answer = {"next": "done", "password_change_required": True} if current.must_change_password else {"next": "done"}
    return json_response(answer, headers={"Set-Cookie": session_cookie(result.cookie_value)})


# ---------------------------------------------------------------- OpenAPI


def _operation(summary: str, success: dict, *failures: int, tag: str = "passkeys") -> dict:
    return {"summary": summary, "tags": [tag], "responses": {**success, **errors(*failures)}}


_ID = [parameter("credential_id", "path", "The passkey's credential id (base64url)")]
_NEW_SESSION = {"Set-Cookie": {"description": "A new full session (portal_session)", "schema": {"type": "string"}}}

OPENAPI = {
    "/account/passkeys": {
        "get": _operation("The account's passkeys", {"200": response("Passkeys, oldest first", "PasskeyList")}, 401),
        "post": _operation(
            "Register the passkey the browser created for the session's latest options (single use, 5 minutes)",
            {"201": response("Registered; the owner gets a notice", "Passkey")}, 400, 401),
    },
    "/account/passkeys/options": {"post": _operation(
        "Options for navigator.credentials.create(), after the password and the current second factor",
        {"200": response("PublicKeyCredentialCreationOptions (JSON)", "PasskeyOptions")}, 400, 401, 409, 423)},
    "/account/passkeys/{credential_id}/name": {"post": {
        **_operation("Rename a passkey", {"200": response("Renamed", "Passkey")}, 400, 401, 404), "parameters": _ID}},
    "/account/passkeys/{credential_id}/remove": {"post": {
        **_operation("Remove a passkey (password and current second factor; never the last second factor)",
                     {"204": response("Removed; the owner gets a notice")}, 400, 401, 404, 409, 423),
        "parameters": _ID}},
    "/auth/passkey/options": {"post": _operation(
        "Options for navigator.credentials.get() listing the account's passkeys (second step of the login)",
        {"200": response("PublicKeyCredentialRequestOptions (JSON)", "PasskeyOptions")}, 400, 401, 404,
        tag="login")},
    "/auth/passkey": {"post": _operation(
        "Second step of the login with a passkey (counted on the second-factor lockout)",
        {"200": response("Logged in; the partial session was replaced by a full one", "Next", _NEW_SESSION)},
        400, 401, 423, tag="login")},
}

_PASSKEY = {"type": "object", "required": ["id", "name", "created_at", "last_used", "transports"], "properties": {
    "id": {"type": "string"}, "name": {"type": "string"}, "created_at": {"type": "integer"},
    "last_used": {"type": ["integer", "null"]}, "transports": {"type": "array", "items": {"type": "string"}}}}

OPENAPI_COMPONENTS = {
    "schemas": {
        "Passkey": _PASSKEY,
        "PasskeyList": {"type": "object", "required": ["items"],
                        "properties": {"items": {"type": "array", "items": ref("Passkey")}}},
        "PasskeyOptions": {"type": "object", "required": ["publicKey"],
                           "properties": {"publicKey": {"type": "object"}}},
    },
}
