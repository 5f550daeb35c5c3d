"""The representative's API (docs/api.md "Representatives"): the firm's authorizations, registering one,
and bulk imports through a presigned S3 upload. Role `representative`, full session."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.bodies import Body, Field, optional
from chalicelib.api.http import context, current_request, json_response, language, query, route
from chalicelib.api.openapi_fragments import ERROR, GUARDED_ERRORS, NULLABLE, STRING, page_of, parameter, response
from chalicelib.roles import Role
from chalicelib.services import authorizations, date_parts, imports, tax_types
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)
API = "/representative"
REPRESENTATIVES = frozenset({Role.REPRESENTATIVE})

_DATE = {"description": "YYYY-MM-DD (DD-MM-YYYY is accepted too)"}
NEW_AUTHORIZATION = Body({
    "client_crib": Field(str, schema={"pattern": "^[0-9]{9}$"}),
    "tax_type": Field(str, schema={"enum": list(tax_types.CODES)}),
    "start_date": optional(str, **_DATE),
    "end_date": optional(str, description="Empty or absent: open-ended"),
    # The page's date input: three fields per date, each part checked with its own message.
    **{field: optional(str, description=f"The {part} of {name} (instead of {name})")
       for name in ("start_date", "end_date") for part, field in zip(date_parts.PARTS, date_parts.part_fields(name),
                                                                    strict=True)},
    "client_name": optional(str),
    "reference": optional(str),
}, name="NewAuthorization")
DRY_RUN = optional(bool, default=False)
IMPORT_REQUEST = Body({"dry_run": DRY_RUN}, name="ImportRequest")


def dry_run_flag(body: dict) -> bool:
    return bool(body.get("dry_run", False))


@route(blueprint, f"{API}/authorizations", methods=["GET"], access=Access.FULL, roles=REPRESENTATIVES)
def list_authorizations(current: Authenticated) -> Response:
    page = authorizations.list_for_representative(current.user, query("status"), query("cursor"),
                                                  language(current_request()))
    return json_response(page)


@route(blueprint, f"{API}/authorizations", methods=["POST"], access=Access.FULL, roles=REPRESENTATIVES,
       body=NEW_AUTHORIZATION)
def register_authorization(current: Authenticated, body: dict) -> Response:
    return json_response(authorizations.register(current.user, body, context(current_request())), status=201)


@route(blueprint, f"{API}/imports", methods=["POST"], access=Access.FULL, roles=REPRESENTATIVES, body=IMPORT_REQUEST)
def request_import(current: Authenticated, body: dict) -> Response:
    started = imports.request_import(current.user, dry_run_flag(body), context(current_request()))
    return json_response(started, status=201)


@route(blueprint, f"{API}/imports/{{import_id}}", methods=["GET"], access=Access.FULL, roles=REPRESENTATIVES)
def import_status(current: Authenticated, import_id: str) -> Response:
    return json_response(imports.import_status(current.user, import_id, language(current_request())))


# ---------------------------------------------------------------- OpenAPI

_ROLE = {"tags": ["representatives"]}
IMPORT_ID = parameter("import_id", "path", "The import's id, from POST .../imports")

OPENAPI = {
    f"{API}/authorizations": {
        "get": {**_ROLE, "summary": "The firm's authorizations, newest first, optionally by status",
                "parameters": [parameter("status", "query", "pending, active, revoked or expired"),
                               parameter("cursor", "query", "From the previous page")],
                "responses": {"200": response("A page of authorizations", "AuthorizationPage"), **GUARDED_ERRORS}},
        "post": {**_ROLE, "summary": "Register one authorization (pending until the client confirms it)",
                 "responses": {"201": response("Registered; the client gets a notice", "Authorization"),
                               **GUARDED_ERRORS, "409": ERROR}},
    },
    f"{API}/imports": {
        "post": {**_ROLE, "summary": "Ask for a bulk import: a presigned POST to upload the CSV to",
                 "description": "Processing starts when the upload arrives; poll the import for progress. "
                                "409 import_running while another import of the firm is unfinished.",
                 "responses": {"201": response("Upload the file with this form", "ImportUpload"),
                               **GUARDED_ERRORS, "409": ERROR}},
    },
    f"{API}/imports/{{import_id}}": {
        "get": {**_ROLE, "summary": "Status, progress and counts of one of the firm's imports",
                "parameters": [IMPORT_ID],
                "responses": {"200": response("The import", "ImportStatus"), **GUARDED_ERRORS, "404": ERROR}},
    },
}

_COUNT = {"type": "integer", "minimum": 0}
_STATUS = {"type": "string", "enum": list(authorizations.STATUSES)}

OPENAPI_COMPONENTS = {
    "schemas": {
        "Authorization": {
            "type": "object",
            "required": ["id", "representative_crib", "client_crib", "tax_type", "start_date", "end_date", "status"],
            "properties": {
                "id": STRING, "representative_crib": STRING, "firm_name": NULLABLE, "client_crib": STRING,
                "client_name": NULLABLE, "reference": NULLABLE,
                "tax_type": {"type": "string", "enum": list(tax_types.CODES)}, "tax_type_name": STRING,
                "start_date": STRING, "end_date": NULLABLE, "status": _STATUS,
                "source": {"type": "string", "enum": ["single", "import"]}, "import_id": NULLABLE,
                "created_by": NULLABLE, "created_at": NULLABLE, "confirmed_at": NULLABLE, "revoked_at": NULLABLE,
            },
        },
        "AuthorizationPage": page_of("Authorization"),
        "ImportUpload": {
            "type": "object", "required": ["import_id", "upload"],
            "properties": {
                "import_id": STRING, "dry_run": {"type": "boolean"},
                "upload": {"type": "object", "required": ["url", "fields"],
                           "description": "A presigned S3 POST (multipart/form-data: the fields, then `file`); "
                                          "S3 refuses files over 10 MB",
                           "properties": {"url": STRING,
                                          "fields": {"type": "object", "additionalProperties": STRING}}},
            },
        },
        "ImportStatus": {
            "type": "object",
            "required": ["status", "total", "processed", "imported", "skipped", "failed", "errors_csv"],
            "properties": {
                "import_id": STRING, "dry_run": {"type": "boolean"}, "activate": {"type": "boolean"},
                "status": {"type": "string", "enum": ["waiting_for_upload", "processing", "done", "failed"]},
                "total": _COUNT, "processed": _COUNT, "imported": _COUNT, "skipped": _COUNT, "failed": _COUNT,
                "errors_csv": {**NULLABLE, "description": "Presigned link (5 minutes) to the error report"},
                "reason": {**STRING, "description": "Why the import failed (with status failed)"},
                "reason_message": STRING,
                "outcome": {**NULLABLE, "description": "The result as a heading (\"5 van 9 rijen geweigerd\"); "
                                                       "null while the import runs"},
                "error_rows": {"type": "array", "description": "The first 20 refused rows of the error report",
                               "items": {"type": "object", "properties": {
                                   "row": STRING, "column": STRING, "message": STRING, "value": STRING}}},
            },
        },
    },
}
