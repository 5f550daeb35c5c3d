"""The 2FA set-up without traps, in Chromium: every step has its own address, so the browser's Back and
Forward, a reload and the language switch keep the step and the secret already scanned; a phone gets
the otpauth: link; "Terug" is a link at the top of every step; and a deep link asked for before the
login is where the login (password, then the set-up or the second factor) ends."""

from __future__ import annotations

import re

from tests.e2e.conftest import fresh_code, screenshot

PASSWORD = "Correct-Horse-Battery-9"
PHONE = {"width": 360, "height": 740}


def log_in(page, portal, username: str, path: str = "/login") -> None:
    page.goto(f"{portal.url}{path}")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def on_step(page, number: int, label: str = "Stap {n} van 11") -> None:
    page.locator(f"[data-step='{number}']:visible .step-indicator").first.filter(
        has_text=label.format(n=number)).wait_for()


def shown_secret(page) -> str:
    return page.locator("#manual-secret").get_attribute("data-copy-value")


def test_back_forward_reload_and_language_keep_the_step_and_the_secret(portal, page, check_accessibility):
    portal.create_user("nav.burger", PASSWORD)
    log_in(page, portal, "nav.burger")
    page.wait_for_url("**/mfa/activate")
    on_step(page, 2)
    assert page.locator(".account-name").count() == 0  # nobody is logged in before the second factor
    page.get_by_role("button", name="Activeer uw 2-factor authenticatie").click()
    page.wait_for_url("**/mfa/activate/3")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Configureer authenticatie").click()
    page.wait_for_url("**/mfa/activate/4")
    page.get_by_role("button", name="Ik heb al een authenticatie-app").click()
    page.wait_for_url("**/mfa/activate/7")
    on_step(page, 7)
    secret = shown_secret(page)
    qr = page.locator("#qr-code svg").inner_html()
    check_accessibility(page)

    # Back: one step back (to 4, where "already have an app" was chosen); Forward: step 7 again, same secret.
    page.go_back()
    page.wait_for_url("**/mfa/activate/4")
    on_step(page, 4)
    page.go_forward()
    page.wait_for_url("**/mfa/activate/7")
    on_step(page, 7)
    assert shown_secret(page) == secret and page.locator("#qr-code svg").inner_html() == qr

    # A reload stays on the step with the same secret; no "remove the earlier entry" (nothing replaced).
    page.reload()
    on_step(page, 7)
    assert shown_secret(page) == secret
    assert page.locator("#replaced-notice").count() == 0

    # The language switch keeps the step and the secret.
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/mfa/activate/7?lang=en")
    on_step(page, 7, "Step {n} of 11")
    assert shown_secret(page) == secret
    check_accessibility(page)
    page.get_by_role("link", name="Nederlands").click()
    page.wait_for_url("**/mfa/activate/7?lang=nl")

    # "Terug" at the top is a link to the step before; the password step offers the key already shown.
    page.get_by_role("link", name="Terug").click()
    page.wait_for_url("**/mfa/activate/6")
    on_step(page, 6)
    for number in (5, 4, 3):
        page.get_by_role("link", name="Terug").click()
        on_step(page, number)
    page.get_by_role("button", name="Verder met de sleutel die u al heeft").wait_for()
    screenshot(page, "enrollment-step-03-pending-nl")
    check_accessibility(page)

    # A new key on purpose: step 7 says the app's earlier entry must go.
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Configureer authenticatie").click()
    page.wait_for_url("**/mfa/activate/4")
    page.get_by_role("button", name="Ik heb al een authenticatie-app").click()
    on_step(page, 7)
    assert page.get_by_text("Verwijder de eerdere vermelding uit uw app").is_visible()
    new_secret = shown_secret(page)
    assert new_secret != secret
    page.get_by_role("button", name="Bevestig de configuratie").click()
    page.wait_for_url("**/mfa/activate/9")
    page.get_by_label("6-cijferige code").fill(fresh_code("nav.burger", new_secret))
    page.get_by_role("button", name="Print de lijst met back-up codes").click()
    page.wait_for_url("**/mfa/activate/10")
    # Back from step 10 is step 9, which says the code is confirmed; Forward is step 10 again.
    page.go_back()
    page.wait_for_url("**/mfa/activate/9")
    page.get_by_text("Uw code is bevestigd.").wait_for()
    page.go_forward()
    page.wait_for_url("**/mfa/activate/10")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Activeren en afdrukken").click()
    opened.value.close()
    page.wait_for_url("**/mfa/activate/11")
    on_step(page, 11)
    assert page.locator(".languages a[hreflang=en]").get_attribute("href") == "/mfa/activate/11?lang=en"
    page.reload()
    on_step(page, 11)
    page.get_by_text("De Two-Factor Authenticatie is nu geactiveerd.").wait_for()
    assert page.locator(".account-name").inner_text() == "Ingelogd als nav.burger"


