"""The passkey pages: /account/passkeys (registering, renaming and removing them) and /login/passkey
(the login's second step with a passkey). Their scripts talk to api/passkeys.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.pages import guarded_page, page_for
from chalicelib.services import passkeys
from chalicelib.services.notifications import event_time
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)


@guarded_page(blueprint, "/account/passkeys")
def passkeys_page(current: Authenticated) -> Response:
    return page_for(current, "account_passkeys.html", passkeys=passkeys.list_for(current.user), when=event_time)


@guarded_page(blueprint, "/login/passkey", Access.TOTP)
def login_passkey_page(current: Authenticated) -> Response:
    return page_for(current, "login_passkey.html")
