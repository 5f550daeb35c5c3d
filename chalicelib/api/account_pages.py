"""The self-service pages: account settings, sessions, forgotten password, setting a password from a
mailed link, confirming a new e-mail address. Their scripts talk to api/account.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.pages import guarded_page, page, page_for
from chalicelib.services import account
from chalicelib.services.notifications import event_time
from chalicelib.services.sessions import Authenticated

blueprint = Blueprint(__name__)


@guarded_page(blueprint, "/account")
def account_page(current: Authenticated) -> Response:
    return page_for(current, "account.html")


@guarded_page(blueprint, "/account/sessions")
def sessions_page(current: Authenticated) -> Response:
    return page_for(current, "sessions.html", sessions=account.list_sessions(current), when=event_time)


@blueprint.route("/password/forgot", methods=["GET"])
def forgot_password_page() -> Response:
    return page("forgot_password.html")


@blueprint.route("/password/reset", methods=["GET"])
def reset_password_page() -> Response:
    return page("set_password.html", purpose="reset")


@blueprint.route("/account/activate", methods=["GET"])
def activate_page() -> Response:
    return page("set_password.html", purpose="activation")


@blueprint.route("/account/email/verify", methods=["GET"])
def verify_email_page() -> Response:
    return page("verify_email.html")
