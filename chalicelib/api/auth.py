"""Login, logout and the current user (docs/api.md "Login")."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import (
    cleared_cookie,
    context,
    current_request,
    json_body,
    json_response,
    route,
    session_cookie,
    session_cookie_values,
)
from chalicelib.services import login as login_service
from chalicelib.services import sessions
from chalicelib.services.accounts import profile

blueprint = Blueprint(__name__)
API = "/api/v1"


@route(blueprint, f"{API}/auth/login", methods=["POST"])
def login() -> Response:
    request = current_request()
    body = json_body(request, {"username": str, "password": str})
    result = login_service.login(body["username"], body["password"], context(request))
    answer = {"next": result.next_step}
    if result.second_factor == "passkey":
        answer["second_factor"] = "passkey"  # the page offers the passkey first; TOTP stays available
    return json_response(answer, headers={"Set-Cookie": session_cookie(result.cookie_value)})


@route(blueprint, f"{API}/auth/logout", methods=["POST"])
def logout() -> Response:
    request = current_request()
    # A planted second cookie must not keep the user's own session alive: each one named is ended.
    sessions.logout(session_cookie_values(request), context(request))
    return Response(body="", status_code=204, headers={"Set-Cookie": cleared_cookie()})


@route(blueprint, f"{API}/me", methods=["GET"], auth="full")
def me(current: sessions.Authenticated) -> Response:
    return json_response(profile(current.user))


OPENAPI = {
    f"{API}/auth/login": {
        "post": {
            "summary": "Password step of the login",
            "tags": ["login"],
            "requestBody": {"$ref": "#/components/requestBodies/Credentials"},
            "responses": {
                "200": {"description": "Password accepted; a partial session cookie is set",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Next"}}}},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "423": {"$ref": "#/components/responses/Error"},
                # Too many failed password checks from this source address in the current minute.
                "429": {"$ref": "#/components/responses/Error"},
            },
        }
    },
    f"{API}/auth/logout": {
        "post": {
            "summary": "End the session",
            "tags": ["login"],
            "requestBody": {"$ref": "#/components/requestBodies/Empty"},
            "responses": {"204": {"description": "Session ended, cookie cleared"}},
        }
    },
    f"{API}/me": {
        "get": {
            "summary": "The logged-in user",
            "tags": ["login"],
            "security": [{"session": []}],
            "responses": {
                "200": {"description": "Profile",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}},
                "401": {"$ref": "#/components/responses/Error"},
            },
        }
    },
}
