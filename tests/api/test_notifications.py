"""Security notifications: every kind has a template in every language, is sent through SES (moto's
emulation) in the recipient's language, and carries no secrets and no link that logs in."""

from __future__ import annotations

import re

import pytest

from chalicelib.i18n import t
from chalicelib.services import notifications
from chalicelib.services.notifications import MailKind
from tests.api.conftest import body
from tests.api.sent_mail import last_to, sent_to
from tests.api.two_factor import SECRET, code

PASSWORD = "Correct-Horse-Battery-9"
LANGUAGES = ("nl", "en", "pap")  # every mail exists in these three
# The parameters each kind is sent with by the flow that sends it.
PARAMS = {
    MailKind.PASSWORD_RESET: {"link": "http://127.0.0.1:8000/password/reset#token=x.y", "minutes": 30},
    MailKind.ACCOUNT_ACTIVATION: {"link": "http://127.0.0.1:8000/account/activate#token=x.y", "hours": 72},
    MailKind.EMAIL_VERIFY: {"link": "http://127.0.0.1:8000/account/email/verify#token=x.y", "hours": 24},
    MailKind.EMAIL_CHANGE_REQUESTED: {"new_email": "n***@example.org"},
    MailKind.EMAIL_CHANGED: {"new_email": "n***@example.org"},
    MailKind.BACKUP_CODE_USED: {"left": 3},
    MailKind.ACCOUNT_LOCKED: {"lock_seconds": 300},
    MailKind.BACKUP_CODES_LOW: {"left": 2},
    MailKind.REPRESENTATIVE_ACCESS: {"firm": "Kantoor Scharloo"},
    MailKind.NEW_DEVICE: {"device": "Chrome op Windows", "place": "198.51.100.7",
                          "link": "http://127.0.0.1:8000/account/activity", "help": "http://127.0.0.1:8000/help"},
    **{kind: {"firm": "Kantoor Scharloo", "actor": "jan", "tax_type": "IB", "period": "2026"}
       for kind in (MailKind.AUTHORIZATION_REQUESTED, MailKind.AUTHORIZATION_CONFIRMED,
                    MailKind.AUTHORIZATION_REVOKED)},
    **{kind: {"count": 3, "firm": "Kantoor Scharloo", "actor": "jan"}
       for kind in (MailKind.AUTHORIZATIONS_IMPORTED, MailKind.AUTHORIZATIONS_REGISTERED)},
    **{kind: {"name": "Telefoon"}
       for kind in (MailKind.PASSKEY_ADDED, MailKind.PASSKEY_REMOVED, MailKind.PASSKEY_COUNTER_REGRESSION)},
    **{kind: {"name": "ana.maria", "reference": "SR-7KQ2-M9XD", "topic": "Deblokkeren", "days": 3}
       for kind in (MailKind.SUPPORT_REQUEST_RECEIVED, MailKind.SUPPORT_REQUEST_CLOSED)},
}
LINK_KINDS = {MailKind.PASSWORD_RESET, MailKind.ACCOUNT_ACTIVATION, MailKind.EMAIL_VERIFY, MailKind.NEW_DEVICE}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", list(MailKind))
def test_every_kind_is_sent_in_the_recipients_language(user_factory, kind, lang):
    user = user_factory("ana.maria", password=None, language=lang, email=f"ana.{lang}@example.org")
    assert notifications.send(user, kind, **PARAMS.get(kind, {}))
    message = last_to(f"ana.{lang}@example.org")
    params = {"username": "ana.maria", "time": notifications.event_time(), **PARAMS.get(kind, {})}
    if "lock_seconds" in params:  # the lock notice says the lock's length in words of the language
        params["duration"] = {"nl": "5 minuten", "en": "5 minutes", "pap": "5 minüt"}[lang]
    assert message.subject == t(f"mail.{kind}.subject", lang, **params)
    assert message.body.startswith(t(f"mail.{kind}.body", lang, **params))
    assert message.body.endswith(t("mail.footer", lang))
    assert "{" not in message.body and "ana.maria" in message.body
    links = re.findall(r"https?://\S+", message.body)
    assert (kind in LINK_KINDS) == bool(links)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_kind_has_a_template_in_every_language(lang):
    """Flows name their mails as MailKind members only, so the enum is the whole list."""
    from chalicelib.i18n import catalogue

    missing = [kind for kind in MailKind
               if f"mail.{kind}.subject" not in catalogue(lang) or f"mail.{kind}.body" not in catalogue(lang)]
    assert not missing


def test_every_mail_template_belongs_to_a_kind():
    from chalicelib.i18n import catalogue

    templates = {key.split(".")[1] for key in catalogue("nl") if key.startswith("mail.") and key.count(".") == 2}
    assert templates == {kind.value for kind in MailKind}


def test_the_three_languages_really_differ(user_factory):
    subjects = set()
    for lang in LANGUAGES:
        user = user_factory(f"user.{lang}", password=None, language=lang)
        notifications.send(user, MailKind.BACKUP_CODE_USED, left=2)
        subjects.add(last_to(f"user.{lang}@example.org").subject)
    assert len(subjects) == 3


