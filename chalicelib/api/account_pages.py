"""The self-service pages: account settings, sessions, forgotten password, setting a password from a
mailed link, confirming a new e-mail address. Their scripts talk to api/account.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.http import current_request, require
from chalicelib.api.pages import logged_in_page, page, redirect
from chalicelib.errors import PortalError
from chalicelib.services import account
from chalicelib.services.notifications import event_time

blueprint = Blueprint(__name__)


@blueprint.route("/account", methods=["GET"])
def account_page() -> Response:
    return logged_in_page("account.html")


@blueprint.route("/account/sessions", methods=["GET"])
def sessions_page() -> Response:
    try:
        current = require(current_request(), "full")
    except PortalError:
        return redirect("/login")
    return page("sessions.html", user=current.user, sessions=account.list_sessions(current), when=event_time)


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
