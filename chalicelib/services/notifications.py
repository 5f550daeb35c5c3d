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
from enum import StrEnum
from urllib.parse import quote

from chalicelib import clock
from chalicelib.i18n import DEFAULT_LANGUAGE, catalogue, plural, t
from chalicelib.services import audit
from chalicelib.services.audit import RequestContext
from chalicelib.storage import mail, outbox
from chalicelib.storage.base import Conflict, is_temporary_trouble
from chalicelib.storage.users import User

log = logging.getLogger(__name__)


class MailKind(StrEnum):
    """Every mail the service sends (catalogue keys `mail.<kind>.subject` / `mail.<kind>.body`)."""

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
    BACKUP_CODES_LOW = "backup_codes_low"  # params: left
    TOTP_REPLAYED = "totp_replayed"  # a code that was already used was tried again
    ACCOUNT_LOCKED = "account_locked"  # params: lock_seconds (the mail says "1 minuut", "5 minuten")
    ACCOUNT_BLOCKED = "account_blocked"
    ACCOUNT_UNBLOCKED = "account_unblocked"
    REPRESENTATIVE_ACCESS = "representative_access"  # params: firm
    AUTHORIZATION_REQUESTED = "authorization_requested"  # params: firm, actor, tax_type, period
    AUTHORIZATION_CONFIRMED = "authorization_confirmed"  # params: firm, actor, tax_type, period
    AUTHORIZATION_REVOKED = "authorization_revoked"  # params: firm, actor, tax_type, period
    AUTHORIZATIONS_IMPORTED = "authorizations_imported"  # params: count, firm, actor
    AUTHORIZATIONS_REGISTERED = "authorizations_registered"  # params: count, firm, actor
    PASSKEY_ADDED = "passkey_added"  # params: name
    PASSKEY_REMOVED = "passkey_removed"  # params: name
    PASSKEY_COUNTER_REGRESSION = "passkey_counter_regression"  # a possibly copied passkey was refused (params: name)
    PASSWORD_RECOVERED = "password_recovered"  # noqa: S105 - a mail kind; a new password set through a reset link
    NEW_DEVICE = "new_device"  # a login from an unknown device (params: device, place, link, help)
    # To the address a help request gave (params: name, reference, topic, days)
    SUPPORT_REQUEST_RECEIVED = "support_request_received"
    SUPPORT_REQUEST_CLOSED = "support_request_closed"

    @classmethod
    def backup_code_notice(cls, *, low: bool) -> MailKind:
        """The notice after a backup code was used: a warning when few are left."""
        return cls.BACKUP_CODES_LOW if low else cls.BACKUP_CODE_USED

    def lifetime(self, params: dict[str, object]) -> int:
        """Seconds the mail is worth sending: a link's own lifetime (its `minutes` or `hours`), a notice's
        NOTICE_LIFETIME_SECONDS. A queued mail expires then (its link token goes with it)."""
        if "minutes" in params:
            return int(params["minutes"]) * 60  # type: ignore[call-overload]
        if "hours" in params:
            return int(params["hours"]) * 3600  # type: ignore[call-overload]
        return NOTICE_LIFETIME_SECONDS


# How long a security notice SES would not take is retried before it counts as failed (at most
# MAX_SEND_ATTEMPTS tries, waiting RETRY_BASE_SECONDS, then twice as long each time).
NOTICE_LIFETIME_SECONDS = 24 * 3600
MAX_SEND_ATTEMPTS = 6
RETRY_BASE_SECONDS = 60
# A claimed mail stays out of other runs this long (far beyond one send's worst case).
CLAIM_LEASE_SECONDS = 300

# Recoveries and new recovery secrets (NIST SP 800-63B-4 4.2): their notices end with how to dispute
# them, with a link to the help page when the request's origin is known (`help_url`).
RECOVERY_KINDS = frozenset({MailKind.PASSWORD_RECOVERED, MailKind.MFA_RESET, MailKind.BACKUP_CODES_REGENERATED,
                            MailKind.BACKUP_CODE_USED, MailKind.BACKUP_CODES_LOW})

# Curaçao's time (clock.py): mails, pages and the backup-code sheet show the same.
PORTAL_TIME = clock.PORTAL_TIME


def event_time(timestamp: float | None = None) -> str:
    """When something happened, as people on the island read it."""
    return clock.portal_time(timestamp)


def mask_email(address: str) -> str:
    """Enough of an address to recognise it, not enough to harvest it: j***@example.org."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def base_url(context: RequestContext) -> str:
    """The origin links in mails point at (see api/http.py origin(): configured, or local-stage Host)."""
    if not context.origin:
        raise RuntimeError("PORTAL_PUBLIC_ORIGIN must be set outside the local stage")
    return context.origin


def help_link(context: RequestContext) -> str | None:
    """The help page ("Hulp nodig?", no login needed) where a notice's owner disputes what it reports."""
    return f"{context.origin}/help" if context.origin else None


def link(context: RequestContext, path: str, token: str) -> str:
    """A link into the portal carrying a token in the fragment (never sent to a server in a Referer or
    an access log); the page's script hands it to the API."""
    return f"{base_url(context)}{path}#token={quote(token, safe='')}"


