"""The portal's HTML pages and static files. Pages that need a login check the session server-side
and send people to the login page (or to enrollment) otherwise."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import current_request, language, require
from chalicelib.errors import PortalError
from chalicelib.i18n import normalize_language

blueprint = Blueprint(__name__)


def page(template: str, status: int = 200, **values: object) -> Response:
    from chalicelib.render.pages import render

    request = current_request()
    lang = language(request)
    headers = {"Content-Type": "text/html; charset=utf-8"}
    chosen = normalize_language((request.query_params or {}).get("lang"))
    if chosen:
        headers["Set-Cookie"] = f"lang={chosen}; Path=/; SameSite=Lax; Max-Age=31536000"
    return Response(body=render(template, lang, request.path, **values), status_code=status, headers=headers)


def redirect(location: str) -> Response:
    return Response(body="", status_code=302, headers={"Location": location})


def logged_in_page(template: str, auth: str = "full", **values: object) -> Response:
    """A page for a full session; partial sessions go to their next step, others to the login."""
    try:
        current = require(current_request(), auth)
    except PortalError:
        return redirect("/login")
    return page(template, user=current.user, **values)


@blueprint.route("/", methods=["GET"])
def home() -> Response:
    return redirect("/portal")


@blueprint.route("/login", methods=["GET"])
def login_page() -> Response:
    return page("login.html")


@blueprint.route("/logged-out", methods=["GET"])
def logged_out_page() -> Response:
    return page("logged_out.html")


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
