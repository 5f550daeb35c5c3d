"""The public pages of the portal (no login needed): "Ondersteuning voor het Digitaal Portaal" with the
support desk's five services, "Inloggen met 2FA" (why 2FA, the apps, the 11 steps illustrated with
screenshots), the privacy and accessibility statements. Linked from the login page and the footer."""

from __future__ import annotations

from dataclasses import dataclass

from chalice import Blueprint, Response

from chalicelib.api.http import current_request, origin
from chalicelib.api.pages import page
from chalicelib.render.guide import GUIDE_STEPS

blueprint = Blueprint(__name__)

SUPPORT_PAGE = "/ondersteuning"
GUIDE_PAGE = "/inloggen-met-2fa"
PRIVACY_PAGE = "/privacy"
ACCESSIBILITY_PAGE = "/toegankelijkheid"
# The examples of authenticator apps the support page names (any TOTP app works).
AUTHENTICATOR_APPS = ("Google Authenticator", "Microsoft Authenticator", "LastPass Authenticator", "Entrust Identity")


@dataclass(frozen=True)
class SupportService:
    name: str  # catalogue key part: support_page.<name>_title / support_page.<name>
    reason: str  # the help form's ?reden= that preselects it
    self_service: str | None = None  # where people can do it themselves


# The seed's five services, in its order.
SUPPORT_SERVICES = (
    SupportService("password", "wachtwoord", "/account"),
    SupportService("2fa", "2fa-kwijt"),
    SupportService("unblock", "geblokkeerd"),
    SupportService("representative", "vertegenwoordiger"),
    SupportService("bulk", "machtigingen"),
)


@blueprint.route(SUPPORT_PAGE, methods=["GET"])
def support_page() -> Response:
    return page("support_overview.html", services=SUPPORT_SERVICES)


@blueprint.route(GUIDE_PAGE, methods=["GET"])
def guide_page() -> Response:
    address = (origin(current_request()) or "").removeprefix("https://").removeprefix("http://")
    return page("guide_2fa.html", steps=GUIDE_STEPS, apps=AUTHENTICATOR_APPS, portal_address=address)


@blueprint.route(PRIVACY_PAGE, methods=["GET"])
def privacy_page() -> Response:
    return page("privacy.html")


@blueprint.route(ACCESSIBILITY_PAGE, methods=["GET"])
def accessibility_page() -> Response:
    return page("accessibility.html")
