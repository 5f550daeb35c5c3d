"""Pages of the support desk ("Ondersteuning", staff only, under /support) and the public
"Hulp nodig?" form linked from the login page.

Staff pages are rendered on the server from the same service functions as the admin API; their
actions post JSON to that API (with the reason) from support.js.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice import Blueprint, Response

from chalicelib.api.http import current_request, require
from chalicelib.api.pages import page, redirect
from chalicelib.errors import HTTP_STATUS, ErrorCode, PortalError
from chalicelib.i18n import LANGUAGES
from chalicelib.services import audit_trail, support_desk, support_requests
from chalicelib.services.accounts import ROLES, STAFF_ROLES
from chalicelib.storage.users import User

blueprint = Blueprint(__name__)

# Notices a page shows after an action reloaded it (?done=...); anything else is ignored.
DONE = ("unblocked", "reset", "created", "closed", "representative")


def _query(name: str) -> str:
    return ((current_request().query_params or {}).get(name) or "").strip()


def _when(timestamp: int | None) -> str:
    from chalicelib.services.notifications import event_time

    return event_time(timestamp) if timestamp else "—"


def staff_page(template: str, load: Callable[[User], dict], **fixed: object) -> Response:
    """A staff page: the login page without a full session, 403 without a staff role and active 2FA.
    `load` calls the page's service function; a refusal from it (bad filter, unknown account) is shown
    on the page itself, with the `fixed` values (form choices) still there."""
    try:
        current = require(current_request(), "full", STAFF_ROLES)
    except PortalError as refusal:
        if refusal.code is ErrorCode.FORBIDDEN:
            return page("support_forbidden.html", status=403)
        return redirect("/login")
    error, values, status = None, {}, 200
    try:
        values = load(current.user)
    except PortalError as refused:
        error, status = refused.code.value, HTTP_STATUS[refused.code]
    done = _query("done")
    return page(template, status=status, user=current.user, error=error, done=done if done in DONE else None,
                when=_when, **{**fixed, **values})


@blueprint.route("/help", methods=["GET"])
def help_page() -> Response:
    kind = _query("kind")
    return page("help.html", kinds=support_requests.KINDS, chosen=kind if kind in support_requests.KINDS else "")


@blueprint.route("/support", methods=["GET"])
def search_page() -> Response:
    query = _query("q")
    return staff_page(
        "support_home.html",
        lambda actor: {"results": support_desk.find_users(actor, query)["items"] if query else None},
        query=query, roles=ROLES, mail_languages=LANGUAGES, results=None,
    )


@blueprint.route("/support/users/{username}", methods=["GET"])
def user_page(username: str) -> Response:
    return staff_page("support_user.html", lambda actor: {"account": support_desk.user_detail(actor, username)},
                      identity_checks=support_desk.IDENTITY_CHECKS)


@blueprint.route("/support/requests", methods=["GET"])
def queue_page() -> Response:
    status = _query("status")
    return staff_page("support_requests.html",
                      lambda actor: support_requests.queue(actor, status or None, _query("cursor") or None),
                      status_filter=status, items=[], cursor=None)


@blueprint.route("/support/requests/{reference}", methods=["GET"])
def request_page(reference: str) -> Response:
    return staff_page("support_request.html",
                      lambda actor: support_requests.detail_with_account(actor, reference),
                      identity_checks=support_desk.IDENTITY_CHECKS)


@blueprint.route("/support/audit", methods=["GET"])
def audit_page() -> Response:
    filters = {name: _query(name) for name in ("target", "actor", "action", "from", "to")}
    return staff_page(
        "support_audit.html",
        lambda actor: audit_trail.search(actor, target=filters["target"], by=filters["actor"],
                                         action=filters["action"], since=filters["from"], until=filters["to"],
                                         cursor=_query("cursor") or None),
        filters=filters, items=[], cursor=None,
    )
