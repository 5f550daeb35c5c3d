"""Login, logout and the current user (docs/api.md "Login")."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.bodies import Body, Field
from chalicelib.api.http import (
    cleared_cookie,
    context,
    cookies,
    current_request,
    json_response,
    route,
    session_cookie,
    session_cookie_values,
)
from chalicelib.api.openapi_fragments import errors, response
from chalicelib.services import login as login_service
from chalicelib.services import sessions
from chalicelib.services.accounts import profile
from chalicelib.services.sessions import Access

blueprint = Blueprint(__name__)

CREDENTIALS = Body({"username": Field(str), "password": Field(str)}, name="Credentials")


@route(blueprint, "/auth/login", methods=["POST"], body=CREDENTIALS)
def login(body: dict) -> Response:
    request = current_request()
    result = login_service.login(body["username"], body["password"], context(request))
    answer: dict[str, object] = {"next": result.next_step}
    if result.password_change_required:
        answer["password_change_required"] = True  # the password is listed now: a new one right after the login
    if result.second_factor == "passkey":
        answer["second_factor"] = "passkey"  # the page offers the passkey first; TOTP stays available
    return json_response(answer, headers={"Set-Cookie": session_cookie(result.cookie_value)})


@route(blueprint, "/auth/logout", methods=["POST"])
def logout() -> Response:
    request = current_request()
    # A planted second cookie must not keep the user's own session alive: each one named is ended.
    sessions.logout(session_cookie_values(request), context(request))
    if cookies(request).get("oidc_client_logins"):  # api/oidc.py CLIENT_LOGINS_COOKIE
        from chalicelib.services import oidc_logout

        oidc_logout.after_sessions_ended([value.partition(".")[2] for value in session_cookie_values(request)])
    return Response(body="", status_code=204, headers={"Set-Cookie": cleared_cookie()})


@route(blueprint, "/me", methods=["GET"], access=Access.RENEW)
def me(current: sessions.Authenticated) -> Response:
    answer = profile(current.user)
    if current.must_change_password:
        answer["password_change_required"] = True
    return json_response(answer)


OPENAPI = {
    "/auth/login": {
        "post": {
            "summary": "Password step of the login",
            "tags": ["login"],
            "responses": {
                "200": response("Password accepted; a partial session cookie is set", "Next"),
                # 429: too many failed password checks from this source address in the current minute.
                **errors(400, 401, 423, 429),
            },
        }
    },
    "/auth/logout": {
        "post": {
            "summary": "End the session",
            "tags": ["login"],
            "responses": {"204": response("Session ended, cookie cleared")},
        }
    },
    "/me": {
        "get": {
            "summary": "The logged-in user",
            "tags": ["login"],
            "responses": {"200": response("Profile", "Me"), **errors(401)},
        }
    },
}
