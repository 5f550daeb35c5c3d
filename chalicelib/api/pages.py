"""The portal's HTML pages and static files, and guarded_page(): the one way a page that needs a login
is declared, so every such page answers a visitor the same way (see guarded_page)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from chalice import Blueprint, Response

from chalicelib.api.http import authenticate, current_request, holds_role, language
from chalicelib.errors import PortalError
from chalicelib.i18n import LANGUAGES, normalize_language
from chalicelib.roles import Role
from chalicelib.services.sessions import Access, Authenticated
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


# ---------------------------------------------------------------- pages behind a login


@dataclass(frozen=True)
class GuardedPage:
    path: str
    access: Access
    roles: frozenset[Role] | None


# Every page declared with guarded_page(), in registration order (the tests walk all of them).
GUARDED_PAGES: list[GuardedPage] = []

# Where a partial session continues: the page of its next login step.
NEXT_STEP_PAGES = {"totp": "/login/totp", "enroll": "/mfa/activate"}
LOGIN_PAGE = "/login"
HOME_PAGE = "/portal"


def guarded_page(bp: Blueprint, path: str, access: Access = Access.FULL,
                 roles: frozenset[Role] | None = None) -> Callable:
    """GET route of a page behind a login; the view gets the authenticated session first. A visitor the
    page does not admit is answered here, the same way on every page:
    - no (live) session: to the login page;
    - a session the page's access level does not admit: a partial one to its next login step (the
      second-factor or the enrollment page), a full one (on a login-step page) to the portal;
    - a full session without one of `roles` (or, for a role-guarded page, without active 2FA): 403 with
      the forbidden page.
    """

    def decorator(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(**path_params: Any) -> Response:
            try:
                current = authenticate(current_request())
            except PortalError:
                return redirect(LOGIN_PAGE)
            if not access.admits(current.session):
                return redirect(_resume_location(current))
            if roles and not holds_role(current, roles):
                return page("forbidden.html", status=403, user=current.user)
            return view(current, **path_params)

        GUARDED_PAGES.append(GuardedPage(path, access, roles))
        bp.route(path, methods=["GET"])(wrapper)
        return view

    return decorator


def _resume_location(current: Authenticated) -> str:
    if current.is_full:
        return HOME_PAGE
    return NEXT_STEP_PAGES.get(current.session.next_step, LOGIN_PAGE)


def page_for(current: Authenticated, template: str, status: int = 200, **values: object) -> Response:
    """A guarded page for `current`. A password-only session's page gets its fixed end rendered in: GET
    /api/v1/session serves full sessions only (a partial session cannot be extended, so its page never
    needs to ask)."""
    if not current.is_full:
        from chalicelib.services import session_expiry

        values["session_ends_in"] = session_expiry.status(current)["absolute_expires_in"]
    return page(template, status=status, user=current.user, **values)


@blueprint.route("/", methods=["GET"])
def home() -> Response:
    return redirect(HOME_PAGE)


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


@guarded_page(blueprint, "/portal")
def portal_page(current: Authenticated) -> Response:
    from chalicelib.api.oidc import CONTINUE_PAGE, pending_request

    if pending_request() is not None:
        return redirect(CONTINUE_PAGE)  # the login was made for a tax application: back to its request
    return page_for(current, "portal.html")


@blueprint.route("/static/{name}", methods=["GET"])
def static(name: str) -> Response:
    from chalicelib.render.pages import static_file

    found = static_file(name)
    if found is None:
        return Response(body="", status_code=404, headers={"Content-Type": "text/plain"})
    content, content_type = found
    return Response(body=content.decode("utf-8"), status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": "public, max-age=300"})
