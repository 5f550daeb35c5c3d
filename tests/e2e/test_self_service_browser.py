"""Self-service for real: `make run`'s stage, Chromium and the local mailbox. Change the e-mail address
and confirm it from /dev/mailbox; forget the password, reset it through the mailbox and log in with the
new password plus a TOTP code; an old session from another browser dies with a password change;
parallel reset requests never get past the rate limit."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import screenshot, totp

PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Zeilen-Op-Het-Spaanse-Water-8"
SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def next_code(secret: str, used_at: float | None) -> str:
    """A code for a later time step than the one used at `used_at` (the replay guard refuses a step twice);
    codes one step ahead are accepted."""
    if used_at is not None and int(time.time() // 30) <= int(used_at // 30):
        return totp(secret, 30)
    return totp(secret)


def log_in(page, portal, username: str, password: str, secret: str, used_at: float | None = None) -> float:
    page.goto(f"{portal.url}/login")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/login/totp")
    moment = time.time()
    page.get_by_label("6-cijferige code").fill(next_code(secret, used_at))
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/portal")
    return moment


def open_newest_mail_link(page, portal, subject: str, to_address: str) -> None:
    page.goto(f"{portal.url}/dev/mailbox")
    mail = page.locator("article", has=page.get_by_role("heading", name=subject)).first
    assert to_address in mail.inner_text()
    mail.get_by_role("link").click()


def test_change_email_then_forget_and_reset_the_password(portal, page, check_accessibility):
    portal.create_user("zelf.service", PASSWORD, "--totp-secret", SECRET)
    used_at = log_in(page, portal, "zelf.service", PASSWORD, SECRET)

    # Mijn portaal -> account settings -> change the e-mail address.
    page.get_by_role("link", name=re.compile("Accountinstellingen")).click()
    page.wait_for_url("**/account")
    assert page.locator("#current-email").inner_text() == "zelf.service@example.org"
    check_accessibility(page)
    page.get_by_label("Nieuw e-mailadres", exact=True).fill("zelf.nieuw@example.org")
    page.get_by_label("Uw wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="E-mailadres wijzigen").click()
    page.get_by_text("Wij hebben een bevestigingslink gestuurd naar zelf.nieuw@example.org").wait_for()
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
    page.get_by_text("De twee wachtwoorden zijn niet gelijk.").wait_for()
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.get_by_text("Uw wachtwoord is ingesteld").wait_for()
    screenshot(page, "self-service-password-reset-nl")

    # Log in with the new password: the second factor is still asked.
    log_in(page, portal, "zelf.service", NEW_PASSWORD, SECRET, used_at)
    assert page.get_by_role("heading", name="Mijn portaal").is_visible()


def test_sessions_page_and_password_change_end_the_other_browser(portal, browser, page, check_accessibility):
    portal.create_user("twee.browsers", PASSWORD, "--totp-secret", SECRET)
    used_at = log_in(page, portal, "twee.browsers", PASSWORD, SECRET)
    other = browser.new_context(locale="nl-NL", user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) "
                                                           "Gecko/20100101 Firefox/128.0")
    other_page = other.new_page()
    try:
        log_in(other_page, portal, "twee.browsers", PASSWORD, SECRET, used_at)
        page.goto(f"{portal.url}/account/sessions")
        rows = page.locator("#sessions tbody tr")
        assert rows.count() == 2
        assert "Firefox op Windows" in page.locator("#sessions").inner_text()
        assert page.locator("tr[aria-current=true]").get_by_text("Deze sessie").is_visible()
        check_accessibility(page)
        screenshot(page, "self-service-sessions-nl")

        # A password change keeps this browser logged in and ends the other one.
        page.goto(f"{portal.url}/account")
        page.get_by_label("Huidig wachtwoord", exact=True).fill(PASSWORD)
        page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Wachtwoord wijzigen").click()
        page.get_by_text("Uw wachtwoord is gewijzigd").wait_for()
        other_page.goto(f"{portal.url}/account")
        other_page.wait_for_url("**/login")
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
