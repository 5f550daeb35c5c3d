"""Second-factor login, 2FA enrollment and backup codes (docs/api.md "Login" and "2FA enrollment"); their
pages are in api/mfa_pages.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.bodies import EMPTY, Body, Field, optional
from chalicelib.api.http import context, current_request, json_response, route, session_cookie
from chalicelib.api.openapi_fragments import PASSWORD_CHANGE_REQUIRED, errors, response
from chalicelib.services import backup_codes, enrollment, second_factor
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)

CODE = Body({"code": Field(str)}, name="Code")
ENROLLMENT_START = Body({"password": Field(str), "code": optional(str)}, name="EnrollmentStart")
REAUTHENTICATION = Body({"password": Field(str), "code": Field(str)}, name="Reauthentication")


# ---------------------------------------------------------------- second step of the login


@route(blueprint, "/auth/totp", methods=["POST"], access=Access.TOTP, body=CODE)
def login_totp(current: Authenticated, body: dict) -> Response:
    result = second_factor.login_with_totp(current, body["code"], context(current_request()))
    return json_response(_done(current), headers={"Set-Cookie": session_cookie(result.cookie_value)})


@route(blueprint, "/auth/backup-code", methods=["POST"], access=Access.TOTP, body=CODE)
def login_backup_code(current: Authenticated, body: dict) -> Response:
    result = second_factor.login_with_backup_code(current, body["code"], context(current_request()))
    return json_response({**_done(current), "backup_codes_left": result.backup_codes_left},
                         headers={"Set-Cookie": session_cookie(result.cookie_value)})


def _done(current: Authenticated) -> dict:
    """A completed login step's answer; the new full session carries the old one's new-password debt."""
    if current.must_change_password:
        return {"next": "done", "password_change_required": True}
    return {"next": "done"}


# ---------------------------------------------------------------- enrollment


@route(blueprint, "/mfa/enrollment", methods=["POST"], access=Access.ENROLL, body=ENROLLMENT_START)
def start_enrollment(current: Authenticated, body: dict) -> Response:
    started = enrollment.start(current, body["password"], body.get("code"), context(current_request()))
    return json_response({"secret": started.secret, "otpauth_uri": started.otpauth_uri, "qr_svg": started.qr_svg,
                          "account": started.account, "issuer": started.issuer,
                          "replaces_earlier": started.replaces_earlier})


@route(blueprint, "/mfa/enrollment/confirm", methods=["POST"], access=Access.ENROLL, body=CODE)
def confirm_enrollment(current: Authenticated, body: dict) -> Response:
    enrollment.confirm(current, body["code"], context(current_request()))
    return json_response({"confirmed": True})


@route(blueprint, "/mfa/enrollment/activate", methods=["POST"], access=Access.ENROLL, body=EMPTY)
def activate_enrollment(current: Authenticated) -> Response:
    activation = enrollment.activate(current, context(current_request()))
    return json_response({**_done(current), "backup_codes_pdf": activation.backup_codes_pdf},
                         headers={"Set-Cookie": session_cookie(activation.cookie_value)})


# ---------------------------------------------------------------- backup codes


@route(blueprint, "/mfa/backup-codes", methods=["POST"], access=Access.FULL, body=REAUTHENTICATION)
def regenerate_backup_codes(current: Authenticated, body: dict) -> Response:
    new_set = backup_codes.regenerate(current, body["password"], body["code"], context(current_request()))
    return json_response({"backup_codes_pdf": new_set.pdf_link})


@route(blueprint, "/mfa/backup-codes/pdf", methods=["POST"], access=Access.RENEW, body=EMPTY)
def backup_codes_pdf(current: Authenticated) -> Response:
    return json_response({"backup_codes_pdf": backup_codes.pdf_link(current, context(current_request()))})


# ---------------------------------------------------------------- OpenAPI


def _operation(summary: str, success: dict, *failures: int, tag: str = "2fa") -> dict:
    return {"summary": summary, "tags": [tag], "responses": {**success, **errors(400, 401, *failures)}}


def _ok(description: str, schema: str, cookie: bool = False) -> dict:
    headers = {"Set-Cookie": {"description": "A new full session (portal_session)", "schema": {"type": "string"}}}
    return {"200": response(description, schema, headers if cookie else None)}


OPENAPI = {
    "/auth/totp": {"post": _operation(
        "Second step of the login with a 6-digit TOTP code (each code works once)",
        _ok("Logged in; the partial session was replaced by a full one", "Next", cookie=True), 423, tag="login")},
    "/auth/backup-code": {"post": _operation(
        "Second step of the login with a backup code (used up)",
        _ok("Logged in with a backup code", "BackupCodeLogin", cookie=True), 423, tag="login")},
    "/mfa/enrollment": {"post": _operation(
        "Start (re-)enrollment: password (plus a current code once 2FA is active) for a new pending secret",
        _ok("The new secret, its otpauth URI and QR code", "Enrollment"), 423)},
    "/mfa/enrollment/confirm": {"post": _operation(
        "Confirm the pending secret with a code from the app (only the session that started it; wrong codes "
        "count on the second-factor lockout)",
        _ok("Confirmed", "Confirmed"), 403, 409, 423)},
    "/mfa/enrollment/activate": {"post": _operation(
        "Activate the confirmed secret with a first set of backup codes (only the session that started it)",
        _ok("2FA active; full session; link to the backup-code PDF", "Activated", cookie=True), 403, 409)},
    "/mfa/backup-codes": {"post": _operation(
        "Replace the backup codes (password and current code)",
        _ok("New set; link to its PDF", "BackupCodesPdf"), 409, 423)},
    "/mfa/backup-codes/pdf": {"post": _operation(
        "The link to the current set's PDF, handed out once",
        _ok("The portal's one-time link, valid at most 5 minutes", "BackupCodesPdf"), 410)},
}

_PDF_LINK = {"type": ["string", "null"], "format": "uri",
             "description": "The portal's one-time link to the application/pdf sheet (/mfa/backup-codes/sheet/...): "
                            "the owner's session only, at most 5 minutes, then a 60-second presigned S3 GET"}


OPENAPI_COMPONENTS = {
    "schemas": {
        "BackupCodeLogin": {"type": "object", "required": ["next", "backup_codes_left"], "properties": {
            "next": {"type": "string", "enum": ["done"]}, "backup_codes_left": {"type": "integer"},
            "password_change_required": PASSWORD_CHANGE_REQUIRED}},
        "Enrollment": {"type": "object", "required": ["secret", "otpauth_uri", "qr_svg"], "properties": {
            "secret": {"type": "string", "description": "Base32, 160 bits"},
            "otpauth_uri": {"type": "string"}, "qr_svg": {"type": "string"},
            "account": {"type": "string"}, "issuer": {"type": "string"},
            "replaces_earlier": {"type": "boolean", "description": "An earlier pending secret was replaced: its "
                                                                   "entry in the app never works"}}},
        "Confirmed": {"type": "object", "required": ["confirmed"], "properties": {"confirmed": {"type": "boolean"}}},
        "Activated": {"type": "object", "required": ["next", "backup_codes_pdf"], "properties": {
            "next": {"type": "string", "enum": ["done"]}, "backup_codes_pdf": _PDF_LINK,
            "password_change_required": PASSWORD_CHANGE_REQUIRED}},
        "BackupCodesPdf": {"type": "object", "required": ["backup_codes_pdf"],
                           "properties": {"backup_codes_pdf": _PDF_LINK}},
    },
}
