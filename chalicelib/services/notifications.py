"""Security notifications by e-mail, in the recipient's language. Mails carry no secrets and no links
that log in by themselves."""

from __future__ import annotations

import logging

from chalicelib.i18n import t
from chalicelib.storage import mail
from chalicelib.storage.users import User

log = logging.getLogger(__name__)


def send_to(address: str, lang: str, kind: str, **params: object) -> bool:
    """Send mail `kind` (keys mail.<kind>.subject/body) to an address; False when SES refused it."""
    subject = t(f"mail.{kind}.subject", lang, **params)
    body = t(f"mail.{kind}.body", lang, **params) + "\n\n" + t("mail.footer", lang)
    try:
        mail.send(address, subject, body)
        return True
    except Exception:  # noqa: BLE001 - a notice that cannot be sent must not undo the change it reports
        log.exception("notification not sent", extra={"kind": kind})
        return False


def send(user: User, kind: str, **params: object) -> bool:
    """Notify the owner of an account about a security event."""
    return send_to(user.email, user.language or "nl", kind, username=user.username, **params)
