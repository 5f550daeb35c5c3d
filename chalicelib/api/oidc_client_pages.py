"""The desk's page of connected tax applications (/support/clients): the registered OpenID Connect
clients with a way to disable each, and the form that registers one. Rendered from the same service
as the admin API; its forms post JSON to that API (static/oidc_clients.js)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import query
from chalicelib.api.pages import guarded_page, page_for
from chalicelib.errors import HTTP_STATUS, PortalError
from chalicelib.services import oidc_client_desk
from chalicelib.services.accounts import STAFF_ROLES
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)


@guarded_page(blueprint, "/support/clients", Access.FULL, STAFF_ROLES)
def clients_page(current: Authenticated) -> Response:
    from chalicelib.services.oidc import SCOPES  # the provider (Authlib) only where it is needed

    error, items, status = None, [], 200
    try:
        items = oidc_client_desk.list_clients(current.user)["items"]
    except PortalError as refused:
        error, status = refused.code.value, HTTP_STATUS[refused.code]
    return page_for(current, "support_clients.html", status=status, error=error, done=None, clients=items,
                    auth_methods=oidc_client_desk.AUTH_METHODS, scopes=SCOPES,
                    default_scopes=oidc_client_desk.DEFAULT_SCOPES, disabled_done=query("done") == "disabled")
