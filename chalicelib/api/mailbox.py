"""/dev/mailbox: the mails the app sent, newest first, so that someone trying the portal with `make run`
can follow verification and password-reset links. It exists only in the local stage: everywhere else
the route answers 404, exactly like a path that was never there."""

from __future__ import annotations

import re

from chalice import Blueprint, Response

from chalicelib.api.http import current_request, error_response, language
from chalicelib.api.pages import page
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services.notifications import event_time, sent_locally
from chalicelib.settings import get_settings

blueprint = Blueprint(__name__)

URL = re.compile(r"(https?://[^\s<>\"']+)")


def linkified(text: str) -> list[list[tuple[str, bool]]]:
    """The body as lines of (text, is_link) parts, so the template can escape text and link URLs."""
    return [[(part, bool(URL.fullmatch(part))) for part in URL.split(line) if part] for line in text.split("\n")]


@blueprint.route("/dev/mailbox", methods=["GET"])
def mailbox() -> Response:
    if not get_settings().is_local:
        return error_response(PortalError(ErrorCode.NOT_FOUND), language(current_request()))
    return page("mailbox.html", mails=sent_locally(), linkified=linkified, when=event_time)
