"""The pages of authorizations: the "Vertegenwoordigersportaal" for representatives (register one,
import a CSV with a live progress bar, the firm's list) and "Machtigingen" for taxpayers (confirm or
revoke). Their scripts talk to api/representative.py and api/authorizations.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api import csp
from chalicelib.api.http import current_request, language
from chalicelib.api.pages import guarded_page, page_for
from chalicelib.roles import Role
from chalicelib.services import authorizations, tax_types
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)


@guarded_page(blueprint, "/representative", Access.FULL, frozenset({Role.REPRESENTATIVE}))
def representative_page(current: Authenticated) -> Response:
    from chalicelib.storage.uploads import upload_origin

    response = page_for(current, "representative.html", statuses=authorizations.STATUSES,
                        tax_types=tax_types.choices(language(current_request())))
    # The browser uploads the CSV straight to S3: the one other origin this page may connect to.
    response.headers["Content-Security-Policy"] = csp.PORTAL.allowing("connect-src", upload_origin()).header()
    return response


@guarded_page(blueprint, "/authorizations", Access.FULL, frozenset({Role.TAXPAYER}))
def client_page(current: Authenticated) -> Response:
    return page_for(current, "authorizations.html", statuses=authorizations.STATUSES)