def test_unknown_kind_is_not_sent(user_factory):
    user = user_factory("ana.maria")
    assert not notifications.send(user, "no_such_kind")
    assert sent_to("ana.maria@example.org") == []


def test_a_refused_mail_does_not_undo_the_change(api, full_login, monkeypatch):
    from chalicelib.storage import mail

    def refuse(*_args, **_kwargs):
        raise RuntimeError("SES said no")

    full_login(api, "alice", language="en")
    monkeypatch.setattr(mail, "send", refuse)
    response = api.post("/api/v1/account/password",
                        {"current_password": PASSWORD, "new_password": "Een-Heel-Nieuw-Wachtwoord-1",
                         "code": code(SECRET)})
    assert response.status_code == 204


# ---------------------------------------------------------------- the flows send them


def test_password_change_notice_in_english(api, full_login):
    full_login(api, "alice", language="en")
    api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": "Een-Heel-Nieuw-Wachtwoord-1",
                                          "code": code(SECRET)})
    message = last_to("alice@example.org")
    assert message.subject == "Your password has been changed"
    assert "Een-Heel-Nieuw-Wachtwoord-1" not in message.body and PASSWORD not in message.body


def test_email_change_mails_in_papiamentu(api, full_login):
    full_login(api, "alice", language="pap")
    api.post("/api/v1/account/email", {"password": PASSWORD, "new_email": "alice@nobo.example", "code": code(SECRET)})
    assert last_to("alice@example.org").subject == "Petishon pa kambia bo adrès di e-mail"
    assert last_to("alice@nobo.example").subject == "Konfirmá bo adrès di e-mail nobo"


def test_the_owner_chooses_the_language_of_mails(api, full_login):
    full_login(api, "alice")
    assert api.post("/api/v1/account/language", {"language": "pap"}).status_code == 204
    api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": "Un-Kontraseña-Largu-2027",
                                          "code": code(SECRET)})
    assert last_to("alice@example.org").subject == "Bo kontraseña a kambia"
    for wrong in ("de", "", 3, None):
        response = api.post("/api/v1/account/language", {"language": wrong})
        assert response.status_code == 400 and body(response)["error"]["field"] == "language"


def test_reset_mail_in_the_accounts_language_not_the_requesters(api, user_factory):
    user_factory("alice", language="pap")
    api.post("/api/v1/auth/password-reset?lang=en", {"username": "alice"})
    message = last_to("alice@example.org")
    assert message.subject == "Pone un kontraseña nobo"
    assert PASSWORD not in message.body


def test_lock_and_block_notices_in_the_accounts_language(clock_pinned, api, user_factory):
    user_factory("alice", language="en")
    for attempt in range(1, 21):
        api.post("/api/v1/auth/login", {"username": "alice", "password": "wrong password!"})
        if attempt in (5, 10, 15):
            clock_pinned.advance(900)
    subjects = [message.subject for message in sent_to("alice@example.org")]
    assert subjects.count(t("mail.account_locked.subject", "en")) == 3
    # Each lock notice says how long the lock lasts, in the account's language, singular and plural.
    waits = [re.search(r"try again in (\d+ minutes?)\.", message.body).group(1)
             for message in sent_to("alice@example.org") if message.subject == t("mail.account_locked.subject", "en")]
    assert sorted(waits) == ["1 minute", "15 minutes", "5 minutes"]
    assert subjects[-1] == t("mail.account_blocked.subject", "en")
    assert body(api.post("/api/v1/auth/login", {"username": "alice", "password": PASSWORD}))["error"]["code"] == \
        "account_blocked"


def test_event_time_is_curacao_time():
    assert notifications.event_time(1_800_000_000) == "15-01-2027 04:00 (UTC-4)"


def test_mask_email():
    assert notifications.mask_email("Jan.Jansen@example.org") == "J***@example.org"


def test_a_reset_link_that_ses_refuses_is_recorded_for_the_support_desk(api, user_factory):
    """The request still answers 202 as the contract says, and the failure is on the account's trail
    (the desk's account view lists its newest events), never only in a log."""
    import boto3

    from chalicelib.settings import get_settings
    from chalicelib.storage.audit import by_target

    user_factory("ana.maria")
    ses = boto3.client("ses", region_name="us-east-1")
    sender = get_settings().mail_sender
    ses.delete_identity(Identity=sender)  # SES now refuses every mail from the portal
    try:
        response = api.post("/api/v1/auth/password-reset", {"username": "ana.maria"})
    finally:
        ses.verify_email_identity(EmailAddress=sender)
    assert response.status_code == 202
    assert not sent_to("ana.maria@example.org")
    failures = [event for event in by_target("ana.maria", 20, None) if event.action == "mail.failed"]
    assert len(failures) == 1
    assert failures[0].details.as_dict() == {"kind": "password_reset", "to": "a***@example.org"}
    assert failures[0].outcome == "failure" and failures[0].actor == "system"
