"""The support desk's side of representatives (docs/api.md "Support desk"): portal access for a firm, and
bulk imports on a representative's behalf ("signed forms received" makes them active). Staff role,
full session, a reason for every action."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.admin import staff_action
from chalicelib.api.bodies import Body, Field, optional, reason
from chalicelib.api.http import context, current_request, json_response, language, route
from chalicelib.api.openapi_fragments import ERROR, GUARDED_ERRORS, STAFF, STRING, parameter, response
from chalicelib.api.representative import DRY_RUN, IMPORT_ID, dry_run_flag
from chalicelib.services import imports, representatives
from chalicelib.services.accounts import STAFF_ROLES
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)
API = "/admin/representatives"

REPRESENTATIVE_ACCESS = Body({
    "username": Field(str), "firm_name": Field(str), "crib": Field(str, schema={"pattern": "^[0-9]{9}$"}),
    "email": optional(str, description="Required when the account does not exist yet"), "reason": reason(),
}, name="RepresentativeAccess")
STAFF_IMPORT_REQUEST = Body({"dry_run": DRY_RUN, "signed_forms_received": optional(bool, default=False),
                             "reason": reason()}, name="StaffImportRequest")


@staff_action(blueprint, API, "support.grant_representative", REPRESENTATIVE_ACCESS)
def grant_access(current: Authenticated, body: dict) -> Response:
    summary, created = representatives.grant_access(
        current.user, username=body["username"], firm_name=body["firm_name"], crib=body["crib"],
        email=body.get("email"), reason=body.get("reason"), context=context(current_request()))
    return json_response({**summary, "created": created}, status=201)


@staff_action(blueprint, f"{API}/{{username}}/imports", "import.request", STAFF_IMPORT_REQUEST)
def request_import(current: Authenticated, username: str, body: dict) -> Response:
    started = imports.request_import_for(current.user, username, dry_run=dry_run_flag(body),
                                         signed_forms_received=bool(body.get("signed_forms_received", False)),
                                         reason=body.get("reason"), context=context(current_request()))
    return json_response(started, status=201)


@route(blueprint, f"{API}/{{username}}/imports/{{import_id}}", methods=["GET"], access=Access.FULL,
       roles=STAFF_ROLES)
def import_status(current: Authenticated, username: str, import_id: str) -> Response:
    return json_response(imports.import_status_for(current.user, username, import_id, language(current_request())))


_USERNAME = parameter("username", "path", "The representative's username")

OPENAPI = {
    API: {
        "post": {**STAFF, "summary": "Representative portal access for a firm (new account, or the role on one)",
                 "description": "Without an existing account `email` is required: the new account gets an "
                                "activation mail. An existing account must have no CRIB or the firm's CRIB.",
                 "responses": {"201": response("Access granted; recorded in the audit trail", "Representative"),
                               **GUARDED_ERRORS, "409": ERROR}},
    },
    f"{API}/{{username}}/imports": {
        "post": {**STAFF, "summary": "Bulk import on a representative's behalf (as the representative's import)",
                 "description": "With signed_forms_received the imported authorizations are active at once.",
                 "parameters": [_USERNAME],
                 "responses": {"201": response("Upload the file with this form", "ImportUpload"),
                               **GUARDED_ERRORS, "404": ERROR, "409": ERROR}},
    },
    f"{API}/{{username}}/imports/{{import_id}}": {
        "get": {**STAFF, "summary": "Status, progress and counts of a representative's import",
                "parameters": [_USERNAME, IMPORT_ID],
                "responses": {"200": response("The import", "ImportStatus"), **GUARDED_ERRORS, "404": ERROR}},
    },
}

OPENAPI_COMPONENTS = {
    "schemas": {
        "Representative": {
            "type": "object", "required": ["username", "firm_name", "crib", "roles", "created"],
            "properties": {"username": STRING, "firm_name": STRING, "crib": STRING,
                           "roles": {"type": "array", "items": STRING}, "created": {"type": "boolean"}},
        },
    },
}