def test_on_a_phone_the_qr_step_links_to_the_app(portal, browser, check_accessibility):
    portal.create_user("nav.phone", PASSWORD)
    context = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, portal, "nav.phone")
        page.wait_for_url("**/mfa/activate")
        page.get_by_role("button", name="Activeer uw 2-factor authenticatie").click()
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Configureer authenticatie").click()
        page.wait_for_url("**/mfa/activate/4")
        page.goto(f"{portal.url}/mfa/activate/7?lang=pap")
        link = page.get_by_role("link", name="Habri den bo app di outentikashon")
        assert link.is_visible()
        assert re.fullmatch(r"otpauth://totp/Belastingdienst%20Cura%C3%A7ao:nav\.phone\?secret=[A-Z2-7]{32}"
                            r"&issuer=Belastingdienst%20Cura%C3%A7ao", link.get_attribute("href"))
        screenshot(page, "enrollment-step-07-phone-pap")
        check_accessibility(page)
    finally:
        context.close()


def test_a_deep_link_is_where_the_login_ends(portal, page, check_accessibility):
    portal.create_user("nav.deeplink", PASSWORD)
    page.goto(f"{portal.url}/account/sessions")
    page.wait_for_url("**/login?next=%2Faccount%2Fsessions")
    check_accessibility(page)
    page.get_by_label("Gebruikersnaam").fill("nav.deeplink")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/mfa/activate?next=%2Faccount%2Fsessions")
    page.get_by_role("button", name="Activeer uw 2-factor authenticatie").click()
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Configureer authenticatie").click()
    page.get_by_role("button", name="Ik heb al een authenticatie-app").click()
    on_step(page, 7)
    secret = shown_secret(page)
    page.get_by_role("button", name="Bevestig de configuratie").click()
    page.get_by_label("6-cijferige code").fill(fresh_code("nav.deeplink", secret))
    page.get_by_role("button", name="Print de lijst met back-up codes").click()
    page.wait_for_url("**/mfa/activate/10?next=%2Faccount%2Fsessions")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Activeren en afdrukken").click()
    opened.value.close()
    page.get_by_role("link", name="Verder naar de gevraagde pagina").click()
    page.wait_for_url("**/account/sessions")

    # The next time: password, the app's code, and the page asked for.
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/logged-out")
    page.goto(f"{portal.url}/account/sessions")
    page.get_by_label("Gebruikersnaam").fill("nav.deeplink")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/login/totp?next=%2Faccount%2Fsessions")
    page.get_by_label("6-cijferige code").fill(fresh_code("nav.deeplink", secret))
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/account/sessions")

    # A return path off the portal is ignored: the login ends on Mijn portaal.
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/logged-out")
    page.goto(f"{portal.url}/login?next=%2F%2Fexample.org")
    page.get_by_label("Gebruikersnaam").fill("nav.deeplink")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/login/totp")
    page.get_by_label("6-cijferige code").fill(fresh_code("nav.deeplink", secret))
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/portal")
