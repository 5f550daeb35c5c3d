"""Mailed links checked before their page shows its form (docs/api.md "Account"): a reset, activation or
e-mail verification link that was used, replaced by a newer one or has expired says so at once, with
the way to ask for a new one, instead of after the person typed a new password."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.bodies import Body, Field
from chalicelib.api.http import route
from chalicelib.api.openapi_fragments import errors, response
from chalicelib.services import account, password_reset

blueprint = Blueprint(__name__)

LINK = Body({"token": Field(str)}, name="LinkToken")


def _live() -> Response:
    return Response(body="", status_code=204)


@route(blueprint, "/auth/password-reset/check", methods=["POST"], body=LINK)
def check_password_link(body: dict) -> Response:
    password_reset.check_link(body["token"])
    return _live()


@route(blueprint, "/account/email/verify/check", methods=["POST"], body=LINK)
def check_email_link(body: dict) -> Response:
    account.check_email_link(body["token"])
    return _live()


OPENAPI = {
    "/auth/password-reset/check": {"post": {
        "summary": "Is a reset or activation link still good? Changes nothing",
        "tags": ["login"],
        "responses": {"204": response("The link can still be used"), **errors(400)},
    }},
    "/account/email/verify/check": {"post": {
        "summary": "Is an e-mail verification link still good? Changes nothing",
        "tags": ["account"],
        "responses": {"204": response("The link can still be used"), **errors(400)},
    }},
}
