"""Mijn activiteit for real: `make run`'s stage and Chromium. A failed login attempt on the name shows on
the owner's activity page; "Dit was ik niet" on it leads to a confirmation page of the portal's own,
and confirming ends the session, stops the old password and says what happened and what to do next;
the reset link is in the mailbox. Walked in Dutch and in Papiamentu, axe on every state."""

from __future__ import annotations

import re

import requests

from tests.e2e.conftest import fresh_code, screenshot

PASSWORD = "Correct-Horse-Battery-9"
SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
TEXTS = {
    "nl": {"username": "Gebruikersnaam", "password": "Wachtwoord", "login": "Inloggen", "code": "6-cijferige code",
           "activity": "Mijn activiteit", "failed": "Mislukte inlogpoging: verkeerd wachtwoord",
           "not_me": "Dit was ik niet", "confirm": "Ja, beveilig mijn account", "done": "Uw account is beveiligd",
           "reference": "onder referentie SR-"},
    "pap": {"username": "Nòmber di usuario", "password": "Kontraseña", "login": "Log in", "code": "kódigo di 6 shifra",
            "activity": "Mi aktividat", "failed": "Purba di log in ku a faya: kontraseña robes",
            "not_me": "No tabata ami", "confirm": "Sí, protehá mi kuenta", "done": "Bo kuenta ta protehá",
            "reference": "bou di referensia SR-"},
}


def _log_in(page, portal, username: str, words: dict, lang: str) -> None:
    page.goto(f"{portal.url}/login?lang={lang}")
    page.get_by_label(words["username"]).fill(username)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["login"], exact=True).click()
    page.wait_for_url("**/login/totp")
    page.get_by_label(re.compile(words["code"], re.IGNORECASE)).fill(fresh_code(username, SECRET))
    page.get_by_role("button", name=words["login"], exact=True).click()
    page.wait_for_url("**/portal")


def _walk(portal, page, check_accessibility, username: str, lang: str) -> None:
    words = TEXTS[lang]
    portal.create_user(username, PASSWORD, "--totp-secret", SECRET)
    # Someone tries the name with a wrong password.
    refused = requests.post(f"{portal.url}/api/v1/auth/login",
                            json={"username": username, "password": "Raden-1234-xyz"}, timeout=30)
    assert refused.status_code == 401
    _log_in(page, portal, username, words, lang)

    page.get_by_role("link", name=re.compile(words["activity"])).click()
    page.wait_for_url("**/account/activity")
    row = page.locator("#activity tbody tr", has_text=words["failed"])
    row.wait_for()
    assert page.locator("#activity tbody tr").count() >= 3  # the failed attempt and both login steps
    check_accessibility(page)
    screenshot(page, f"activity-{lang}")

    row.get_by_role("link", name=re.compile(words["not_me"])).click()
    page.wait_for_url("**/account/activity/not-me?event=*")
    page.locator(".reported li", has_text=words["failed"]).wait_for()
    check_accessibility(page)
    screenshot(page, f"activity-not-me-{lang}")

    page.get_by_role("button", name=words["confirm"]).click()
    done = page.locator("#not-me-done")
    done.get_by_role("heading", name=words["done"]).wait_for()
    assert page.locator("#not-me-confirm").is_hidden()
    assert words["reference"] in done.inner_text() and "@example.org" in done.inner_text()
    assert page.evaluate("document.activeElement.tagName") == "H1"
    check_accessibility(page)
    screenshot(page, f"activity-not-me-done-{lang}")

    # The session is gone, and the old password opens nothing.
    page.goto(f"{portal.url}/portal")
    page.wait_for_url("**/login")
    again = requests.post(f"{portal.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD},
                          timeout=30)
    assert again.status_code == 401
    # The reset link went to the account's address.
    page.goto(f"{portal.url}/dev/mailbox")
    mail = page.locator("article", has_text=f"{username}@example.org").first
    assert mail.get_by_role("link").count() >= 1


def test_activity_page_not_me_and_its_confirmation(portal, page, check_accessibility):
    _walk(portal, page, check_accessibility, "niet.ik", "nl")


def test_activity_page_not_me_and_its_confirmation_in_papiamentu(portal, page, check_accessibility):
    _walk(portal, page, check_accessibility, "no.tabata.ami", "pap")
