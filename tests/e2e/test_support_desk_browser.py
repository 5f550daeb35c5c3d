"""The support desk for real: `make run`'s stage and Chromium. A blocked user asks for help from the
login page; the demo support account logs in with 2FA, finds the request, unblocks the user with a
reason and closes the request; the user logs in again. Plus the races the desk's writes must survive
(parallel closes, parallel filings for one name) with real parallel HTTP requests."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import boto3

from infra.local import DEMO_ACCOUNTS
from tests.e2e.conftest import fresh_code, screenshot

PASSWORD = "Correct-Horse-Battery-9"
SECRET = "MZXW6YTBOJUWU23MNU2GKZLQOJSWG4LT"
SUPPORT = next(account for account in DEMO_ACCOUNTS if account["username"] == "demo.support")


def block(portal, username: str) -> None:
    """Put the name in the state twenty consecutive wrong passwords leave behind (the lock ladder itself
    takes 21 minutes of waiting; tests/api/test_admin.py walks it with a pinned clock)."""
    dynamodb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{portal.moto_port}", region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    dynamodb.put_item(TableName="portal-local-lockouts", Item={
        "key": {"S": f"password#{username}"}, "failures": {"N": "20"}, "allowed": {"N": "25"},
        "locked_until": {"N": "0"}, "blocked": {"BOOL": True}})


def second_step(page, username: str, secret: str) -> None:
    """Enter on /login/totp the authenticator's code for a time step this account has not used yet."""
    page.wait_for_url("**/login/totp")
    page.get_by_label("6-cijferige code").fill(fresh_code(username, secret))
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/portal")


def password_step(page, portal, username: str, password: str) -> None:
    page.goto(f"{portal.url}/login")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen", exact=True).click()


