"""Second-factor login, 2FA enrollment and backup codes (docs/api.md "Login" and "2FA enrollment"), and
their pages: /login/totp, /mfa/activate (the seed's steps) and /mfa/backup-codes."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import context, current_request, json_body, json_response, route, session_cookie
from chalicelib.api.pages import logged_in_page
from chalicelib.services import backup_codes, enrollment, second_factor
from chalicelib.services.sessions import Authenticated

blueprint = Blueprint(__name__)
API = "/api/v1"


# ---------------------------------------------------------------- second step of the login


@route(blueprint, f"{API}/auth/totp", methods=["POST"], auth="totp")
def login_totp(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"code": str})
    result = second_factor.login_with_totp(current, body["code"], context(request))
    return json_response({"next": "done"}, headers={"Set-Cookie": session_cookie(result.cookie_value)})


@route(blueprint, f"{API}/auth/backup-code", methods=["POST"], auth="totp")
def login_backup_code(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"code": str})
    result = second_factor.login_with_backup_code(current, body["code"], context(request))
    return json_response({"next": "done", "backup_codes_left": result.backup_codes_left},
                         headers={"Set-Cookie": session_cookie(result.cookie_value)})


# ---------------------------------------------------------------- enrollment


@route(blueprint, f"{API}/mfa/enrollment", methods=["POST"], auth="enroll")
def start_enrollment(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"password": str, "code": (str, False)})
    started = enrollment.start(current, body["password"], body.get("code"), context(request))
    return json_response({"secret": started.secret, "otpauth_uri": started.otpauth_uri, "qr_svg": started.qr_svg,
                          "account": started.account, "issuer": started.issuer})


@route(blueprint, f"{API}/mfa/enrollment/confirm", methods=["POST"], auth="enroll")
def confirm_enrollment(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"code": str})
    enrollment.confirm(current, body["code"], context(request))
    return json_response({"confirmed": True})


@route(blueprint, f"{API}/mfa/enrollment/activate", methods=["POST"], auth="enroll")
def activate_enrollment(current: Authenticated) -> Response:
    request = current_request()
    json_body(request, {})
    activation = enrollment.activate(current, context(request))
    return json_response({"next": "done", "backup_codes_pdf": activation.backup_codes_pdf},
                         headers={"Set-Cookie": session_cookie(activation.cookie_value)})


# ---------------------------------------------------------------- backup codes


@route(blueprint, f"{API}/mfa/backup-codes", methods=["POST"], auth="full")
def regenerate_backup_codes(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"password": str, "code": str})
    new_set = backup_codes.regenerate(current, body["password"], body["code"], context(request))
    return json_response({"backup_codes_pdf": new_set.pdf_link})


@route(blueprint, f"{API}/mfa/backup-codes/pdf", methods=["POST"], auth="full")
def backup_codes_pdf(current: Authenticated) -> Response:
    request = current_request()
    json_body(request, {})
    return json_response({"backup_codes_pdf": backup_codes.pdf_link(current, context(request))})


# ---------------------------------------------------------------- pages


@blueprint.route("/login/totp", methods=["GET"])
def login_totp_page() -> Response:
    return logged_in_page("login_totp.html", auth="totp")


@blueprint.route("/mfa/activate", methods=["GET"])
def enrollment_page() -> Response:
    return logged_in_page("mfa_activate.html", auth="enroll")


@blueprint.route("/mfa/backup-codes", methods=["GET"])
def backup_codes_page() -> Response:
    return logged_in_page("mfa_backup_codes.html", auth="full")


# ---------------------------------------------------------------- OpenAPI

_ERROR = {"$ref": "#/components/responses/Error"}


def _operation(summary: str, body: str | None, success: dict, *failures: str, tag: str = "2fa") -> dict:
    operation = {
        "summary": summary,
        "tags": [tag],
        "security": [{"session": []}],
        "responses": {**success, "400": _ERROR, "401": _ERROR, **{status: _ERROR for status in failures}},
    }
    operation["requestBody"] = {"$ref": f"#/components/requestBodies/{body or 'Empty'}"}
    return operation


def _ok(description: str, schema: str, cookie: bool = False) -> dict:
    response: dict = {"description": description,
                      "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    if cookie:
        response["headers"] = {"Set-Cookie": {"description": "A new full session (portal_session)",
                                              "schema": {"type": "string"}}}
    return {"200": response}


OPENAPI = {
    f"{API}/auth/totp": {"post": _operation(
        "Second step of the login with a 6-digit TOTP code (each code works once)", "Code",
        _ok("Logged in; the partial session was replaced by a full one", "Next", cookie=True), "423", tag="login")},
    f"{API}/auth/backup-code": {"post": _operation(
        "Second step of the login with a backup code (used up)", "Code",
        _ok("Logged in with a backup code", "BackupCodeLogin", cookie=True), "423", tag="login")},
    f"{API}/mfa/enrollment": {"post": _operation(
        "Start (re-)enrollment: password (plus a current code once 2FA is active) for a new pending secret",
        "EnrollmentStart", _ok("The new secret, its otpauth URI and QR code", "Enrollment"), "423")},
    f"{API}/mfa/enrollment/confirm": {"post": _operation(
        "Confirm the pending secret with a code from the app (only the session that started it; wrong codes "
        "count on the second-factor lockout)", "Code",
        _ok("Confirmed", "Confirmed"), "403", "409", "423")},
    f"{API}/mfa/enrollment/activate": {"post": _operation(
        "Activate the confirmed secret with a first set of backup codes (only the session that started it)", None,
        _ok("2FA active; full session; link to the backup-code PDF", "Activated", cookie=True), "403", "409")},
    f"{API}/mfa/backup-codes": {"post": _operation(
        "Replace the backup codes (password and current code)", "Reauthentication",
        _ok("New set; link to its PDF", "BackupCodesPdf"), "409", "423")},
    f"{API}/mfa/backup-codes/pdf": {"post": _operation(
        "The link to the current set's PDF, handed out once", None,
        _ok("Presigned link, valid at most 5 minutes", "BackupCodesPdf"), "410")},
}

_PDF_LINK = {"type": ["string", "null"], "format": "uri",
             "description": "Presigned S3 GET of the application/pdf sheet, valid at most 5 minutes"}


def _body(required: list[str], optional: tuple[str, ...] = ()) -> dict:
    properties = {name: {"type": "string"} for name in (*required, *optional)}
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": properties}}}}


OPENAPI_COMPONENTS = {
    "requestBodies": {
        "Code": _body(["code"]),
        "EnrollmentStart": _body(["password"], ("code",)),
        "Reauthentication": _body(["password", "code"]),
    },
    "schemas": {
        "BackupCodeLogin": {"type": "object", "required": ["next", "backup_codes_left"], "properties": {
            "next": {"type": "string", "enum": ["done"]}, "backup_codes_left": {"type": "integer"}}},
        "Enrollment": {"type": "object", "required": ["secret", "otpauth_uri", "qr_svg"], "properties": {
            "secret": {"type": "string", "description": "Base32, 160 bits"},
            "otpauth_uri": {"type": "string"}, "qr_svg": {"type": "string"},
            "account": {"type": "string"}, "issuer": {"type": "string"}}},
        "Confirmed": {"type": "object", "required": ["confirmed"], "properties": {"confirmed": {"type": "boolean"}}},
        "Activated": {"type": "object", "required": ["next", "backup_codes_pdf"], "properties": {
            "next": {"type": "string", "enum": ["done"]}, "backup_codes_pdf": _PDF_LINK}},
        "BackupCodesPdf": {"type": "object", "required": ["backup_codes_pdf"],
                           "properties": {"backup_codes_pdf": _PDF_LINK}},
    },
}
