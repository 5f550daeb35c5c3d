"""Readable words for the codes the audit trail stores (`login.password`, `success`, ...), in the
visitor's language: the support desk's tables and its action filter show these, never the raw code.

`action_label(code, lang)` and `outcome_label(code, lang)` are the one way to name them; a code this
module does not know yet is shown as it is (a new action must never break a page), and
tests/unit/test_labels.py fails until every action the services record has words here.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.clock import portal_time
from chalicelib.i18n import catalogue

# Every action the services write to the audit trail, in the order the desk's filter lists them.
ACTIONS = (
    "login.password", "login.totp", "login.backup_code", "login.passkey", "session.end", "session.end_others",
    "lockout.locked", "lockout.blocked",
    "reauth.password", "reauth.second_factor", "reauth.totp", "reauth.backup_code",
    "password.change", "account.password_check", "password_reset.request", "password_reset.complete",
    "password_activation.request", "password_activation.complete",
    "email.change_requested", "email.change", "account.language",
    "mfa.enrollment.start", "mfa.enrollment.confirm", "mfa.activated", "mfa.backup_codes.regenerated",
    "mfa.backup_codes.pdf",
    "passkey.added", "passkey.renamed", "passkey.removed",
    "mail.failed",
    "support_request.filed", "support_request.closed",
    "support.unblock", "support.reset_2fa", "support.create_account", "support.bind_crib",
    "support.create_representative", "support.grant_representative",
    "authorization.create", "authorization.confirm", "authorization.revoke", "import.request", "import.done",
    "import.failed",
    "account.not_me_reported", "mfa.backup_codes.sheet", "support.reset_2fa.approve", "support.reset_2fa.reject",
    "oidc.client_registered", "oidc.client_disabled", "oidc.backchannel_logout",
)
OUTCOMES = ("success", "failure", "denied", "error", "replay", "rate_limited", "unknown_account",
            "counter_regression")


def _label(kind: str, code: str | None, lang: str) -> str:
    if not code:
        return "—"
    return catalogue(lang).get(f"labels.{kind}.{code}", code)


def action_label(action: str | None, lang: str) -> str:
    """"Inloggen: wachtwoord" for `login.password`."""
    return _label("action", action, lang)


def outcome_label(outcome: str | None, lang: str) -> str:
    """"Gelukt" for `success`."""
    return _label("outcome", outcome, lang)


def action_choices(lang: str) -> list[tuple[str, str]]:
    """(code, words) of every action, for the desk's filter list, in ACTIONS order."""
    return [(action, action_label(action, lang)) for action in ACTIONS]


def trail_time(at: str | None) -> str:
    """An event's UTC time as the trail gives it ("2026-12-03T11:47:38Z") in the island's time."""
    if not at:
        return "—"
    try:
        return portal_time(datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return at