def test_blocked_user_gets_help_and_logs_in_again(portal, browser, page, check_accessibility):
    portal.create_user("geblokkeerd.iemand", PASSWORD, "--totp-secret", SECRET)
    block(portal, "geblokkeerd.iemand")

    # The user cannot log in and asks for help from the login page.
    password_step(page, portal, "geblokkeerd.iemand", PASSWORD)
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "geblokkeerd" in alert.inner_text()
    # The error summary says what unblocks the account and links the help form, unblocking chosen.
    assert "klantenservice" in alert.inner_text()
    alert.get_by_role("link", name="Hulp nodig?").click()
    page.wait_for_url("**/help?kind=unblock")
    check_accessibility(page)
    assert page.get_by_role("group", name="Waarmee kunnen wij u helpen?").get_by_role(
        "radio", name="Mijn account is geblokkeerd").is_checked()  # preselected by the link
    page.get_by_label("Gebruikersnaam", exact=True).fill("geblokkeerd.iemand")
    page.get_by_label("E-mailadres", exact=True).fill("geblokkeerd.iemand@example.org")
    page.get_by_label("Toelichting (niet verplicht)").fill("Ik heb te vaak een verkeerd wachtwoord ingevuld.")
    page.get_by_role("button", name="Verzoek versturen").click()
    page.get_by_role("heading", name="Uw verzoek is verstuurd").wait_for()
    reference = page.locator("#help-reference").inner_text()
    assert re.fullmatch(r"SR-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    screenshot(page, "support-request-filed-nl")

    # The support desk logs in with 2FA and finds the request in the queue.
    desk_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    desk = desk_context.new_page()
    desk.set_default_timeout(15_000)
    password_step(desk, portal, SUPPORT["username"], SUPPORT["password"])
    second_step(desk, SUPPORT["username"], SUPPORT["totp_secret"])
    desk.get_by_role("link", name="Ondersteuning").click()
    desk.wait_for_url("**/support")
    check_accessibility(desk)
    desk.get_by_role("link", name="Verzoeken", exact=True).click()
    desk.wait_for_url("**/support/requests")
    row = desk.locator("#request-queue tr", has=desk.get_by_role("link", name=reference))
    assert "geblokkeerd.iemand" in row.inner_text() and "Open" in row.inner_text()
    check_accessibility(desk)
    screenshot(desk, "support-queue-nl")
    desk.get_by_role("link", name=reference).click()
    desk.wait_for_url(f"**/support/requests/{reference}")
    assert "Geblokkeerd" in desk.locator("#account-status").inner_text()
    check_accessibility(desk)
    screenshot(desk, "support-request-nl")

    # Unblock with a reason and the identity checks done, next to the request.
    desk.get_by_role("button", name="Deblokkeren").click()
    # No check ticked: refused next to the checks (ASVS 6.4.4), before the server is asked.
    assert desk.locator("#unblock-identity-checks-error").inner_text() == (
        "Kies minstens één controle waarmee u de identiteit heeft vastgesteld.")
    desk.locator("#unblock-check-callback_registered_phone").check()
    desk.locator("#unblock-check-crib_and_birth_date").check()
    desk.get_by_role("button", name="Deblokkeren").click()
    desk.locator("#unblock-reason-error").wait_for()  # no reason: refused next to the field
    desk.get_by_label("Reden", exact=True).first.fill(f"Verzoek {reference}, identiteit telefonisch vastgesteld")
    desk.get_by_role("button", name="Deblokkeren").click()
    desk.get_by_text("Het account is gedeblokkeerd").wait_for()
    assert "Niet geblokkeerd" in desk.locator("#account-status").inner_text()

    # Close the request with a reason.
    desk.get_by_label("Reden (wat is er gedaan?)").fill("Account gedeblokkeerd")
    desk.get_by_role("button", name="Verzoek sluiten").click()
    desk.get_by_text("Het verzoek is gesloten").wait_for()
    assert desk.locator("#request-status").inner_text() == "Gesloten"
    screenshot(desk, "support-request-closed-nl")

    # The audit trail shows both actions with their reasons.
    desk.get_by_role("link", name="Audittrail").click()
    desk.get_by_label("Betreft").fill("geblokkeerd.iemand")
    desk.get_by_role("button", name="Filteren").click()
    events = desk.locator("table.events tbody tr")
    events.first.wait_for()
    trail = events.all_inner_texts()
    # In words, not codes: "Hulpverzoek afgesloten" (support_request.closed), "Gelukt" (success).
    assert "Hulpverzoek afgesloten" in trail[0] and "Account gedeblokkeerd" in trail[0] and "Gelukt" in trail[0]
    assert "Klantenservice: account gedeblokkeerd" in trail[1] and "identiteit telefonisch vastgesteld" in trail[1]
    assert "support.unblock" not in trail[1] and "(UTC-4)" in trail[1]
    assert "Teruggebeld op het bij ons bekende telefoonnummer; CRIB-nummer en geboortedatum gecontroleerd" in trail[1]
    check_accessibility(desk)
    screenshot(desk, "support-audit-nl")
    desk_context.close()

    # The user logs in: password, then the authenticator's code.
    password_step(page, portal, "geblokkeerd.iemand", PASSWORD)
    second_step(page, "geblokkeerd.iemand", SECRET)
    assert page.get_by_role("heading", name="Mijn portaal").is_visible()


def test_desk_finds_a_user_resets_2fa_and_creates_an_account(portal, browser, page, check_accessibility):
    secret = "KNSWY3DQMVZGK43UMVZHI5DFON2GK43U"
    portal.create_user("desk.collega", PASSWORD, "--role", "support", "--totp-secret", secret)
    portal.create_user("telefoon.kwijt", PASSWORD, "--totp-secret", SECRET)

    password_step(page, portal, "desk.collega", PASSWORD)
    second_step(page, "desk.collega", secret)
    page.goto(f"{portal.url}/support")
    page.get_by_label("Gebruikersnaam, e-mailadres of CRIB-nummer").fill("telefoon.kwijt@example.org")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="telefoon.kwijt").click()
    page.wait_for_url("**/support/users/telefoon.kwijt")
    check_accessibility(page)
    screenshot(page, "support-user-nl")

    # ASVS 6.4.4: no reset before the desk says how the identity was verified; "Anders" needs a note.
    page.get_by_role("button", name="Tweestapsverificatie wissen").click()
    assert page.locator("#reset-identity-checks-error").inner_text() == (
        "Kies minstens één controle waarmee u de identiteit heeft vastgesteld.")
    reset_form = page.locator("form[data-kind=reset]")
    assert reset_form.locator(".error-summary").is_visible()  # and the form's summary says it too
    assert "Kies minstens één controle" in reset_form.locator(".error-summary-list").inner_text()
    assert page.title().startswith("Fout: ")
    page.locator("#reset-check-other").check()
    page.get_by_label("Reden", exact=True).nth(1).fill("Telefoon verloren, paspoort gezien aan de balie")
    page.get_by_label("Ik heb de identiteit van de eigenaar van dit account vastgesteld.").check()
    page.get_by_role("button", name="Tweestapsverificatie wissen").click()
    page.locator("#reset-identity-note-error").wait_for()  # the server's refusal, next to the note
    assert page.locator("#reset-identity-note-error").inner_text().startswith(
        "Beschrijf in de toelichting hoe u de identiteit heeft vastgesteld.")
    page.locator("#reset-check-other").uncheck()
    page.get_by_label("Ik heb de identiteit van de eigenaar van dit account vastgesteld.").uncheck()
    page.locator("#reset-check-id_document_in_person").check()
    page.get_by_role("button", name="Tweestapsverificatie wissen").click()
    assert page.locator("#reset-confirm-error").inner_text() == "Bevestig dat u de identiteit heeft vastgesteld."
    assert reset_form.get_by_role("link", name="Bevestig dat u de identiteit heeft vastgesteld.").is_visible()
    page.get_by_label("Ik heb de identiteit van de eigenaar van dit account vastgesteld.").check()
    page.get_by_role("button", name="Tweestapsverificatie wissen").click()
    page.get_by_text("De tweestapsverificatie is gewist").wait_for()
    assert "Niet actief" in page.get_by_role("definition").filter(has_text="Niet actief").inner_text()

    # A new account for a representative: the owner gets an activation mail.
    page.goto(f"{portal.url}/support")
    page.get_by_label("Gebruikersnaam", exact=True).fill("kantoor.nieuw")
    page.get_by_label("E-mailadres", exact=True).fill("kantoor.nieuw@example.org")
    page.get_by_label("Rol", exact=True).select_option("representative")
    page.get_by_label("Reden", exact=True).fill("Vertegenwoordigersportaal aangevraagd per brief")
    page.get_by_role("button", name="Account aanmaken").click()
    page.wait_for_url("**/support/users/kantoor.nieuw?done=created")
    page.get_by_text("Het account is aangemaakt").wait_for()
    page.goto(f"{portal.url}/dev/mailbox")
    assert "kantoor.nieuw@example.org" in page.locator("article").first.inner_text()

    # The owner of the reset account must activate 2FA again at the next login.
    owner = browser.new_context(locale="nl-NL").new_page()
    password_step(owner, portal, "telefoon.kwijt", PASSWORD)
    owner.wait_for_url("**/mfa/activate")
    owner.context.close()


