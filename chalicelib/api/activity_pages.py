"""The pages of the account holder's activity: /account/activity (their own events, paged) and
/account/activity/not-me (the confirmation before "Dit was ik niet", and what happened after it).
Their scripts talk to api/activity.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import current_request, language, query
from chalicelib.api.pages import guarded_page, page, page_for
from chalicelib.errors import PortalError
from chalicelib.services import activity, not_me
from chalicelib.services.notifications import mask_email
from chalicelib.services.sessions import Authenticated

blueprint = Blueprint(__name__)


@guarded_page(blueprint, "/account/activity")
def activity_page(current: Authenticated) -> Response:
    lang = language(current_request())
    cursor = query("cursor")
    try:
        found = activity.page(current, lang, cursor)
    except PortalError:
        # A cursor that is not one of ours: the newest page, as if none was given.
        cursor, found = None, activity.page(current, lang)
    return page_for(current, "activity.html", items=found.items, cursor=found.cursor, paged=bool(cursor))


@guarded_page(blueprint, "/account/activity/not-me")
def not_me_page(current: Authenticated) -> Response:
    wanted = [event_id for event_id in (query("event") or "").split(",") if event_id][:not_me.MAX_EVENTS]
    try:
        events = not_me.concerned(current, wanted, language(current_request()))
    except PortalError:
        # Not (all) the caller's own events: the report for the page as a whole, naming none.
        events = []
    # Rendered without the session's page furniture (expiry warning, logout): once confirmed, the page
    # outlives the session it ended and says what happened.
    return page("not_me.html", events=events, email=mask_email(current.user.email))
