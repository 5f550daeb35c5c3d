"""POST /api/v1/support-requests (docs/api.md "Support requests"): no login needed, the same answer
whether or not the account exists, rate-limited."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.bodies import Body, Field, optional
from chalicelib.api.http import context, current_request, json_response, route
from chalicelib.api.openapi_fragments import STRING, errors, response
from chalicelib.services import support_requests

blueprint = Blueprint(__name__)

SUPPORT_REQUEST = Body({"username": optional(str), "email": Field(str),
                        "kind": Field(str, schema={"enum": list(support_requests.KINDS)}),
                        "message": optional(str, maxLength=support_requests.MESSAGE_MAX),
                        "full_name": optional(str, maxLength=support_requests.NAME_MAX),
                        "crib": optional(str), "phone": optional(str)})


@route(blueprint, "/support-requests", methods=["POST"], body=SUPPORT_REQUEST)
def file_request(body: dict) -> Response:
    requester = support_requests.Requester(body["email"], username=body.get("username"),
                                           full_name=body.get("full_name"), crib=body.get("crib"),
                                           phone=body.get("phone"))
    reference = support_requests.file_request(requester, body["kind"], body.get("message"), context(current_request()))
    return json_response({"reference": reference}, status=202)


OPENAPI = {
    "/support-requests": {
        "post": {
            "summary": "Ask the support desk for help without logging in",
            "description": "The answer is the same whether or not the account exists; rate-limited per IP "
                           "address, per username (or CRIB number or phone) and per e-mail address. Without a "
                           "username, `full_name` and `crib` or `phone` identify the person. The address gets a "
                           "confirmation with the reference, and a notice when the desk closes the request.",
            "tags": ["support requests"],
            "responses": {
                "202": response("Filed", {"type": "object", "required": ["reference"],
                                          "properties": {"reference": STRING}}),
                **errors(400, 429),
            },
        }
    }
}