def send_to(address: str, lang: str, kind: MailKind, **params: object) -> bool:
    """Send mail `kind` to an address in `lang`; False when it could not be sent now (never raised).

    SES having temporary trouble (after botocore's own retries) or timing out queues the mail in the
    outbox, which `send_due()` retries; a refusal that no retry changes is recorded as `mail.failed`."""
    lang = lang if f"mail.{kind}.subject" in catalogue(lang) else DEFAULT_LANGUAGE
    if f"mail.{kind}.subject" not in catalogue(lang):
        log.error("no mail template", extra={"kind": kind})
        return False
    kind = MailKind(kind)
    params.setdefault("time", event_time())
    if "lock_seconds" in params:
        params["duration"] = plural.minutes(int(params["lock_seconds"]), lang)  # type: ignore[call-overload]
    subject = t(f"mail.{kind}.subject", lang, **params)
    body = t(f"mail.{kind}.body", lang, **params)
    if kind in RECOVERY_KINDS:
        dispute = "mail.recovery_dispute" if params.get("help_url") else "mail.recovery_dispute_no_link"
        body += "\n\n" + t(dispute, lang, **params)
    body += "\n\n" + t("mail.footer", lang)
    username = str(params.get("username") or "-")
    try:
        mail.send(address, subject, body)
        return True
    except Exception as error:  # noqa: BLE001 - a notice that cannot be sent must not undo the change it reports
        log.exception("notification not sent", extra={"kind": kind})
        if not (is_temporary_trouble(error) and _queue(kind, username, outbox.Message(address, subject, body), params)):
            _record_failure(kind.value, username, address)
        return False


def _queue(kind: MailKind, username: str, message: outbox.Message, params: dict[str, object]) -> bool:
    """Keep the mail for a retry; False when even that failed (DynamoDB in trouble too)."""
    now = int(clock.now())
    try:
        outbox.put(kind.value, username, message, next_attempt_at=now + RETRY_BASE_SECONDS,
                   expires_at=now + kind.lifetime(params))
        return True
    except Exception:  # noqa: BLE001 - the caller records the failure instead
        log.exception("mail not queued", extra={"kind": kind})
        return False


def _record_failure(kind: str, username: str, address: str) -> None:
    """A mail that will not be sent leaves a trace on the account: the audit event `mail.failed`, shown
    with the account at the support desk, so a reset or activation link that never arrived is visible
    to the person the owner calls."""
    try:
        audit.record("mail.failed", actor="system", target=username, outcome="failure", context=RequestContext(),
                     details={"kind": kind, "to": mask_email(address)})
    except Exception:  # noqa: BLE001 - with DynamoDB down too, the log line above is the trace
        log.exception("mail failure not recorded", extra={"kind": kind})


def send_due(limit: int = 100) -> dict[str, int]:
    """One retry run over the outbox (the scheduled function, the local stage's loop, the manage
    command): each due mail is claimed, sent, and deleted; a failed try waits twice as long as the
    one before; after MAX_SEND_ATTEMPTS tries, or once its link has expired, it is marked failed and
    recorded as `mail.failed`. Returns how many were sent, rescheduled and failed."""
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    for item in list(outbox.due(int(clock.now()), limit)):
        outcome = _retry(item)
        if outcome:
            counts[outcome] += 1
    return counts


def _retry(item: outbox.OutboxMail) -> str | None:
    now = int(clock.now())
    try:
        outbox.claim(item, lease_until=now + CLAIM_LEASE_SECONDS)
    except Conflict:
        return None  # another run has it
    message = outbox.message_of(item)
    if now >= int(item.expires_at):
        return _give_up(item, message)
    try:
        mail.send(message.to_address, message.subject, message.body_text)
    except Exception:  # noqa: BLE001 - every failed try counts; the last one is recorded
        log.warning("queued mail not sent", exc_info=True, extra={"kind": item.kind})
        if item.attempts >= MAX_SEND_ATTEMPTS:
            return _give_up(item, message)
        outbox.reschedule(item, now + RETRY_BASE_SECONDS * 2 ** (int(item.attempts) - 1))
        return "retrying"
    try:
        outbox.delete_sent(item)
    except Exception:  # noqa: BLE001 - sent is sent; only after the claim's lease could it go out once more
        log.exception("sent mail not removed from the outbox", extra={"kind": item.kind})
    return "sent"


def _give_up(item: outbox.OutboxMail, message: outbox.Message) -> str:
    outbox.mark_failed(item)
    _record_failure(item.kind, item.username, message.to_address)
    return "failed"


def send(user: User, kind: MailKind, **params: object) -> bool:
    """Notify the owner of an account (at its current address, in its language) about a security event."""
    return send_to(user.email, user.language or DEFAULT_LANGUAGE, kind, username=user.username, **params)


def sent_locally() -> list[mail.SentMail]:
    """The local stage's copy of every mail sent, newest first (the /dev/mailbox page); empty elsewhere."""
    return mail.local_mailbox()
