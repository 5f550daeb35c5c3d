"""The portal's HTML pages and static files. Pages that need a login check the session server-side
and send people to the login page (or to enrollment) otherwise."""

from __future__ import annotations

from urllib.parse import urlencode

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.api.http import current_request, language, require
from chalicelib.errors import PortalError
from chalicelib.i18n import LANGUAGES, normalize_language
from chalicelib.settings import get_settings

blueprint = Blueprint(__name__)


def language_links(path: str, query: dict[str, str]) -> dict[str, str]:
    """The page itself in each language, keeping its other parameters (a mailed link's token)."""
    others = {name: value for name, value in query.items() if name != "lang"}
    return {code: f"{path}?{urlencode({**others, 'lang': code})}" for code in LANGUAGES}


def page(template: str, status: int = 200, **values: object) -> Response:
    from chalicelib.render.pages import render

    request = current_request()
    lang = language(request)
    query = dict(request.query_params or {})
    headers = {"Content-Type": "text/html; charset=utf-8"}
    chosen = normalize_language(query.get("lang"))
    if chosen:
        secure = "; Secure" if get_settings().cookie_secure else ""
        headers["Set-Cookie"] = f"lang={chosen}; Path=/; SameSite=Lax; Max-Age=31536000{secure}"
    body = render(template, lang, request.path, language_links=language_links(request.path, query), **values)
    return Response(body=body, status_code=status, headers=headers)


def redirect(location: str) -> Response:
    return Response(body="", status_code=302, headers={"Location": location})


# Where a partial session continues: the page of its next login step.
NEXT_STEP_PAGES = {"totp": "/login/totp", "enroll": "/mfa/activate"}


def logged_in_page(template: str, auth: str = "full", **values: object) -> Response:
    """A page for a full session; partial sessions go to their next step, others to the login."""
    request = current_request()
    try:
        current = require(request, auth)
    except PortalError:
        return redirect(_resume_location(request))
    if not current.is_full:
        # GET /api/v1/session serves full sessions only: a password-only session's page gets its fixed
        # end with the page (it cannot be extended, so the page never needs to ask).
        from chalicelib.services import session_expiry

        values["session_ends_in"] = session_expiry.status(current)["absolute_expires_in"]
    return page(template, user=current.user, **values)


def _resume_location(request: Request) -> str:
    try:
        current = require(request, "any")
    except PortalError:
        return "/login"
    if current.is_full:
        return "/portal"
    return NEXT_STEP_PAGES.get(current.session.next_step, "/login")


@blueprint.route("/", methods=["GET"])
def home() -> Response:
    return redirect("/portal")


@blueprint.route("/login", methods=["GET"])
def login_page() -> Response:
    return page("login.html")


# Why the logged-out page is shown: the user's own click (no reason), the expiry warning ran out
# ("idle"), or the session ended otherwise, e.g. after 8 hours or a password change elsewhere ("ended").
LOGGED_OUT_REASONS = ("idle", "ended")


@blueprint.route("/logged-out", methods=["GET"])
def logged_out_page() -> Response:
    reason = (current_request().query_params or {}).get("reason")
    return page("logged_out.html", reason=reason if reason in LOGGED_OUT_REASONS else None,
                idle_minutes=get_settings().session_idle_seconds // 60)


@blueprint.route("/portal", methods=["GET"])
def portal_page() -> Response:
    return logged_in_page("portal.html")


@blueprint.route("/static/{name}", methods=["GET"])
def static(name: str) -> Response:
    from chalicelib.render.pages import static_file

    found = static_file(name)
    if found is None:
        return Response(body="", status_code=404, headers={"Content-Type": "text/plain"})
    content, content_type = found
    return Response(body=content.decode("utf-8"), status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": "public, max-age=300"})
