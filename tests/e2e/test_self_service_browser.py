"""Self-service for real: `make run`'s stage, Chromium and the local mailbox. Change the e-mail address
(with the app's code) and confirm it from /dev/mailbox, after asking for an address that is taken, which
looks the same on the page; forget the password, reset it through the mailbox and log in with the
new password plus a TOTP code; an old session from another browser dies with a password change, which
asks the app's code too (a wrong one is shown at its field);
parallel reset requests never get past the rate limit."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import fresh_code, screenshot

PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Zeilen-Op-Het-Spaanse-Water-8"
SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def log_in(page, portal, username: str, password: str, secret: str) -> None:
    page.goto(f"{portal.url}/login")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/login/totp")
    page.get_by_label("6-cijferige code").fill(fresh_code(username, secret))
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/portal")


def open_newest_mail_link(page, portal, subject: str, to_address: str) -> None:
    page.goto(f"{portal.url}/dev/mailbox")
    mail = page.locator("article", has=page.get_by_role("heading", name=subject)).first
    assert to_address in mail.inner_text()
    mail.get_by_role("link").click()


def test_change_email_then_forget_and_reset_the_password(portal, page, check_accessibility):
    portal.create_user("zelf.service", PASSWORD, "--totp-secret", SECRET)
    portal.create_user("al.bezet", PASSWORD)
    log_in(page, portal, "zelf.service", PASSWORD, SECRET)

    # Mijn portaal -> account settings -> change the e-mail address (password and the app's code).
    page.get_by_role("link", name=re.compile("Accountinstellingen")).click()
    page.wait_for_url("**/account")
    assert page.locator("#current-email").inner_text() == "zelf.service@example.org"
    check_accessibility(page)
    email_form = page.locator("#email-form")

    def ask_for(address: str) -> None:
        page.get_by_label("Nieuw e-mailadres", exact=True).fill(address)
        page.get_by_label("Uw wachtwoord", exact=True).fill(PASSWORD)
        email_form.get_by_label("Huidige 6-cijferige code of een back-up code").fill(fresh_code("zelf.service", SECRET))
        page.get_by_role("button", name="E-mailadres wijzigen").click()
        email_form.get_by_text(f"Wij hebben een bevestigingslink gestuurd naar {address}").wait_for()

    # Another account's address gets the same answer; that address is told it is in use, nobody changes.
    ask_for("al.bezet@example.org")
    page.goto(f"{portal.url}/dev/mailbox")
    in_use = page.locator("article", has=page.get_by_role("heading", name="Dit e-mailadres is al in gebruik")).first
    assert "al.bezet@example.org" in in_use.inner_text() and in_use.get_by_role("link").count() == 0
    page.goto(f"{portal.url}/account")
    assert page.locator("#current-email").inner_text() == "zelf.service@example.org"
    ask_for("zelf.nieuw@example.org")
    check_accessibility(page)
    screenshot(page, "self-service-email-requested-nl")

    # The mailbox shows the link; following it confirms the new address.
    open_newest_mail_link(page, portal, "Bevestig uw nieuwe e-mailadres", "zelf.nieuw@example.org")
    page.wait_for_url("**/account/email/verify")
    assert "token" not in page.url  # taken out of the address bar and history
    check_accessibility(page)
    page.get_by_role("button", name="E-mailadres bevestigen").click()
    page.get_by_text("Uw nieuwe e-mailadres is bevestigd").wait_for()
    page.get_by_role("link", name="Naar accountinstellingen").click()
    page.wait_for_url("**/account")
    assert page.locator("#current-email").inner_text() == "zelf.nieuw@example.org"
    screenshot(page, "self-service-email-changed-nl")

    # A new browser: forgotten password from the login page.
    page.context.clear_cookies()
    page.goto(f"{portal.url}/login")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.wait_for_url("**/password/forgot")
    check_accessibility(page)
    page.get_by_label("Gebruikersnaam").fill("zelf.service")
    page.get_by_role("button", name="Stuur mij een link").click()
    page.get_by_text("Als er een account met deze gebruikersnaam bestaat").wait_for()

    # The reset mail goes to the new address; its link sets a new password.
    open_newest_mail_link(page, portal, "Nieuw wachtwoord instellen", "zelf.nieuw@example.org")
    page.wait_for_url("**/password/reset")
    check_accessibility(page)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill("Iets-Anders-Dan-Hierboven-1")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.locator("#new_password_repeat-error").get_by_text("De twee wachtwoorden zijn niet gelijk.").wait_for()
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.get_by_text("Uw wachtwoord is ingesteld").wait_for()
    screenshot(page, "self-service-password-reset-nl")

    # Log in with the new password: the second factor is still asked.
    log_in(page, portal, "zelf.service", NEW_PASSWORD, SECRET)
    assert page.get_by_role("heading", name="Mijn portaal").is_visible()


def test_sessions_page_and_password_change_end_the_other_browser(portal, browser, page, check_accessibility):
    portal.create_user("twee.browsers", PASSWORD, "--totp-secret", SECRET)
    log_in(page, portal, "twee.browsers", PASSWORD, SECRET)
    other = browser.new_context(locale="nl-NL", user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) "
                                                           "Gecko/20100101 Firefox/128.0")
    other_page = other.new_page()
    try:
        log_in(other_page, portal, "twee.browsers", PASSWORD, SECRET)
        page.goto(f"{portal.url}/account/sessions")
        rows = page.locator("#sessions tbody tr")
        assert rows.count() == 2
        assert "Firefox op Windows" in page.locator("#sessions").inner_text()
        assert page.locator("tr[aria-current=true]").get_by_text("Deze sessie").is_visible()
        check_accessibility(page)
        screenshot(page, "self-service-sessions-nl")

        # A password change asks the app's code too; it keeps this browser logged in and ends the other one.
        page.goto(f"{portal.url}/account")
        page.get_by_label("Huidig wachtwoord", exact=True).fill(PASSWORD)
        page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
        code_field = page.locator("#password-form").get_by_label("Huidige 6-cijferige code of een back-up code")
        assert code_field.get_attribute("autocomplete") == "one-time-code"
        right = fresh_code("twee.browsers", SECRET)
        code_field.fill("000000" if right != "000000" else "111111")
        page.get_by_role("button", name="Wachtwoord wijzigen").click()
        page.locator("#password_code-error").get_by_text("De code is onjuist").wait_for()
        assert code_field.get_attribute("aria-invalid") == "true"
        check_accessibility(page)
        code_field.fill(right)
        page.get_by_role("button", name="Wachtwoord wijzigen").click()
        page.get_by_text("Uw wachtwoord is gewijzigd").wait_for()
        other_page.goto(f"{portal.url}/account")
        other_page.wait_for_url("**/login?next=%2Faccount")  # the login would return there
        page.goto(f"{portal.url}/account/sessions")
        assert page.locator("#sessions tbody tr").count() == 1
    finally:
        other.close()


def test_parallel_reset_requests_never_pass_the_rate_limit(portal):
    from chalicelib.services.password_reset import REQUESTS_PER_NAME

    portal.create_user("veel.verzoeken", PASSWORD)

    def ask(_: int) -> int:
        return portal.session().post(f"{portal.url}/api/v1/auth/password-reset",
                                     json={"username": "veel.verzoeken"}).status_code

    with ThreadPoolExecutor(max_workers=15) as pool:
        statuses = list(pool.map(ask, range(15)))
    assert statuses == [202] * 15
    mailbox = portal.session().get(f"{portal.url}/dev/mailbox").text
    assert mailbox.count("veel.verzoeken@example.org") == REQUESTS_PER_NAME
