"""The public pages in Chromium, as someone who cannot get in uses them: the login page -> "Inloggen met
2FA" -> help with the option the link chose -> the confirmation panel with the reference; and a page
that does not exist. In Dutch, English and Papiamentu, on a 1280 px and a 360 px screen, every page
checked with axe-core (no serious or critical WCAG 2.1 AA violation) and saved as a screenshot."""

from __future__ import annotations

import re

import pytest

from chalicelib.i18n import t
from tests.e2e.conftest import screenshot

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
SCREENS = {"desktop": DESKTOP, "phone": PHONE}
# What sticks out to the right of the screen (to say what makes a page too wide).
TOO_WIDE = """() => Array.from(document.querySelectorAll("body *"))
  .filter(element => element.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(element => element.outerHTML.slice(0, 120))"""


def look(page, check_accessibility, name: str, lang: str) -> None:
    assert page.locator("html").get_attribute("lang") == lang, page.url
    check_accessibility(page)
    assert page.evaluate(TOO_WIDE) == [], page.url
    screenshot(page, name)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lang", ["nl", "en", "pap"])
def test_from_the_login_page_to_help_with_the_2fa_guide_between(portal, page, check_accessibility, lang, screen):
    page.set_viewport_size(SCREENS[screen])
    suffix = f"{lang}{'-phone' if screen == 'phone' else ''}"
    page.goto(f"{portal.url}/login?lang={lang}")
    # The authority's identity and the klantenservice on every page.
    header = page.locator("header.site-header")
    assert "Belastingdienst" in header.inner_text() and "Curaçao" in header.inner_text()
    footer = page.locator("footer.site-footer")
    assert footer.get_by_role("heading", name=t("footer.contact_title", lang)).is_visible()
    assert footer.get_by_role("link", name=t("privacy.title", lang)).is_visible()
    look(page, check_accessibility, f"public-header-footer-{suffix}", lang)

    page.get_by_role("link", name=t("login.guide_link", lang)).click()
    page.wait_for_url("**/inloggen-met-2fa")
    assert page.get_by_role("heading", level=1).inner_text() == t("guide.title", lang)
    assert page.get_by_text(t("guide.risk_callout", lang)).is_visible()
    assert page.locator("li.step").count() == 11
    pictures = page.locator("li.step img")
    assert pictures.count() == 11
    pictures.nth(0).scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=pictures.nth(0).element_handle())
    look(page, check_accessibility, f"public-2fa-guide-{suffix}", lang)

    page.get_by_role("link", name=t("guide.help", lang)).click()
    page.wait_for_url("**/help?reden=2fa-kwijt")
    assert page.get_by_role("radio", name=t("helpform.kind.reset_2fa", lang)).is_checked()
    look(page, check_accessibility, f"public-help-{suffix}", lang)
    page.get_by_label(t("help.username", lang), exact=True).fill(f"public.{lang}.{screen}")
    page.get_by_label(t("helpform.email", lang), exact=True).fill(f"public.{lang}.{screen}@example.org")
    page.get_by_role("button", name=t("help.submit", lang)).click()

    panel = page.locator(".panel")
    panel.wait_for()
    assert panel.get_by_role("heading", level=1).inner_text() == t("helpform.panel_title", lang)
    reference = page.locator("#help-reference").inner_text()
    assert re.fullmatch(r"SR-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    assert page.evaluate("document.activeElement.id") == "help-done"
    assert f"public.{lang}.{screen}@example.org" in page.locator("#help-next-mail").inner_text()
    assert page.get_by_role("heading", name=t("helpform.next_title", lang)).is_visible()
    look(page, check_accessibility, f"public-help-done-{suffix}", lang)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lang", ["nl", "en", "pap"])
def test_a_page_that_does_not_exist_is_the_404_page(portal, page, check_accessibility, lang, screen):
    page.set_viewport_size(SCREENS[screen])
    response = page.goto(f"{portal.url}/deze/pagina/bestaat-niet?lang={lang}")
    assert response.status == 404 and response.headers["content-type"].startswith("text/html")
    assert page.get_by_role("heading", level=1).inner_text() == t("not_found.title", lang)
    assert "Missing Authentication Token" not in page.content()
    look(page, check_accessibility, f"public-not-found-{lang}{'-phone' if screen == 'phone' else ''}", lang)
    page.locator("main").get_by_role("link", name=t("not_found.support", lang)).click()
    page.wait_for_url("**/ondersteuning")
    assert page.get_by_role("heading", level=1).inner_text() == t("support_page.title", lang)
    look(page, check_accessibility, f"public-support-{lang}{'-phone' if screen == 'phone' else ''}", lang)


def test_someone_who_forgot_their_username_gives_name_and_crib_instead(portal, page, check_accessibility):
    page.goto(f"{portal.url}/ondersteuning")
    page.get_by_role("link", name="Vraag hulp bij: Deblokkeren").click()
    page.wait_for_url("**/help?reden=geblokkeerd")
    assert page.get_by_role("radio", name="Mijn account is geblokkeerd").is_checked()
    page.get_by_role("radio", name="Ik weet mijn gebruikersnaam niet meer").check()
    assert not page.get_by_label("Gebruikersnaam", exact=True).is_visible()
    page.get_by_label("Uw volledige naam").fill("Ana Maria Martina")
    page.get_by_label("E-mailadres", exact=True).fill("ana.martina@example.org")
    page.get_by_role("button", name="Verzoek versturen").click()
    # Neither a CRIB number nor a phone number: said at the form, nothing filed.
    # (At the CRIB field; the live region announces the same words, so the field's own slot is read.)
    page.locator("#crib-error").filter(
        has_text="Vul uw gebruikersnaam in, of uw naam met uw CRIB-nummer of telefoonnummer.").wait_for()
    assert page.get_by_label("CRIB-nummer (9 cijfers)").get_attribute("aria-invalid") == "true"
    page.get_by_label("CRIB-nummer (9 cijfers)").fill("100000039")
    page.get_by_role("button", name="Verzoek versturen").click()
    page.locator(".panel").wait_for()
    check_accessibility(page)
    mails = portal.session().get(f"{portal.url}/dev/mailbox").text
    assert "is ontvangen" in mails and page.locator("#help-reference").inner_text() in mails
