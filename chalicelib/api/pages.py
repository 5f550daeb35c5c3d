"""The portal's HTML pages and static files, and guarded_page(): the one way a page that needs a login
is declared, so every such page answers a visitor the same way (see guarded_page)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from chalice import Blueprint, Response

from chalicelib.api.http import authenticate, context, current_request, device_cookie, holds_role, language
from chalicelib.errors import PortalError
from chalicelib.i18n import LANGUAGES, normalize_language
from chalicelib.roles import Role
from chalicelib.security.return_paths import safe_return_path
from chalicelib.services import devices
from chalicelib.services.sessions import Access, Authenticated
from chalicelib.settings import get_settings

blueprint = Blueprint(__name__)


def language_links(path: str, query: dict[str, str]) -> dict[str, str]:
    """The page itself in each language, keeping its other parameters (a mailed link's token)."""
    others = {name: value for name, value in query.items() if name != "lang"}
    return {code: f"{path}?{urlencode({**others, 'lang': code})}" for code in LANGUAGES}


def language_cookie(lang: str) -> str:
    """The visitor's language choice (?lang=), kept for the next pages."""
    secure = "; Secure" if get_settings().cookie_secure else ""
    return f"lang={lang}; Path=/; SameSite=Lax; Max-Age=31536000{secure}"


# The pages of the login's steps hand out the device cookie that the login's last step remembers
# (services/device_notices.py).
DEVICE_COOKIE_PAGES = frozenset({"/login", "/login/totp", "/login/passkey", "/mfa/activate"})


def request_path(request: Any) -> str:
    """The path asked for. Chalice's `request.path` is the route's template (`/support/users/{username}`):
    its parameters are filled in again, so links to the page itself name the page itself."""
    params = request.uri_params or {}
    return request.path.format(**{name: quote(value, safe="") for name, value in params.items()})


def _chosen_language(headers: dict[str, str]) -> str | None:
    """The language the visitor chose with ?lang=, remembered in the `lang` cookie (set in `headers`)."""
    chosen = normalize_language((current_request().query_params or {}).get("lang"))
    if chosen:
        headers["Set-Cookie"] = language_cookie(chosen)
    return chosen


def page(template: str, status: int = 200, **values: object) -> Response:
    from chalicelib.render.pages import render

    request = current_request()
    lang = language(request)
    query = dict(request.query_params or {})
    headers = {"Content-Type": "text/html; charset=utf-8"}
    chosen = _chosen_language(headers)
    if not chosen and request.path in DEVICE_COOKIE_PAGES and devices.device_id(context(request).device_cookie) is None:
        # One cookie per answer: a page that sets the language hands the device cookie out on the next.
        headers["Set-Cookie"] = device_cookie(devices.new_device_cookie())
    # Where the login continues once done (a deep link): only ever a checked same-origin path.
    values.setdefault("return_path", safe_return_path(query.get("next")))
    path = request_path(request)
    body = render(template, lang, path, language_links=language_links(path, query), **values)
    return Response(body=body, status_code=status, headers=headers)


def redirect(location: str) -> Response:
    """302 to a page of the portal; a language chosen with ?lang= goes along (in the cookie and in the
    address), so /?lang=en lands on the English login page."""
    headers: dict[str, str] = {}
    chosen = _chosen_language(headers)
    if chosen and "lang=" not in location:
        location = f"{location}{'&' if '?' in location else '?'}lang={chosen}"
    headers["Location"] = location
    return Response(body="", status_code=302, headers=headers)


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
# Where a login whose password is now on the breached list goes first (api/password_renewal_pages.py).
PASSWORD_RENEWAL_PAGE = "/account/new-password"  # noqa: S105 - a path, not a password


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
                return redirect(with_return(LOGIN_PAGE, _requested()))
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
    if current.is_full and current.must_change_password:
        return PASSWORD_RENEWAL_PAGE
    if current.is_full:
        return HOME_PAGE
    return with_return(NEXT_STEP_PAGES.get(current.session.next_step, LOGIN_PAGE), _requested())


def _requested() -> str:
    """The page being asked for, with its query (a support request's filter), as a return path. The
    language goes along on every redirect by itself (`?lang=` and the cookie), never inside `next`."""
    request = current_request()
    query = {name: value for name, value in (request.query_params or {}).items() if name not in ("next", "lang")}
    return request_path(request) + (f"?{urlencode(query)}" if query else "")


def with_return(location: str, requested: str | None) -> str:
    """`location` carrying `?next=` for the login to come back to `requested`: only a safe path, and
    never the portal's home, where a login ends anyway."""
    target = safe_return_path(requested)
    if not target or target == HOME_PAGE:
        return location
    return f"{location}?{urlencode({'next': target})}"


def page_for(current: Authenticated, template: str, status: int = 200, **values: object) -> Response:
    """A guarded page for `current`. A password-only session's page gets its fixed end rendered in: GET
    /api/v1/session serves full sessions only (a partial session cannot be extended, so its page never
    needs to ask)."""
    if not current.is_full:
        from chalicelib.services import session_expiry

        values["session_ends_in"] = session_expiry.status(current)["absolute_expires_in"]
    # Until the second factor is done, nobody is logged in yet: the header names no account.
    values.setdefault("identified", current.is_full)
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
    from chalicelib.services import portal_home
    from chalicelib.services.notifications import event_time

    if pending_request() is not None:
        return redirect(CONTINUE_PAGE)  # the login was made for a tax application: back to its request
    return page_for(current, "portal.html", overview=portal_home.overview(current), when=event_time)


@blueprint.route("/static/{name}", methods=["GET"])
def static(name: str) -> Response:
    """A static file by its plain name (cached briefly) or its fingerprinted one (render/assets.py: cached for
    a year, immutable; a stale fingerprint is 404). Images go out as bytes (binary types on API Gateway)."""
    from chalicelib.render.pages import static_file

    found = static_file(name)
    if found is None:
        return Response(body="", status_code=404, headers={"Content-Type": "text/plain"})
    content, content_type, cache_control = found
    body: bytes | str = content if content_type.startswith("image/png") else content.decode("utf-8")
    return Response(body=body, status_code=200, headers={"Content-Type": content_type, "Cache-Control": cache_control})
