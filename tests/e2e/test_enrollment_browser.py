"""The seed's "2FA Digitaal Portaal instellen" in Chromium, in Dutch, step by step: login, the eleven
steps with their labels, the QR code read by zbarimg, the secret read from the manual-entry view and
turned into a code by oathtool, the backup-code sheet opened in a pop-up, and the next login with
password and code."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from tests.backup_sheet import codes_in, sheet_text
from tests.e2e.conftest import OUTPUT, screenshot, totp

PASSWORD = "Correct-Horse-Battery-9"
USERNAME = "browser.burger"


def step(page, number: int) -> None:
    page.get_by_text(f"Stap {number} van 11", exact=True).wait_for()
    screenshot(page, f"enrollment-step-{number:02d}")
    guide_picture(page, number)


def guide_picture(page, number: int) -> None:
    """The page's main content as the picture of this step on "Inloggen met 2FA" (`make screenshots`
    copies it to the static files, infra/guide_images.py)."""
    folder = OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.locator("main").screenshot(path=str(folder / f"guide-step-{number:02d}.png"))


def read_qr(page) -> str:
    path = OUTPUT / "enrollment-qr.png"
    page.locator("#qr-code svg").screenshot(path=str(path))
    result = subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", str(path)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_eleven_steps_in_dutch_then_the_next_login(portal, page, check_accessibility):
    portal.create_user(USERNAME, PASSWORD)

    # 1. Gebruikersnaam en wachtwoord, "Inloggen".
    page.goto(f"{portal.url}/login")
    page.get_by_label("Gebruikersnaam").fill(USERNAME)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    guide_picture(page, 1)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/mfa/activate")

    # 2. "Activeer uw 2-factor authenticatie".
    step(page, 2)
    check_accessibility(page)
    page.get_by_role("button", name="Activeer uw 2-factor authenticatie").click()

    # 3. Wachtwoord weer invoeren, "Configureer authenticatie" (a wrong one first).
    step(page, 3)
    page.get_by_label("Wachtwoord").fill("not my password")
    page.get_by_role("button", name="Configureer authenticatie").click()
    page.locator("#password-error").filter(has_text="onjuist").wait_for()
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Configureer authenticatie").click()

    # 4. Een authenticatie-app zoeken; 5. installeren; 6. de instructies in de app volgen.
    step(page, 4)
    for app in ("Google Authenticator", "Microsoft Authenticator", "LastPass Authenticator", "Entrust Identity"):
        assert page.get_by_text(app, exact=True).is_visible()
    assert page.get_by_text("Time-Based One-Time Password (TOTP)").is_visible()
    page.get_by_role("button", name="Volgende").click()
    step(page, 5)
    page.get_by_role("button", name="Volgende").click()
    step(page, 6)
    page.get_by_role("button", name="Volgende").click()

    # 7. De QR-code scannen, or "Configureer via handmatige invoer".
    step(page, 7)
    uri = read_qr(page)
    page.get_by_role("button", name="Configureer via handmatige invoer").click()
    secret = page.locator("#manual-secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret), secret
    secret = secret.replace(" ", "")
    assert page.locator("#manual-account").inner_text() == USERNAME
    assert page.locator("#manual-issuer").inner_text() == "Belastingdienst Curaçao"
    parts = urlsplit(uri)
    issuer = "Belastingdienst Curaçao"
    assert (parts.scheme, parts.netloc, unquote(parts.path)) == ("otpauth", "totp", f"/{issuer}:{USERNAME}")
    assert parse_qs(parts.query)["secret"] == [secret] and parse_qs(parts.query)["issuer"] == [issuer]
    screenshot(page, "enrollment-step-07-manual")
    check_accessibility(page)

    # 8. "Bevestig de configuratie".
    step(page, 8)
    page.get_by_role("button", name="Bevestig de configuratie").click()

    # 9. De 6-cijferige code invoeren, "Print de lijst met back-up codes".
    step(page, 9)
    code_input = page.get_by_label("6-cijferige code")
    assert code_input.get_attribute("inputmode") == "numeric"
    assert code_input.get_attribute("autocomplete") == "one-time-code"
    code_input.fill(totp(secret))
    page.get_by_role("button", name="Print de lijst met back-up codes").click()

    # 10. Uitleg over de back-up codes, "Activeren en afdrukken": the sheet opens in a pop-up.
    step(page, 10)
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Activeren en afdrukken").click()
    popup = opened.value

    # 11. Het document downloaden en printen; "De Two-Factor Authenticatie is nu geactiveerd."
    step(page, 11)
    page.get_by_text("De Two-Factor Authenticatie is nu geactiveerd.", exact=True).wait_for()
    assert page.get_by_text("het opslaan van het document op uw computer wordt niet aanbevolen").is_visible()
    link = page.get_by_role("link", name="Back-up code document openen").get_attribute("href")
    assert urlsplit(link).path.startswith("/mfa/backup-codes/sheet/")  # the portal's own one-time link
    popup.wait_for_url(lambda url: "X-Amz-Signature=" in url)  # opened once, then sent on to S3
    check_accessibility(page)
    sheet = requests.get(popup.url, timeout=10)
    assert sheet.headers["Content-Type"] == "application/pdf"
    assert len(codes_in(sheet.content)) == 10
    assert "Sla dit bestand niet op uw computer op." in sheet_text(sheet.content)
    popup.close()

    # Logging out, then "de volgende keer": username and password, then the code from the app.
    page.get_by_role("link", name="Naar Mijn portaal").click()
    page.wait_for_url("**/portal")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/logged-out")
    page.goto(f"{portal.url}/login")
    page.get_by_label("Gebruikersnaam").fill(USERNAME)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/login/totp")
    screenshot(page, "login-totp-nl")
    check_accessibility(page)
    # The code of step 9 is used; the app's next code (one step ahead is accepted) logs in.
    page.get_by_label("6-cijferige code").fill(totp(secret, 30))
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/portal")
    assert page.get_by_role("heading", name="Mijn portaal").is_visible()


def test_a_backup_code_logs_in_from_the_second_step_page(portal, page, check_accessibility):
    portal.create_user("browser.backup", PASSWORD)
    http = portal.session()
    http.post(f"{portal.url}/api/v1/auth/login", json={"username": "browser.backup", "password": PASSWORD})
    secret = http.post(f"{portal.url}/api/v1/mfa/enrollment", json={"password": PASSWORD}).json()["secret"]
    http.post(f"{portal.url}/api/v1/mfa/enrollment/confirm", json={"code": totp(secret)})
    link = http.post(f"{portal.url}/api/v1/mfa/enrollment/activate", json={}).json()["backup_codes_pdf"]
    backup_code = codes_in(http.get(link, timeout=10).content)[0]

    page.goto(f"{portal.url}/login")
    page.get_by_label("Gebruikersnaam").fill("browser.backup")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/login/totp")
    page.get_by_role("button", name="Geen toegang tot uw app? Gebruik een back-up code").click()
    page.get_by_label("Back-up code").fill(backup_code.lower().replace("-", " "))
    screenshot(page, "login-backup-code-nl")
    page.get_by_role("button", name="Inloggen met back-up code").click()
    # The page after a backup code says how many are left (the mail too), then the portal.
    page.wait_for_url("**/mfa/backup-code-used")
    assert "Aantal ongebruikte back-up codes: 9." in page.locator("#backup-codes-left").inner_text()
    assert page.locator("#backup-codes-low").count() == 0  # 9 left: no new list pressed on the owner
    check_accessibility(page)
    page.get_by_role("link", name="Verder naar Mijn portaal").click()
    page.wait_for_url("**/portal")
