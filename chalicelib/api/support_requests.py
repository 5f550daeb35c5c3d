"""POST /api/v1/support-requests (docs/api.md "Support requests"): no login needed, the same answer
whether or not the account exists, rate-limited."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import context, current_request, json_body, json_response, route
from chalicelib.services import support_requests

blueprint = Blueprint(__name__)
PATH = "/api/v1/support-requests"


@route(blueprint, PATH, methods=["POST"])
def file_request() -> Response:
    request = current_request()
    body = json_body(request, {"username": str, "email": str, "kind": str, "message": (str, False)})
    reference = support_requests.file_request(body["username"], body["email"], body["kind"], body.get("message"),
                                              context(request))
    return json_response({"reference": reference}, status=202)


OPENAPI = {
    PATH: {
        "post": {
            "summary": "Ask the support desk for help without logging in",
            "description": "The answer is the same whether or not the account exists; rate-limited per IP "
                           "address and per username.",
            "tags": ["support requests"],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["username", "email", "kind"],
                "properties": {
                    "username": {"type": "string"},
                    "email": {"type": "string"},
                    "kind": {"type": "string", "enum": list(support_requests.KINDS)},
                    "message": {"type": "string", "maxLength": support_requests.MESSAGE_MAX},
                },
            }}}},
            "responses": {
                "202": {"description": "Filed", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reference"], "properties": {"reference": {"type": "string"}}}}}},
                "400": {"$ref": "#/components/responses/Error"},
                "429": {"$ref": "#/components/responses/Error"},
            },
        }
    }
}
