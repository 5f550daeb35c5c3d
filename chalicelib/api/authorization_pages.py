"""The pages of authorizations: the "Vertegenwoordigersportaal" for representatives (register one,
import a CSV with a live progress bar, the firm's list) and "Machtigingen" for taxpayers (confirm or
revoke). Their scripts talk to api/representative.py and api/authorizations.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import CSP, current_request, language, require
from chalicelib.api.pages import page, redirect
from chalicelib.errors import PortalError
from chalicelib.services import authorizations, tax_types

blueprint = Blueprint(__name__)


def _role_page(template: str, role: str, **values: object) -> Response:
    """A page for a full session with `role`; others go to the login (or back to their portal)."""
    try:
        current = require(current_request(), "full")
    except PortalError:
        return redirect("/login")
    if role not in (current.user.roles or ()):
        return redirect("/portal")
    return page(template, user=current.user, statuses=authorizations.STATUSES, **values)


@blueprint.route("/representative", methods=["GET"])
def representative_page() -> Response:
    from chalicelib.storage.uploads import upload_origin

    response = _role_page("representative.html", "representative",
                          tax_types=tax_types.choices(language(current_request())))
    if response.status_code == 200:
        # The browser uploads the CSV straight to S3: the one other origin this page may connect to.
        response.headers["Content-Security-Policy"] = CSP.replace("connect-src 'self'",
                                                                  f"connect-src 'self' {upload_origin()}")
    return response


@blueprint.route("/authorizations", methods=["GET"])
def client_page() -> Response:
    return _role_page("authorizations.html", "taxpayer")