def test_help_page_in_english_and_papiamentu(portal, page, check_accessibility):
    for lang, heading, button in (("en", "Need help?", "Send request"),
                                  ("pap", "Bo mester yudansa?", "Manda petishon")):
        page.goto(f"{portal.url}/help?lang={lang}")
        assert page.get_by_role("heading", name=heading).is_visible()
        assert page.get_by_role("button", name=button).is_visible()
        check_accessibility(page)
        screenshot(page, f"support-help-{lang}")


def _staff_session(portal, username: str, secret: str):
    http = portal.session()
    assert http.post(f"{portal.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}).ok
    response = http.post(f"{portal.url}/api/v1/auth/totp", json={"code": fresh_code(username, secret)})
    assert response.status_code == 200, response.text
    return http


def test_parallel_closes_of_one_request_succeed_exactly_once(portal):
    secret = "ONSWG4TFORZWKY3SMV2HE2LTOQYTEMZU"
    portal.create_user("race.desk", PASSWORD, "--role", "support", "--totp-secret", secret)
    filed = portal.session().post(f"{portal.url}/api/v1/support-requests",
                                  json={"username": "race.closer", "email": "r@example.org", "kind": "other"})
    reference = filed.json()["reference"]
    desk = _staff_session(portal, "race.desk", secret)

    def close(index: int) -> int:
        return desk.post(f"{portal.url}/api/v1/admin/support-requests/{reference}/close",
                         json={"reason": f"closer {index}"}).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(close, range(10)))
    assert statuses.count(204) == 1 and statuses.count(409) == 9, statuses
    closed = desk.get(f"{portal.url}/api/v1/admin/support-requests/{reference}").json()
    assert closed["status"] == "closed" and closed["close_reason"].startswith("closer ")


def test_parallel_filings_for_one_name_never_pass_the_limit(portal):
    def file(_: int) -> int:
        return portal.session().post(f"{portal.url}/api/v1/support-requests",
                                     json={"username": "race.filer", "email": "f@example.org",
                                           "kind": "unblock"}).status_code

    with ThreadPoolExecutor(max_workers=15) as pool:
        statuses = list(pool.map(file, range(15)))
    assert statuses.count(202) == 3 and statuses.count(429) == 12, statuses
