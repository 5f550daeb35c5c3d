"""The step right after a login whose password is now on the breached list: choose a new password
before anything else. Every other page of a logged-in visitor sends such a session here
(api/pages.py guarded_page), and every other API route answers it 403 `password_change_required`."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.pages import HOME_PAGE, guarded_page, page_for, redirect
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)


@guarded_page(blueprint, "/account/new-password", Access.RENEW)
def password_renewal_page(current: Authenticated) -> Response:
    if not current.must_change_password:
        return redirect(HOME_PAGE)
    return page_for(current, "password_renewal.html")
