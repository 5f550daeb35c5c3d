"""The pages of the second factor: /login/totp (the login's second step), /mfa/activate (the seed's
enrollment steps) and /mfa/backup-codes, and the portal's one-time link to a backup-code sheet. Their
scripts talk to api/mfa.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import context, current_request
from chalicelib.api.pages import guarded_page, page_for, redirect
from chalicelib.errors import PortalError
from chalicelib.services import backup_codes
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)


@guarded_page(blueprint, "/login/totp", Access.TOTP)
def login_totp_page(current: Authenticated) -> Response:
    return page_for(current, "login_totp.html")


@guarded_page(blueprint, "/mfa/activate", Access.ENROLL)
def enrollment_page(current: Authenticated) -> Response:
    return page_for(current, "mfa_activate.html")


@guarded_page(blueprint, "/mfa/backup-codes")
def backup_codes_page(current: Authenticated) -> Response:
    return page_for(current, "mfa_backup_codes.html")


@guarded_page(blueprint, "/mfa/backup-codes/sheet/{token}")
def backup_codes_sheet(current: Authenticated, token: str) -> Response:
    """The owner's one-time link to the sheet (services/backup_codes.open_sheet); a spent one is a page
    saying so, with the way to a new list."""
    try:
        location = backup_codes.open_sheet(current, token, context(current_request()))
    except PortalError:
        return page_for(current, "sheet_gone.html", status=410)
    return redirect(location)
