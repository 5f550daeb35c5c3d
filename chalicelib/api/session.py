"""GET /api/v1/session: the time the caller's full session has left (the pages' expiry warning and its
"stay logged in" button; the request itself counts as activity). A partial session gets 401 here like
everywhere outside the second-factor and enrollment steps; its pages get their fixed end rendered in."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import json_response, route
from chalicelib.api.openapi_fragments import errors, response
from chalicelib.services import session_expiry
from chalicelib.services.sessions import Access, Authenticated, Level

blueprint = Blueprint(__name__)


@route(blueprint, "/session", methods=["GET"], access=Access.RENEW)
def session_status(current: Authenticated) -> Response:
    return json_response(session_expiry.status(current))


OPENAPI = {
    "/session": {
        "get": {
            "summary": "Time left before the session's idle and absolute timeouts; counts as activity",
            "tags": ["login"],
            "responses": {"200": response("Seconds left", "SessionStatus"), **errors(401)},
        }
    },
}

OPENAPI_COMPONENTS = {
    "schemas": {
        "SessionStatus": {
            "type": "object",
            "required": ["level", "idle_timeout", "activity_interval", "idle_expires_in", "absolute_expires_in"],
            "properties": {
                "level": {"type": "string", "enum": [Level.FULL]},
                "idle_timeout": {"type": "integer", "description": "Seconds of inactivity that end a session"},
                "activity_interval": {"type": "integer",
                                      "description": "Activity is recorded at most once per this many seconds"},
                "idle_expires_in": {"type": "integer", "description": "Seconds until the session ends if idle"},
                "absolute_expires_in": {"type": "integer",
                                        "description": "Seconds until the session ends regardless of activity"},
            },
        }
    }
}
