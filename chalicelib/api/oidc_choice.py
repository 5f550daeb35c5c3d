"""The adviser's choice on the client chooser page (/oidc/represent): for which client they log in
to the tax application, or for themselves. The choice joins the kept authorization request."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.bodies import Body, Field
from chalicelib.api.http import json_response, route
from chalicelib.api.oidc import CONTINUE_PAGE, pending_cookie, pending_request
from chalicelib.api.openapi_fragments import errors, response
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.roles import Role
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)

CHOICE = Body({"client_crib": Field(str, required=False, nullable=True)}, name="RepresentationChoice")


@route(blueprint, "/oidc/representation", methods=["POST"], access=Access.FULL,
       roles=frozenset({Role.REPRESENTATIVE}), body=CHOICE)
def choose(current: Authenticated, body: dict) -> Response:
    from chalicelib.services import oidc_representation
    from chalicelib.services.oidc_endpoints import Pending

    pending = pending_request()
    if pending is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    crib = body["client_crib"]
    if crib is not None and oidc_representation.representation_for(current.user, crib) is None:
        raise PortalError(ErrorCode.FORBIDDEN)
    chosen = Pending(pending.query, pending.started, crib or "self")
    return json_response({"next": CONTINUE_PAGE}, headers={"Set-Cookie": pending_cookie(chosen.seal())})


OPENAPI = {
    "/oidc/representation": {
        "post": {
            "summary": "An adviser's choice of client (or null: for themselves) for the tax application login",
            "tags": ["oidc"],
            "responses": {
                "200": response("The choice is kept; continue at `next`",
                                {"type": "object", "required": ["next"], "properties": {"next": {"type": "string"}}}),
                **errors(400, 401, 403, 404),
            },
        }
    }
}
