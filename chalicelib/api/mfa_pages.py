"""The pages of the second factor: /login/totp (the login's second step), /mfa/activate and
/mfa/activate/<step> (the seed's enrollment steps, one address each, so Back, Forward, a reload and the
language switch keep the step), /mfa/backup-codes, and the portal's one-time link to a backup-code
sheet. Their scripts talk to api/mfa.py."""

from __future__ import annotations

import re
from html import escape

from chalice import Blueprint, Response

from chalicelib.api.http import context, current_request, header, language
from chalicelib.api.pages import guarded_page, page_for, redirect, with_return
from chalicelib.errors import PortalError
from chalicelib.i18n import t
from chalicelib.security.return_paths import safe_return_path
from chalicelib.services import backup_codes, enrollment
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)


@guarded_page(blueprint, "/login/totp", Access.TOTP)
def login_totp_page(current: Authenticated) -> Response:
    return page_for(current, "login_totp.html")


ENROLLMENT_PAGE = "/mfa/activate"
# Phones and tablets get the otpauth: link beside the QR code (a narrow screen gets it through CSS too):
# the app on the same device cannot scan its own screen.
_MOBILE_AGENTS = ("Mobi", "Android", "iPhone", "iPad", "iPod")


@guarded_page(blueprint, ENROLLMENT_PAGE, Access.ENROLL)
def enrollment_page(current: Authenticated) -> Response:
    return _enrollment_step(current, enrollment.FIRST_STEP, own_address=True)


@guarded_page(blueprint, ENROLLMENT_PAGE + "/{step}", Access.ENROLL)
def enrollment_step_page(current: Authenticated, step: str) -> Response:
    return _enrollment_step(current, int(step) if step.isdigit() and len(step) <= 2 else 0)


def step_path(step: int) -> str:
    return ENROLLMENT_PAGE if step == enrollment.FIRST_STEP else f"{ENROLLMENT_PAGE}/{step}"


def _enrollment_step(current: Authenticated, requested: int, own_address: bool = False) -> Response:
    request = current_request()
    state = enrollment.progress(current, language(request))
    step = enrollment.step_to_show(state, requested)
    return_path = safe_return_path((request.query_params or {}).get("next"))
    if step != requested or (requested == enrollment.FIRST_STEP and not own_address):
        return redirect(with_return(step_path(step), return_path))
    agent = header(request, "user-agent") or ""
    pending = state.pending
    return page_for(current, "mfa_activate.html", step=step, progress=state, step_path=step_path,
                    mobile=any(marker in agent for marker in _MOBILE_AGENTS),
                    qr_markup=_accessible_qr(pending.qr_svg, t("mfa.scan.alt", language(request))) if pending else "",
                    secret_groups=" ".join(re.findall(".{1,4}", pending.secret)) if pending else "")


def _accessible_qr(svg: str, alt: str) -> str:
    """The QR code's SVG (segno's: paths and a title, no script, no style) inline, as one image with the
    page's text alternative."""
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(alt, quote=True)}" ', 1)


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
