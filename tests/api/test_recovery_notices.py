"""Recovery notices (NIST SP 800-63B-4 4.2): a password reset through a link, a 2FA reset by the desk, a
new set of backup codes and a login with a backup code each send the owner exactly one mail saying what
happened, when (Curaçao time) and how to dispute it (customer service, through the help page); after a
backup code the page and the mail say how many are left, and a new list is offered when few are."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import last_to, link_token, sent_to
from tests.api.two_factor import PASSWORD, SECRET, code, enroll, password_step

NEW_PASSWORD = "Lange-Wandeling-Naar-Westpunt-42"
CURACAO_TIME = re.compile(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2} \(UTC-4\)")
DISPUTE = {"nl": "Was u dit niet? Neem dan direct contact op met de klantenservice via http",
           "en": "Wasn't this you? Contact customer service at once via http",
           "pap": "No ta abo a hasi esaki? Tuma kontakto mesora ku servisio na kliente via http"}


@pytest.fixture(autouse=True)
def pinned(clock_pinned):
    return clock_pinned


def _recovery_mail(address: str, subject: str, lang: str = "nl"):
    """The one mail of `subject` to `address`, checked for what every recovery notice must say."""
    matching = [mail for mail in sent_to(address) if mail.subject == subject]
    assert len(matching) == 1, [mail.subject for mail in sent_to(address)]
    text = matching[0].body
    assert CURACAO_TIME.search(text), text
    assert DISPUTE[lang] in text and "/help" in text
    return text


@pytest.mark.parametrize(("lang", "subject", "what"), [
    ("nl", "Uw wachtwoord is hersteld", "met de link uit de e-mail 'Nieuw wachtwoord instellen'"),
    ("en", "Your password has been reset", "with the link from the e-mail 'Set a new password'"),
    ("pap", "Bo kontraseña a wòrdu restourá", "ku e link for di e e-mail 'Pone un kontraseña nobo'"),
])
def test_a_reset_through_the_link_sends_one_recovery_notice(api, user_factory, lang, subject, what):
    user_factory("alice", totp_secret=SECRET, language=lang)
    api.post("/api/v1/auth/password-reset", {"username": "alice"})
    _, token = link_token(last_to("alice@example.org"))
    before = len(sent_to("alice@example.org"))
    assert api.post("/api/v1/auth/password-reset/complete", {"token": token, "new_password": NEW_PASSWORD}
                    ).status_code == 204
    assert len(sent_to("alice@example.org")) == before + 1  # this notice only, no "password changed" beside it
    assert what in _recovery_mail("alice@example.org", subject, lang)


def test_an_activation_link_sends_no_recovery_notice(api, make_api, full_login):
    staff = make_api()
    full_login(staff, "sam.support", roles=("support",))
    created = staff.post("/api/v1/admin/users", {"username": "nieuw.account", "email": "nieuw@example.org",
                                                 "roles": ["taxpayer"], "reason": "new taxpayer"})
    assert created.status_code == 201
    _, token = link_token(last_to("nieuw@example.org"))
    assert api.post("/api/v1/auth/password-reset/complete", {"token": token, "new_password": NEW_PASSWORD}
                    ).status_code == 204
    assert [mail.subject for mail in sent_to("nieuw@example.org")] == ["Activeer uw account voor het Digitaal Portaal"]


def test_a_2fa_reset_by_the_desk_sends_one_notice_with_the_way_to_dispute_it(make_api, full_login):
    staff = make_api()
    full_login(staff, "sam.support", roles=("support",))
    full_login(make_api(), "jan.jansen")
    checked = {"reason": "lost phone", "identity_checks": ["id_document_in_person"]}
    assert staff.post("/api/v1/admin/users/jan.jansen/reset-2fa", checked).status_code == 204
    text = _recovery_mail("jan.jansen@example.org", "Uw tweestapsverificatie is gewist")
    assert "De klantenservice heeft op" in text


def test_a_new_set_of_backup_codes_sends_one_notice(api, user_factory):
    from chalicelib import clock

    user_factory("jan.jansen")
    password_step(api, "jan.jansen")
    secret = enroll(api, "jan.jansen").secret
    clock.pin(clock.now() + 30)
    assert api.post("/api/v1/mfa/backup-codes", {"password": PASSWORD, "code": code(secret)}).status_code == 200
    assert "De vorige codes werken niet meer" in _recovery_mail("jan.jansen@example.org",
                                                                 "Nieuwe back-up codes aangemaakt")


def test_a_backup_code_login_tells_what_is_left_and_offers_a_new_list_when_few_are(api, user_factory):
    user_factory("jan.jansen")
    password_step(api, "jan.jansen")
    codes = enroll(api, "jan.jansen").codes
    api.post("/api/v1/auth/logout")
    password_step(api, "jan.jansen")
    assert body(api.post("/api/v1/auth/backup-code", {"code": codes[0]}))["backup_codes_left"] == 9
    assert "Aantal ongebruikte back-up codes: 9." in _recovery_mail("jan.jansen@example.org",
                                                                  "Er is een back-up code gebruikt")
    page = api.get("/mfa/backup-code-used").body.decode()
    assert "Aantal ongebruikte back-up codes: 9." in page and 'id="backup-codes-low"' not in page

    for backup_code in codes[1:7]:
        api.post("/api/v1/auth/logout")
        password_step(api, "jan.jansen")
        left = body(api.post("/api/v1/auth/backup-code", {"code": backup_code}))["backup_codes_left"]
    assert left == 3
    low = _recovery_mail("jan.jansen@example.org", "Uw back-up codes raken op")
    assert "U heeft nog maar 3 ongebruikte back-up codes" in low
    page = api.get("/mfa/backup-code-used").body.decode()
    assert "Aantal ongebruikte back-up codes: 3." in page
    assert 'id="backup-codes-low"' in page and 'href="/mfa/backup-codes"' in page
    assert "Nieuwe lijst met back-up codes aanmaken" in page


def test_the_backup_code_page_needs_a_full_login(api, make_api):
    response = make_api().get("/mfa/backup-code-used")
    # To the login, which comes back to the page afterwards.
    assert (response.status_code, response.headers["Location"]) == (302, "/login?next=%2Fmfa%2Fbackup-code-used")


def test_every_recovery_notice_has_its_dispute_text_in_every_language():
    from chalicelib.i18n import LANGUAGES, catalogue
    from chalicelib.services.notifications import RECOVERY_KINDS, MailKind

    assert {MailKind.PASSWORD_RECOVERED, MailKind.MFA_RESET, MailKind.BACKUP_CODES_REGENERATED,
            MailKind.BACKUP_CODE_USED, MailKind.BACKUP_CODES_LOW} == RECOVERY_KINDS
    for lang in LANGUAGES:
        texts = catalogue(lang)
        assert "{help_url}" in texts["mail.recovery_dispute"] and "{time}" in texts["mail.password_recovered.body"]
        assert texts["mail.recovery_dispute_no_link"]
