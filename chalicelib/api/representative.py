"""The representative's API (docs/api.md "Representatives"): the firm's authorizations, registering one,
and bulk imports through a presigned S3 upload. Role `representative`, full session."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import context, current_request, json_body, json_response, language, route
from chalicelib.services import authorizations, imports, tax_types
from chalicelib.services.sessions import Authenticated

blueprint = Blueprint(__name__)
API = "/api/v1/representative"
REPRESENTATIVES = frozenset({"representative"})


def query(name: str) -> str | None:
    return (current_request().query_params or {}).get(name)


def dry_run_flag(body: dict) -> bool:
    return bool(body.get("dry_run", False))


@route(blueprint, f"{API}/authorizations", methods=["GET"], auth="full", roles=REPRESENTATIVES)
def list_authorizations(current: Authenticated) -> Response:
    page = authorizations.list_for_representative(current.user, query("status"), query("cursor"),
                                                  language(current_request()))
    return json_response(page)


@route(blueprint, f"{API}/authorizations", methods=["POST"], auth="full", roles=REPRESENTATIVES)
def register_authorization(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"client_crib": str, "tax_type": str, "start_date": str, "end_date": (str, False),
                               "client_name": (str, False), "reference": (str, False)})
    return json_response(authorizations.register(current.user, body, context(request)), status=201)


@route(blueprint, f"{API}/imports", methods=["POST"], auth="full", roles=REPRESENTATIVES)
def request_import(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"dry_run": (bool, False)})
    return json_response(imports.request_import(current.user, dry_run_flag(body), context(request)), status=201)


@route(blueprint, f"{API}/imports/{{import_id}}", methods=["GET"], auth="full", roles=REPRESENTATIVES)
def import_status(current: Authenticated, import_id: str) -> Response:
    return json_response(imports.import_status(current.user, import_id, language(current_request())))


# ---------------------------------------------------------------- OpenAPI

_ROLE = {"security": [{"session": []}], "tags": ["representatives"]}
ERRORS = {status: {"$ref": "#/components/responses/Error"} for status in ("400", "401", "403")}
ERROR = {"$ref": "#/components/responses/Error"}


def schema_response(schema: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def schema_body(schema: str, required: bool = True) -> dict:
    return {"required": required,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def parameter(name: str, where: str, description: str) -> dict:
    return {"name": name, "in": where, "required": where == "path", "description": description,
            "schema": {"type": "string"}}


IMPORT_ID = parameter("import_id", "path", "The import's id, from POST .../imports")

OPENAPI = {
    f"{API}/authorizations": {
        "get": {**_ROLE, "summary": "The firm's authorizations, newest first, optionally by status",
                "parameters": [parameter("status", "query", "pending, active, revoked or expired"),
                               parameter("cursor", "query", "From the previous page")],
                "responses": {"200": schema_response("AuthorizationPage", "A page of authorizations"), **ERRORS}},
        "post": {**_ROLE, "summary": "Register one authorization (pending until the client confirms it)",
                 "requestBody": schema_body("NewAuthorization"),
                 "responses": {"201": schema_response("Authorization", "Registered; the client gets a notice"),
                               **ERRORS, "409": ERROR}},
    },
    f"{API}/imports": {
        "post": {**_ROLE, "summary": "Ask for a bulk import: a presigned POST to upload the CSV to",
                 "description": "Processing starts when the upload arrives; poll the import for progress. "
                                "409 import_running while another import of the firm is unfinished.",
                 "requestBody": schema_body("ImportRequest", required=False),
                 "responses": {"201": schema_response("ImportUpload", "Upload the file with this form"),
                               **ERRORS, "409": ERROR}},
    },
    f"{API}/imports/{{import_id}}": {
        "get": {**_ROLE, "summary": "Status, progress and counts of one of the firm's imports",
                "parameters": [IMPORT_ID],
                "responses": {"200": schema_response("ImportStatus", "The import"), **ERRORS, "404": ERROR}},
    },
}

_STRING = {"type": "string"}
_NULLABLE = {"type": ["string", "null"]}
_DATE = {"type": "string", "description": "YYYY-MM-DD (DD-MM-YYYY is accepted too)"}
_COUNT = {"type": "integer", "minimum": 0}
_STATUS = {"type": "string", "enum": list(authorizations.STATUSES)}

OPENAPI_COMPONENTS = {
    "schemas": {
        "Authorization": {
            "type": "object",
            "required": ["id", "representative_crib", "client_crib", "tax_type", "start_date", "end_date", "status"],
            "properties": {
                "id": _STRING, "representative_crib": _STRING, "firm_name": _NULLABLE, "client_crib": _STRING,
                "client_name": _NULLABLE, "reference": _NULLABLE,
                "tax_type": {"type": "string", "enum": list(tax_types.CODES)}, "tax_type_name": _STRING,
                "start_date": _STRING, "end_date": _NULLABLE, "status": _STATUS,
                "source": {"type": "string", "enum": ["single", "import"]}, "import_id": _NULLABLE,
                "created_by": _NULLABLE, "created_at": _NULLABLE, "confirmed_at": _NULLABLE, "revoked_at": _NULLABLE,
            },
        },
        "AuthorizationPage": {
            "type": "object", "required": ["items", "cursor"],
            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Authorization"}},
                           "cursor": {**_NULLABLE, "description": "Pass as ?cursor= for the next page"}},
        },
        "NewAuthorization": {
            "type": "object", "required": ["client_crib", "tax_type", "start_date"],
            "properties": {"client_crib": {"type": "string", "pattern": "^[0-9]{9}$"},
                           "tax_type": {"type": "string", "enum": list(tax_types.CODES)},
                           "start_date": _DATE, "end_date": {**_DATE, "description": "Empty or absent: open-ended"},
                           "client_name": _STRING, "reference": _STRING},
        },
        "ImportRequest": {"type": "object", "properties": {"dry_run": {"type": "boolean", "default": False}}},
        "ImportUpload": {
            "type": "object", "required": ["import_id", "upload"],
            "properties": {
                "import_id": _STRING, "dry_run": {"type": "boolean"},
                "upload": {"type": "object", "required": ["url", "fields"],
                           "description": "A presigned S3 POST (multipart/form-data: the fields, then `file`); "
                                          "S3 refuses files over 10 MB",
                           "properties": {"url": _STRING,
                                          "fields": {"type": "object", "additionalProperties": _STRING}}},
            },
        },
        "ImportStatus": {
            "type": "object",
            "required": ["status", "total", "processed", "imported", "skipped", "failed", "errors_csv"],
            "properties": {
                "import_id": _STRING, "dry_run": {"type": "boolean"}, "activate": {"type": "boolean"},
                "status": {"type": "string", "enum": ["waiting_for_upload", "processing", "done", "failed"]},
                "total": _COUNT, "processed": _COUNT, "imported": _COUNT, "skipped": _COUNT, "failed": _COUNT,
                "errors_csv": {**_NULLABLE, "description": "Presigned link (5 minutes) to the error report"},
                "reason": {**_STRING, "description": "Why the import failed (with status failed)"},
                "reason_message": _STRING,
            },
        },
    },
}
