"""Security notifications by e-mail, in the recipient's language: the one module every flow uses to tell
an account's owner what happened to the account.

Each kind has a template per language in the catalogues (`mail.<kind>.subject` / `mail.<kind>.body`,
placeholders filled from the keyword arguments; `username` and `time` are always available). Mails
carry no secrets (no passwords, codes, whole CRIB numbers) and no link that logs anyone in: the only
links are single-use links to *set* something (a password, an e-mail address), after which the
normal login with the second factor still applies.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from chalicelib import clock
from chalicelib.i18n import DEFAULT_LANGUAGE, catalogue, t
from chalicelib.services import audit
from chalicelib.services.audit import RequestContext
from chalicelib.storage import mail
from chalicelib.storage.users import User

log = logging.getLogger(__name__)

# The kinds of notification; other flows pass these names to send().
PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a mail kind; own change or completed reset
PASSWORD_RESET = "password_reset"  # noqa: S105 - a mail kind; the reset link (params: link, minutes)
ACCOUNT_ACTIVATION = "account_activation"  # set a first password (params: link, hours)
EMAIL_VERIFY = "email_verify"  # to the new address (params: link, hours)
EMAIL_IN_USE = "email_in_use"  # to the new address instead of the link when another account uses it
EMAIL_CHANGE_REQUESTED = "email_change_requested"  # to the old address (params: new_email, masked)
EMAIL_CHANGED = "email_changed"  # to the old and the new address (params: new_email, masked)
MFA_ACTIVATED = "mfa_activated"
MFA_RESET = "mfa_reset"  # 2FA removed by the support desk
BACKUP_CODES_REGENERATED = "backup_codes_regenerated"
BACKUP_CODE_USED = "backup_code_used"  # params: left
TOTP_REPLAYED = "totp_replayed"  # a code that was already used was tried again
ACCOUNT_LOCKED = "account_locked"
ACCOUNT_BLOCKED = "account_blocked"
ACCOUNT_UNBLOCKED = "account_unblocked"
PASSKEY_ADDED = "passkey_added"  # params: name
PASSKEY_REMOVED = "passkey_removed"  # params: name
PASSKEY_COUNTER_REGRESSION = "passkey_counter_regression"  # a possibly copied passkey was refused (params: name)

KINDS = (
    PASSWORD_CHANGED, PASSWORD_RESET, ACCOUNT_ACTIVATION, EMAIL_VERIFY, EMAIL_CHANGE_REQUESTED, EMAIL_CHANGED,
    EMAIL_IN_USE,
    MFA_ACTIVATED, MFA_RESET, BACKUP_CODES_REGENERATED, BACKUP_CODE_USED, TOTP_REPLAYED, ACCOUNT_LOCKED,
    ACCOUNT_BLOCKED, ACCOUNT_UNBLOCKED,
    PASSKEY_ADDED, PASSKEY_REMOVED, PASSKEY_COUNTER_REGRESSION,
)

# Curaçao keeps UTC-4 all year (no daylight saving), so a fixed offset is exact.
PORTAL_TIME = timezone(timedelta(hours=-4))


def event_time(timestamp: float | None = None) -> str:
    """When something happened, as people on the island read it."""
    moment = datetime.fromtimestamp(clock.now() if timestamp is None else timestamp, PORTAL_TIME)
    return moment.strftime("%d-%m-%Y %H:%M") + " (UTC-4)"


def mask_email(address: str) -> str:
    """Enough of an address to recognise it, not enough to harvest it: j***@example.org."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def base_url(context: RequestContext) -> str:
    """The origin links in mails point at (see api/http.py origin(): configured, or local-stage Host)."""
    if not context.origin:
        raise RuntimeError("PORTAL_PUBLIC_ORIGIN must be set outside the local stage")
    return context.origin


def link(context: RequestContext, path: str, token: str) -> str:
    """A link into the portal carrying a token in the fragment (never sent to a server in a Referer or
    an access log); the page's script hands it to the API."""
    return f"{base_url(context)}{path}#token={quote(token, safe='')}"


def send_to(address: str, lang: str, kind: str, **params: object) -> bool:
    """Send mail `kind` to an address in `lang`; False when it could not be sent (logged, never raised)."""
    lang = lang if f"mail.{kind}.subject" in catalogue(lang) else DEFAULT_LANGUAGE
    if f"mail.{kind}.subject" not in catalogue(lang):
        log.error("no mail template", extra={"kind": kind})
        return False
    params.setdefault("time", event_time())
    subject = t(f"mail.{kind}.subject", lang, **params)
    body = t(f"mail.{kind}.body", lang, **params) + "\n\n" + t("mail.footer", lang)
    try:
        mail.send(address, subject, body)
        return True
    except Exception:  # noqa: BLE001 - a notice that cannot be sent must not undo the change it reports
        log.exception("notification not sent", extra={"kind": kind})
        _record_failure(kind, str(params.get("username") or "-"), address)
        return False


def _record_failure(kind: str, username: str, address: str) -> None:
    """A mail SES would not take (after botocore's retries) leaves a trace on the account: the audit
    event `mail.failed`, shown with the account at the support desk, so a reset or activation link
    that never arrived is visible to the person the owner calls."""
    try:
        audit.record("mail.failed", actor="system", target=username, outcome="failure", context=RequestContext(),
                     details={"kind": kind, "to": mask_email(address)})
    except Exception:  # noqa: BLE001 - with DynamoDB down too, the log line above is the trace
        log.exception("mail failure not recorded", extra={"kind": kind})


def send(user: User, kind: str, **params: object) -> bool:
    """Notify the owner of an account (at its current address, in its language) about a security event."""
    return send_to(user.email, user.language or DEFAULT_LANGUAGE, kind, username=user.username, **params)


def sent_locally() -> list[mail.SentMail]:
    """The local stage's copy of every mail sent, newest first (the /dev/mailbox page); empty elsewhere."""
    return mail.local_mailbox()
