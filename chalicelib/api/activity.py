"""The account holder's activity (docs/api.md "Account"): their own events, and "Dit was ik niet".
The pages /account/activity and /account/activity/not-me are in api/activity_pages.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.bodies import Body, optional
from chalicelib.api.http import cleared_cookie, context, current_request, json_response, language, query, route
from chalicelib.api.openapi_fragments import NULLABLE, STRING, errors, page_of, parameter, response
from chalicelib.services import activity, not_me
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)

REPORT = Body({"events": optional(list, items={"type": "string"}, maxItems=not_me.MAX_EVENTS,
                                  description="Ids of the caller's own events it reports (none: the page as a "
                                              "whole)")})


@route(blueprint, "/account/activity", methods=["GET"], access=Access.FULL)
def list_activity(current: Authenticated) -> Response:
    found = activity.page(current, language(current_request()), query("cursor"))
    return json_response({"items": found.items, "cursor": found.cursor})


@route(blueprint, "/account/activity/not-me", methods=["POST"], access=Access.FULL, body=REPORT)
def report_not_me(current: Authenticated, body: dict) -> Response:
    outcome = not_me.report(current, body.get("events") or [], context(current_request()))
    # Every session of the account has ended, this one too: the browser forgets its cookie.
    return json_response(outcome, headers={"Set-Cookie": cleared_cookie()})


OPENAPI = {
    "/account/activity": {"get": {
        "summary": "The caller's own activity, newest first: logins and failed attempts on the name, second-factor, "
                   "password and e-mail changes, support desk actions and authorization changes, each with a "
                   "readable label in the caller's language (never an event's secrets)",
        "tags": ["account"],
        "parameters": [parameter("cursor", "query", "From the previous page")],
        "responses": {"200": response("A page of events", "ActivityPage"), **errors(400, 401)},
    }},
    "/account/activity/not-me": {"post": {
        "summary": "'Dit was ik niet': end every session of the account (the caller's too), replace the password "
                   "by one nobody knows and mail a reset link, and open a support request naming the events",
        "tags": ["account"],
        "responses": {"200": response("The account is secured; the session cookie is cleared",
                                      {"type": "object", "required": ["reference", "email", "reset_link_sent"],
                                       "properties": {"reference": STRING, "email": STRING,
                                                      "reset_link_sent": {"type": "boolean"}}}),
                      **errors(400, 401, 409)},
    }},
}

OPENAPI_COMPONENTS = {
    "schemas": {
        "ActivityPage": page_of("ActivityEvent"),
        "ActivityEvent": {
            "type": "object",
            "required": ["id", "at", "time", "action", "label", "outcome", "succeeded", "suspicious"],
            "properties": {
                "id": STRING,
                "at": {"type": "string", "format": "date-time"},
                "time": {**STRING, "description": "Curaçao time (UTC-4), as the page shows it"},
                "action": STRING,
                "label": {**STRING, "description": "What happened, in the caller's language"},
                "outcome": STRING,
                "succeeded": {"type": "boolean"},
                "by": {**NULLABLE, "description": "Who acted, when not the account itself"},
                "device": {**NULLABLE, "description": "Browser and system, e.g. 'Chrome op Windows'"},
                "ip": NULLABLE,
                "new_device": {"type": "boolean"},
                "suspicious": {"type": "boolean"},
            },
        },
    }
}
