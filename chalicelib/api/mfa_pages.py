"""The pages of the second factor: /login/totp (the login's second step), /mfa/activate (the seed's
enrollment steps) and /mfa/backup-codes. Their scripts talk to api/mfa.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.pages import guarded_page, page_for
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
