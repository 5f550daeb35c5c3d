"""The support desk's side of representatives (docs/api.md "Support desk"): portal access for a firm, and
bulk imports on a representative's behalf ("signed forms received" makes them active). Staff role,
full session, a reason for every action."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.admin import staff_action
from chalicelib.api.http import context, current_request, json_body, json_response, language, route
from chalicelib.api.representative import (
    ERROR,
    ERRORS,
    IMPORT_ID,
    dry_run_flag,
    parameter,
    schema_body,
    schema_response,
)
from chalicelib.services import imports, representatives
from chalicelib.services.accounts import STAFF_ROLES
from chalicelib.services.sessions import Authenticated

blueprint = Blueprint(__name__)
API = "/api/v1/admin/representatives"


@staff_action(blueprint, API, "support.grant_representative")
def grant_access(current: Authenticated) -> Response:
    request = current_request()
    body = json_body(request, {"username": str, "firm_name": str, "crib": str, "email": (str, False),
                               "reason": (str, False)})
    summary, created = representatives.grant_access(
        current.user, username=body["username"], firm_name=body["firm_name"], crib=body["crib"],
        email=body.get("email"), reason=body.get("reason"), context=context(request))
    return json_response({**summary, "created": created}, status=201)


@staff_action(blueprint, f"{API}/{{username}}/imports", "import.request")
def request_import(current: Authenticated, username: str) -> Response:
    request = current_request()
    body = json_body(request, {"dry_run": (bool, False), "signed_forms_received": (bool, False),
                               "reason": (str, False)})
    started = imports.request_import_for(current.user, username, dry_run=dry_run_flag(body),
                                         signed_forms_received=bool(body.get("signed_forms_received", False)),
                                         reason=body.get("reason"), context=context(request))
    return json_response(started, status=201)


@route(blueprint, f"{API}/{{username}}/imports/{{import_id}}", methods=["GET"], auth="full", roles=STAFF_ROLES)
def import_status(current: Authenticated, username: str, import_id: str) -> Response:
    return json_response(imports.import_status_for(current.user, username, import_id, language(current_request())))


_STAFF = {"security": [{"session": []}], "tags": ["support desk"]}
_USERNAME = parameter("username", "path", "The representative's username")
_STRING = {"type": "string"}

OPENAPI = {
    API: {
        "post": {**_STAFF, "summary": "Representative portal access for a firm (new account, or the role on one)",
                 "description": "Without an existing account `email` is required: the new account gets an "
                                "activation mail. An existing account must have no CRIB or the firm's CRIB.",
                 "requestBody": schema_body("RepresentativeAccess"),
                 "responses": {"201": schema_response("Representative", "Access granted; recorded in the audit trail"),
                               **ERRORS, "409": ERROR}},
    },
    f"{API}/{{username}}/imports": {
        "post": {**_STAFF, "summary": "Bulk import on a representative's behalf (as the representative's import)",
                 "description": "With signed_forms_received the imported authorizations are active at once.",
                 "parameters": [_USERNAME], "requestBody": schema_body("StaffImportRequest"),
                 "responses": {"201": schema_response("ImportUpload", "Upload the file with this form"),
                               **ERRORS, "404": ERROR, "409": ERROR}},
    },
    f"{API}/{{username}}/imports/{{import_id}}": {
        "get": {**_STAFF, "summary": "Status, progress and counts of a representative's import",
                "parameters": [_USERNAME, IMPORT_ID],
                "responses": {"200": schema_response("ImportStatus", "The import"), **ERRORS, "404": ERROR}},
    },
}

OPENAPI_COMPONENTS = {
    "schemas": {
        "RepresentativeAccess": {
            "type": "object", "required": ["username", "firm_name", "crib", "reason"],
            "properties": {"username": _STRING, "firm_name": _STRING,
                           "crib": {"type": "string", "pattern": "^[0-9]{9}$"},
                           "email": {**_STRING, "description": "Required when the account does not exist yet"},
                           "reason": _STRING},
        },
        "Representative": {
            "type": "object", "required": ["username", "firm_name", "crib", "roles", "created"],
            "properties": {"username": _STRING, "firm_name": _STRING, "crib": _STRING,
                           "roles": {"type": "array", "items": _STRING}, "created": {"type": "boolean"}},
        },
        "StaffImportRequest": {
            "type": "object", "required": ["reason"],
            "properties": {"dry_run": {"type": "boolean", "default": False},
                           "signed_forms_received": {"type": "boolean", "default": False}, "reason": _STRING},
        },
    },
}
