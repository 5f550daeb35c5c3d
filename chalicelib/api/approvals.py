"""Four eyes at the support desk (docs/api.md "Support desk"): what waits for a second staff member's
approval, and the approval or rejection itself (services/four_eyes.py holds the rules)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.admin import ADMIN, staff_action
from chalicelib.api.http import context, current_request, json_response, route
from chalicelib.api.openapi_fragments import (
    ERROR,
    GUARDED_ERRORS,
    NULLABLE,
    STAFF,
    STRING,
    page_of,
    parameter,
    response,
)
from chalicelib.services import four_eyes, identity_checks
from chalicelib.services.accounts import STAFF_ROLES
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)


@route(blueprint, f"{ADMIN}/approvals", methods=["GET"], access=Access.FULL, roles=STAFF_ROLES)
def waiting(current: Authenticated) -> Response:
    return json_response(four_eyes.waiting(current.user))


@staff_action(blueprint, f"{ADMIN}/approvals/{{approval_id}}/approve", "support.reset_2fa.approve")
def approve(current: Authenticated, approval_id: str, body: dict) -> Response:
    four_eyes.approve(current.user, approval_id, body.get("reason"), context(current_request()))
    return Response(body="", status_code=204)


@staff_action(blueprint, f"{ADMIN}/approvals/{{approval_id}}/reject", "support.reset_2fa.reject")
def reject(current: Authenticated, approval_id: str, body: dict) -> Response:
    four_eyes.reject(current.user, approval_id, body.get("reason"), context(current_request()))
    return Response(body="", status_code=204)


# ---------------------------------------------------------------- OpenAPI

_ID = parameter("approval_id", "path", "Id of the pending request, e.g. AP-4K7Q-M2XD")

OPENAPI = {
    f"{ADMIN}/approvals": {
        "get": {**STAFF, "summary": "Requests waiting for a second staff member's approval, newest first",
                "responses": {"200": response("Pending, unexpired requests", "ApprovalPage"), **GUARDED_ERRORS}},
    },
    f"{ADMIN}/approvals/{{approval_id}}/approve": {
        "post": {**STAFF, "summary": "Approve a pending request: the change happens now (never the requester)",
                 "description": "403 for the requester (recorded as `denied`), 409 `conflict` once decided, "
                                "409 `approval_expired` after 24 hours. Two approvals at once apply it once.",
                 "parameters": [_ID], "responses": {"204": response("Approved and applied; in the audit trail"),
                                                    **GUARDED_ERRORS, "404": ERROR, "409": ERROR}},
    },
    f"{ADMIN}/approvals/{{approval_id}}/reject": {
        "post": {**STAFF, "summary": "Reject a pending request (by the requester: withdraw it); nothing changes",
                 "parameters": [_ID], "responses": {"204": response("Rejected; in the audit trail"),
                                                    **GUARDED_ERRORS, "404": ERROR, "409": ERROR}},
    },
}

_APPROVAL = {
    "id": STRING, "action": STRING, "target": STRING,
    "status": {"type": "string", "enum": ["pending", "approved", "rejected", "expired"]},
    "requested_by": STRING, "requested_at": {**STRING, "format": "date-time"},
    "expires_at": {**STRING, "format": "date-time"}, "reason": STRING,
    "identity_checks": {"type": "array", "items": {"type": "string", "enum": list(identity_checks.CHECKS)}},
    "identity_note": NULLABLE, "decided_by": NULLABLE, "decided_at": NULLABLE, "decision_reason": NULLABLE,
}

OPENAPI_COMPONENTS = {
    "schemas": {
        "Approval": {"type": "object", "required": ["id", "action", "target", "status", "requested_by",
                                                    "requested_at", "expires_at"],
                     "properties": _APPROVAL},
        "ApprovalPage": page_of("Approval"),
        "ApprovalRequested": {"type": "object", "required": ["approval"],
                              "properties": {"approval": {"$ref": "#/components/schemas/Approval"}}},
    },
}
