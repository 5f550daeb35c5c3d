"""Pages of the support desk ("Ondersteuning", staff only, under /support) and the public
"Hulp nodig?" form linked from the login page.

Staff pages are rendered on the server from the same service functions as the admin API; their
actions post JSON to that API (with the reason) from support.js.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from chalice import Blueprint, Response

from chalicelib.api.http import current_request
from chalicelib.api.pages import guarded_page, page, page_for
from chalicelib.clock import PORTAL_TIME
from chalicelib.errors import HTTP_STATUS, PortalError
from chalicelib.i18n import LANGUAGES
from chalicelib.services import audit_trail, four_eyes, support_desk, support_requests
from chalicelib.services.accounts import ROLES, STAFF_ROLES
from chalicelib.services.sessions import Access, Authenticated
from chalicelib.storage.users import User

blueprint = Blueprint(__name__)

# Notices a page shows after an action reloaded it (?done=...); anything else is ignored.
DONE = ("unblocked", "reset", "created", "closed", "representative", "requested", "approved", "rejected")


def _query(name: str) -> str:
    return ((current_request().query_params or {}).get(name) or "").strip()


def _when(timestamp: int | None) -> str:
    from chalicelib.services.notifications import event_time

    return event_time(timestamp) if timestamp else "—"


def staff_page(path: str) -> Callable:
    """A page of the desk: full session, a staff role and active 2FA (guarded_page answers everyone else)."""
    return guarded_page(blueprint, path, Access.FULL, STAFF_ROLES)


def desk_page(current: Authenticated, template: str, load: Callable[[User], dict], **fixed: object) -> Response:
    """`load` calls the page's service function; a refusal from it (bad filter, unknown account) is shown
    on the page itself, with the `fixed` values (form choices) still there."""
    error, values, status = None, {}, 200
    try:
        values = load(current.user)
    except PortalError as refused:
        error, status = refused.code.value, HTTP_STATUS[refused.code]
    done = _query("done")
    return page_for(current, template, status=status, error=error, done=done if done in DONE else None,
                    when=_when, **{**fixed, **values})


@blueprint.route("/help", methods=["GET"])
def help_page() -> Response:
    """The help form; ?reden= (or ?kind=) preselects what the visitor needs help with."""
    kind = support_requests.REASONS.get(_query("reden"), _query("kind"))
    return page("help.html", kinds=support_requests.KINDS, chosen=kind if kind in support_requests.KINDS else "")


@staff_page("/support")
def search_page(current: Authenticated) -> Response:
    query = _query("q")
    return desk_page(
        current, "support_home.html",
        lambda actor: {"results": support_desk.find_users(actor, query)["items"] if query else None},
        query=query, roles=ROLES, mail_languages=LANGUAGES, results=None,
    )


def allowing_uploads(response: Response) -> Response:
    """A desk page about an account may import a CSV on a firm's behalf: straight to S3, like the firm's."""
    from chalicelib.api import csp
    from chalicelib.storage.uploads import upload_origin

    response.headers["Content-Security-Policy"] = csp.PORTAL.allowing("connect-src", upload_origin()).header()
    return response


@staff_page("/support/users/{username}")
def user_page(current: Authenticated, username: str) -> Response:
    def load(actor: User) -> dict:
        account = support_desk.user_detail(actor, username)
        return {"account": account, "approvals": four_eyes.waiting_for(actor, account["username"])}

    return allowing_uploads(desk_page(current, "support_user.html", load, identity_checks=support_desk.IDENTITY_CHECKS,
                                      approvals=[]))


@staff_page("/support/requests")
def queue_page(current: Authenticated) -> Response:
    status = _query("status")
    return desk_page(current, "support_requests.html",
                     lambda actor: support_requests.queue(actor, status or None, _query("cursor") or None),
                     status_filter=status, items=[], cursor=None)


@staff_page("/support/requests/{reference}")
def request_page(current: Authenticated, reference: str) -> Response:
    return allowing_uploads(desk_page(current, "support_request.html",
                                      lambda actor: support_requests.detail_with_account(actor, reference),
                                      identity_checks=support_desk.IDENTITY_CHECKS))


@staff_page("/support/approvals")
def approvals_page(current: Authenticated) -> Response:
    return desk_page(current, "support_approvals.html", four_eyes.waiting, items=[])


def _island_day(value: str, end: bool) -> str:
    """A date the desk picked (a day on the island, UTC-4) as the UTC moment the trail is searched by:
    its first second (04:00 UTC) or its last (03:59:59 UTC the next day). Anything else as typed."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    start = datetime(day.year, day.month, day.day, tzinfo=PORTAL_TIME).astimezone(UTC)
    moment = start + timedelta(days=1, seconds=-1) if end else start
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


@staff_page("/support/audit")
def audit_page(current: Authenticated) -> Response:
    filters = {name: _query(name) for name in ("target", "actor", "action", "from", "to")}
    since = _island_day(filters["from"], end=False) if filters["from"] else None
    until = _island_day(filters["to"], end=True) if filters["to"] else None
    return desk_page(
        current, "support_audit.html",
        lambda actor: audit_trail.search(actor, target=filters["target"], by=filters["actor"],
                                         action=filters["action"], since=since, until=until,
                                         cursor=_query("cursor") or None),
        filters=filters, items=[], cursor=None,
    )
