"""The OpenID Connect userinfo endpoint (`/api/v1/oidc/userinfo`): a resource of the JSON API, called
by a tax application's server with the bearer access token, so it answers in JSON, also under
trouble (503 `temporarily_unavailable` with Retry-After), never with an HTML page. What it answers is
in services/oidc_endpoints.py `userinfo`; the discovery document names it."""

from __future__ import annotations

import logging

from chalice import Blueprint, Response

from chalicelib.api.http import RETRY_AFTER_SECONDS, json_response
from chalicelib.api.oidc import FORM, issuer, oauth_request, oauth_response
from chalicelib.storage.base import is_temporary_trouble

log = logging.getLogger("portal.oidc")

blueprint = Blueprint(__name__)

PATH = "/oidc/userinfo"  # below the API's prefix: services/oidc.py USERINFO_PATH


def _answer() -> Response:
    from chalicelib.services import oidc_endpoints
    from chalicelib.services.oidc import USERINFO_PATH

    try:
        return oauth_response(oidc_endpoints.userinfo(issuer(), oauth_request(USERINFO_PATH)))
    except Exception as error:  # noqa: BLE001 - Chalice would answer with its own JSON 500
        if is_temporary_trouble(error):
            log.warning("temporary AWS trouble", exc_info=True)
            return json_response({"error": "temporarily_unavailable", "error_description": "Try again in a moment."},
                                 503, {"Retry-After": str(RETRY_AFTER_SECONDS)})
        log.exception("unhandled error")
        return json_response({"error": "server_error"}, 500)


@blueprint.route(PATH, methods=["GET"])
def userinfo() -> Response:
    return _answer()


@blueprint.route(PATH, methods=["POST"], content_types=[FORM, "application/json"])
def userinfo_form() -> Response:
    return _answer()


_CLAIMS = {"description": "Claims", "content": {"application/json": {"schema": {"type": "object"}}}}
_REFUSED = {"description": "Missing, invalid, expired or revoked token (RFC 6750)"}
_TROUBLE = {"description": "Temporary trouble: `temporarily_unavailable`, try again after Retry-After"}

OPENAPI = {
    PATH: {
        "get": {"summary": "Claims about the access token's subject (Bearer token)", "tags": ["oidc"],
                "responses": {"200": _CLAIMS, "401": _REFUSED, "503": _TROUBLE}},
        "post": {"summary": "Claims about the access token's subject (Bearer token)", "tags": ["oidc"],
                 "requestBody": {"required": False, "content": {FORM: {"schema": {
                     "type": "object", "additionalProperties": {"type": "string"}}}}},
                 "responses": {"200": _CLAIMS, "401": _REFUSED, "503": _TROUBLE}},
    }
}
