"""The whole portal as people use it, in a real browser against `make run`'s stage: every capability
walked through its pages, Dutch first and login plus 2FA enrollment also in English and Papiamentu.

Every page visited is checked with axe-core (no serious or critical WCAG 2.1 AA violation) and saved
as a screenshot under test-output/screenshots/; the main pages are also checked on a 360 px phone
screen (nothing wider than the screen). Login and enrollment are done with the keyboard only.
Labels come from the catalogues (`t`), except where the seed fixes the Dutch wording: those are
written out, so a changed label fails here.
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.i18n import t
from tests.e2e.conftest import fresh_code, screenshot

PASSWORD = "Wandelen-Door-Het-Portaal-24"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
BACKUP_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
# The seed's Dutch labels, word for word (../shared/seed: "2FA Digitaal Portaal instellen").
SEED = {
    "login": "Inloggen",
    "activate": "Activeer uw 2-factor authenticatie",
    "configure": "Configureer authenticatie",
    "manual": "Configureer via handmatige invoer",
    "confirm": "Bevestig de configuratie",
    "print": "Print de lijst met back-up codes",
    "activate_print": "Activeren en afdrukken",
    "activated": "De Two-Factor Authenticatie is nu geactiveerd.",
}
# The elements sticking out to the right of the screen (to say what makes a page too wide).
TOO_WIDE = """() => Array.from(document.querySelectorAll("body *"))
  .filter(element => element.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(element => element.outerHTML.slice(0, 120))"""
SECRET = "ORSXG5DFMRSXG5DFORSXG5DFMRSXG5DF"  # the authenticator of the accounts that already have 2FA
DESK_SECRET = "MRSXG23EMVZWWZDFONVWIZLTNNSGK43L"
# Everyone the walkthrough meets, made once (in parallel: each is an operations-command run).
ACCOUNTS = {
    "wandel.burger": (),
    "walk.en": (),
    "walk.pap": (),
    "wandel.zelf": ("--totp-secret", SECRET),
    "wandel.slot": ("--totp-secret", SECRET),
    "wandel.telefoon": ("--totp-secret", SECRET),
    "wandel.desk": ("--role", "support", "--totp-secret", DESK_SECRET),
    # An adviser's account without a CRIB yet: the desk gives it the firm's (a taxpayer's own account
    # never becomes a firm's, or it would be the client of the firm CRIB's authorizations).
    "wandel.adviseur": ("--role", "representative", "--totp-secret", SECRET),
    "wandel.client": ("--crib", "100000039", "--totp-secret", SECRET),
}

class Visitor:
    """One person in one browser tab, in one language. `look` is what every page gets."""

    def __init__(self, page, portal, check_accessibility, lang: str = "nl") -> None:
        self.page, self.portal, self.check, self.lang = page, portal, check_accessibility, lang

    def t(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)

    def go(self, path: str) -> None:
        self.page.goto(f"{self.portal.url}{path}")

    def look(self, name: str, phone: bool = False) -> None:
        """axe, the page's language and a screenshot; with `phone`, the same on a 360 px screen."""
        page = self.page
        assert page.locator("html").get_attribute("lang") == self.lang, page.url
        self.check(page)
        screenshot(page, f"{name}-{self.lang}")
        if phone:
            page.set_viewport_size(PHONE)
            try:
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], (
                    f"{page.url} is {width}px wide on a {PHONE['width']}px screen: {page.evaluate(TOO_WIDE)}")
                screenshot(page, f"{name}-{self.lang}-phone")
            finally:
                page.set_viewport_size(DESKTOP)

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def log_in(self, username: str, password: str, secret: str | None = None) -> None:
        """The login as people do it with a mouse: password step, then the app's code when asked."""
        self.go("/login")
        self.page.get_by_label(self.t("login.username")).fill(username)
        self.page.get_by_label(self.t("login.password"), exact=True).fill(password)
        self.button(self.t("login.submit")).click()
        if secret:
            self.page.wait_for_url("**/login/totp")
            self.page.get_by_label(self.t("mfa.login.code_label")).fill(fresh_code(username, secret))
            self.button(self.t("mfa.login.submit")).click()
            self.page.wait_for_url("**/portal")


def tab_to(page, target) -> None:
    """Move the keyboard focus to `target` with Tab only (fails if Tab never reaches it)."""
    element = target.element_handle()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("element => document.activeElement === element", element):
            return
    raise AssertionError(f"Tab never reaches {target}")


def assert_code_field(field) -> None:
    """What phones and password managers need to offer the code: one-time-code, numeric keyboard."""
    assert field.get_attribute("autocomplete") == "one-time-code"
    assert field.get_attribute("inputmode") == "numeric"
    assert field.evaluate("element => element.labels.length") == 1


def backup_codes_from(page, url: str) -> list[str]:
    """The codes on the backup-code sheet behind the portal's one-time link (opened with the browser's
    session, which it needs), read with pdftotext."""
    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.body(), capture_output=True, check=True).stdout
    codes = BACKUP_CODE.findall(text.decode("utf-8"))
    assert len(codes) == 10
    return codes


@pytest.fixture(scope="module")
def accounts(portal) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda item: portal.create_user(item[0], PASSWORD, *item[1]), ACCOUNTS.items()))


# ---------------------------------------------------------------- login and enrollment


def test_first_login_and_2fa_enrollment_with_the_keyboard_only(portal, accounts, browser, check_accessibility):
    """The seed's 11 steps, every step by keyboard; the print pop-up is blocked, so the sheet comes
    through the fallback link; then the next login (password + code), Back, and a backup code."""
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL",
                                  permissions=["clipboard-read", "clipboard-write"])
    # What a pop-up blocker does to the page: window.open gives nothing.
    context.add_init_script("window.open = function () { return null; };")
    page = context.new_page()
    page.set_default_timeout(15_000)
    me = Visitor(page, portal, check_accessibility)
    keyboard = page.keyboard

    # Step 1: username and password, "Inloggen". A wrong password first: the error is announced.
    me.go("/login")
    me.look("login", phone=True)
    tab_to(page, page.get_by_label("Gebruikersnaam"))
    keyboard.type("wandel.burger")
    tab_to(page, page.get_by_label("Wachtwoord", exact=True))
    keyboard.type("not the password at all")
    keyboard.press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    # The error summary: its heading, then the refusal as a link to the password field.
    assert alert.inner_text().splitlines()[0] == me.t("form_errors.summary_title")
    assert alert.locator(".error-summary-list a").inner_text() == me.t("error.invalid_credentials")
    me.look("login-error")
    # Focus is on the summary; its link takes the keyboard to the field to put right.
    assert page.evaluate("document.activeElement.id") == "login-error-summary"
    tab_to(page, alert.locator(".error-summary-list a"))
    keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "password"
    keyboard.press("Control+A")
    keyboard.type(PASSWORD)
    keyboard.press("Enter")
    page.wait_for_url("**/mfa/activate")

    def step(number: int) -> None:
        section = page.locator(f"[data-step='{number}']")
        section.wait_for()
        assert section.locator(".step-indicator").first.inner_text() == f"Stap {number} van 11"
        me.look(f"enroll-step-{number:02d}", phone=number in (2, 7, 9))

    def press(name: str) -> None:
        tab_to(page, me.button(name))
        keyboard.press("Enter")

    # Steps 2-6: "Activeer uw 2-factor authenticatie", the password again, "Configureer authenticatie".
    step(2)
    press(SEED["activate"])
    step(3)
    tab_to(page, page.get_by_label("Wachtwoord", exact=True))
    keyboard.type(PASSWORD)
    keyboard.press("Enter")
    step(4)
    assert "Google Authenticator" in page.locator("[data-step='4']").inner_text()
    press("Volgende")
    step(5)
    press("Volgende")
    step(6)
    press("Volgende")

    # Step 7: the QR code, its text alternative and the manual entry; copying the secret.
    step(7)
    qr = page.locator("#qr-code svg")
    assert qr.get_attribute("role") == "img"
    assert qr.get_attribute("aria-label") == me.t("mfa.scan.alt")
    press(SEED["manual"])
    secret_box = page.locator("#manual-secret")
    secret_box.wait_for()
    secret = secret_box.get_attribute("data-copy-value")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert secret_box.inner_text().split() == re.findall(".{4}", secret)  # shown in groups of four
    press("Kopieer de sleutel")
    page.locator("#live-status").filter(has_text=me.t("layout.copied")).wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    me.look("enroll-step-07-manual")

    # Steps 8-9: "Bevestig de configuratie", the code; a wrong code is shown at the field.
    press(SEED["confirm"])
    step(9)
    code_field = page.get_by_label("6-cijferige code")
    assert_code_field(code_field)
    tab_to(page, code_field)
    keyboard.type("000000")
    keyboard.press("Enter")
    error = page.locator("#confirm-code-error")
    error.wait_for()
    assert error.inner_text().startswith(me.t("form_errors.enrollment_confirm._.invalid_code"))
    assert code_field.get_attribute("aria-invalid") == "true"
    assert "confirm-code-error" in code_field.get_attribute("aria-describedby").split()
    # Focus on the error summary; its link leads back to the code.
    assert page.evaluate("document.activeElement.id") == "enrollment_confirm-error-summary"
    me.look("enroll-step-09-error")
    tab_to(page, page.locator("#enrollment_confirm-error-summary .error-summary-list a"))
    keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "confirm-code"
    keyboard.press("Control+A")
    keyboard.type(fresh_code("wandel.burger", secret))
    assert me.button(SEED["print"]).is_visible()
    keyboard.press("Enter")

    # Steps 10-11: "Activeren en afdrukken"; the blocked pop-up falls back to a link on the page.
    step(10)
    press(SEED["activate_print"])
    step(11)
    assert page.get_by_text(SEED["activated"]).is_visible()
    assert page.locator("[data-popup-blocked]").is_visible()
    link = page.locator("#backup-codes-link")
    assert link.is_visible()
    codes = backup_codes_from(page, link.get_attribute("href"))
    tab_to(page, page.get_by_role("link", name="Naar Mijn portaal"))
    keyboard.press("Enter")
    page.wait_for_url("**/portal")
    me.look("portal", phone=True)

    # "De volgende keer": password and the 6-digit code, still by keyboard.
    tab_to(page, me.button("Uitloggen"))
    keyboard.press("Enter")
    page.wait_for_url("**/logged-out")
    me.look("logged-out", phone=True)
    tab_to(page, page.get_by_role("link", name="Opnieuw inloggen"))
    keyboard.press("Enter")
    page.wait_for_url("**/login")
    tab_to(page, page.get_by_label("Gebruikersnaam"))
    keyboard.type("wandel.burger")
    tab_to(page, page.get_by_label("Wachtwoord", exact=True))
    keyboard.type(PASSWORD)
    keyboard.press("Enter")
    page.wait_for_url("**/login/totp")
    me.look("login-second-step", phone=True)
    code_field = page.get_by_label("6-cijferige code")
    assert_code_field(code_field)
    assert page.evaluate("document.activeElement.id") == "totp-code"  # the page starts at the code
    keyboard.type(fresh_code("wandel.burger", secret))
    keyboard.press("Enter")
    page.wait_for_url("**/portal")

    # Back never returns to a used code, let alone sends it again.
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.go_back()
    page.wait_for_load_state()
    assert "/login" not in page.url and page.url.endswith("/logged-out"), page.url
    page.go_forward()
    page.wait_for_url("**/portal")
    assert posts == []

    # Without the app: one of the printed backup codes.
    me.button("Uitloggen").click()
    page.wait_for_url("**/logged-out")
    me.go("/login")
    page.get_by_label("Gebruikersnaam").fill("wandel.burger")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    me.button("Inloggen").click()
    page.wait_for_url("**/login/totp")
    me.button(me.t("mfa.login.use_backup")).click()
    page.get_by_label(me.t("mfa.login.backup_label"), exact=True).fill(codes[0].lower())
    me.look("login-backup-code")
    me.button(me.t("mfa.login.backup_submit")).click()
    # The login says how many codes are left (9 of 10: no new list asked yet), then goes on.
    page.wait_for_url("**/mfa/backup-code-used")
    assert "9" in page.locator("#backup-codes-left").inner_text()
    assert page.locator("#backup-codes-low").count() == 0
    page.get_by_role("link", name=me.t("backup_code_used.continue")).click()
    page.wait_for_url("**/portal")
    context.close()


@pytest.mark.parametrize("lang", ["en", "pap"])
def test_login_and_enrollment_in_another_language(portal, accounts, browser, check_accessibility, lang):
    """Chosen once on the login page, the language stays for every following page; the print
    pop-up opens (no blocker this time)."""
    username = f"walk.{lang}"
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    me = Visitor(page, portal, check_accessibility, lang)

    page.goto(f"{portal.url}/login")
    page.get_by_role("link", name=t(f"language.{lang}", lang)).click()
    page.wait_for_url(f"**/login?lang={lang}")
    me.look("login", phone=True)
    page.get_by_label(me.t("login.username")).fill(username)
    page.get_by_label(me.t("login.password"), exact=True).fill(PASSWORD)
    me.button(me.t("login.submit")).click()
    page.wait_for_url("**/mfa/activate")  # no ?lang= any more: the cookie carries the choice

    def step(number: int) -> None:
        section = page.locator(f"[data-step='{number}']")
        section.wait_for()
        assert section.locator(".step-indicator").first.inner_text() == me.t("mfa.step", number=number, total=11)
        me.look(f"enroll-step-{number:02d}")

    step(2)
    me.button(me.t("mfa.activate_button")).click()
    step(3)
    page.get_by_label(me.t("mfa.password.label"), exact=True).fill(PASSWORD)
    me.button(me.t("mfa.configure_button")).click()
    step(4)
    me.button(me.t("mfa.app.skip_button")).click()  # "already have an app": straight to the QR code
    step(7)
    me.button(me.t("mfa.manual_button")).click()
    secret = page.locator("#manual-secret").get_attribute("data-copy-value")
    me.button(me.t("mfa.confirm_button")).click()
    step(9)
    assert_code_field(page.get_by_label(me.t("mfa.code.label")))
    page.get_by_label(me.t("mfa.code.label")).fill(fresh_code(username, secret))
    me.button(me.t("mfa.print_button")).click()
    step(10)
    with context.expect_page() as popup:
        me.button(me.t("mfa.activate_print_button")).click()
    step(11)
    # The pop-up opens empty at the click (so no blocker stops it) and is sent on to the presigned
    # sheet once the codes are made.
    popup.value.wait_for_url(lambda url: "X-Amz-Signature=" in url)
    assert page.get_by_text(me.t("mfa.done.activated")).is_visible()
    popup.value.close()
    page.get_by_role("link", name=me.t("mfa.done.to_portal")).click()
    page.wait_for_url("**/portal")
    me.look("portal", phone=True)

    me.button(me.t("portal.logout")).click()
    page.wait_for_url("**/logged-out")
    me.look("logged-out")
    me.log_in(username, PASSWORD, secret)
    assert page.get_by_role("heading", name=me.t("portal.title")).is_visible()
    context.close()


# ---------------------------------------------------------------- self-service


def open_mail(me: Visitor, subject: str, to_address: str) -> None:
    """The local mailbox (/dev/mailbox), the newest mail with this subject, its link."""
    me.go("/dev/mailbox")
    mail = me.page.locator("article", has=me.page.get_by_role("heading", name=subject)).first
    assert to_address in mail.inner_text()
    me.look("mailbox")
    mail.get_by_role("link").first.click()


def test_password_email_sessions_and_a_forgotten_password(portal, accounts, page, check_accessibility):
    me = Visitor(page, portal, check_accessibility)
    me.log_in("wandel.zelf", PASSWORD, SECRET)

    # Mijn portaal -> account settings: a new e-mail address, confirmed from the mail.
    page.get_by_role("link", name=me.t("portal.account_link")).click()
    page.wait_for_url("**/account")
    me.look("account", phone=True)
    page.get_by_label(me.t("account.email.new"), exact=True).fill("wandel.nieuw@example.org")
    page.get_by_label(me.t("account.email.password"), exact=True).fill(PASSWORD)
    # With 2FA active, each form asks a code too (the app's, or a backup code).
    email_form = page.locator("#email-form")
    email_form.get_by_label(me.t("mfa.password.code_label")).fill(fresh_code("wandel.zelf", SECRET))
    me.button(me.t("account.email.submit")).click()
    page.get_by_role("status").filter(has_text="wandel.nieuw@example.org").wait_for()
    open_mail(me, t("mail.email_verify.subject", "nl"), "wandel.nieuw@example.org")
    page.wait_for_url("**/account/email/verify")
    me.look("verify-email")
    me.button(me.t("verify_email.submit")).click()
    page.get_by_text(me.t("verify_email.done")).wait_for()

    # A new password; the sessions overview.
    me.go("/account")
    assert page.locator("#current-email").inner_text() == "wandel.nieuw@example.org"
    new_password = "Nog-Een-Wandeling-Door-Punda-25"
    page.get_by_label(me.t("account.password.current"), exact=True).fill(PASSWORD)
    page.get_by_label(me.t("password_form.new"), exact=True).fill(new_password)
    page.get_by_label(me.t("password_form.repeat"), exact=True).fill(new_password)
    page.locator("#password-form").get_by_label(me.t("mfa.password.code_label")).fill(
        fresh_code("wandel.zelf", SECRET))
    me.button(me.t("account.password.submit")).click()
    page.get_by_text(me.t("account.password.done")).wait_for()
    me.look("account-password-changed")
    page.get_by_role("link", name=me.t("account.sessions_link")).click()
    page.wait_for_url("**/account/sessions")
    assert page.get_by_text(me.t("sessions.this_one")).is_visible()
    me.look("sessions", phone=True)

    # Forgotten: from the login page, through the mailbox, to a new password and a login with 2FA.
    me.button(me.t("portal.logout")).click()
    page.wait_for_url("**/logged-out")
    me.go("/login")
    page.get_by_role("link", name=me.t("login.forgot")).click()
    page.wait_for_url("**/password/forgot")
    me.look("forgot-password", phone=True)
    page.get_by_label(me.t("login.username")).fill("wandel.zelf")
    me.button(me.t("forgot.submit")).click()
    page.get_by_role("status").filter(has_text=me.t("forgot.sent")[:30]).wait_for()
    open_mail(me, t("mail.password_reset.subject", "nl"), "wandel.nieuw@example.org")
    page.wait_for_url("**/password/reset")
    me.look("reset-password", phone=True)
    final_password = "Derde-Wandeling-Langs-Otrobanda-26"
    page.get_by_label(me.t("password_form.new"), exact=True).fill(final_password)
    page.get_by_label(me.t("password_form.repeat"), exact=True).fill(final_password)
    me.button(me.t("set_password.submit")).click()
    page.get_by_text(me.t("set_password.done")).wait_for()
    me.log_in("wandel.zelf", final_password, SECRET)
    assert page.get_by_role("heading", name=me.t("portal.title")).is_visible()


# ---------------------------------------------------------------- lockout and the support desk


def test_locked_out_help_request_unblock_2fa_reset_and_audit(portal, accounts, browser, page, check_accessibility):
    """A person locks their account, asks for help without logging in; the desk (with 2FA) unblocks
    them and closes the request, resets another person's lost 2FA, and reads it all back in the
    audit trail."""
    me = Visitor(page, portal, check_accessibility)

    # Wrong passwords until the portal locks the name; the reason is announced on the page.
    me.go("/login")
    page.get_by_label(me.t("login.username")).fill("wandel.slot")
    for attempt in range(6):
        page.get_by_label(me.t("login.password"), exact=True).fill(f"wrong password number {attempt}")
        with page.expect_response("**/api/v1/auth/login") as answer:
            me.button(me.t("login.submit")).click()
        if answer.value.status == 423:
            break
    page.get_by_role("alert").filter(has_text=me.t("form_errors._.account_locked")).wait_for()
    me.look("login-locked")

    # "Hulp nodig?" in the error summary: a request without logging in, the unblock option chosen already.
    page.locator("#login-error-summary").get_by_role("link", name=me.t("help.link")).click()
    page.wait_for_url("**/help?kind=unblock")
    me.look("help", phone=True)
    assert page.get_by_role("radio", name=me.t("helpform.kind.unblock")).is_checked()  # preselected by the link
    page.get_by_label(me.t("help.username"), exact=True).fill("wandel.slot")
    page.get_by_label(me.t("helpform.email"), exact=True).fill("wandel.slot@example.org")
    me.button(me.t("help.submit")).click()
    reference = page.locator("#help-reference")
    reference.wait_for()
    me.look("help-sent")

    # The desk: 2FA login, the queue, the request next to the account's state.
    desk_context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    desk_page = desk_context.new_page()
    desk_page.set_default_timeout(15_000)
    desk = Visitor(desk_page, portal, check_accessibility)
    desk.log_in("wandel.desk", PASSWORD, DESK_SECRET)
    desk_page.get_by_role("link", name=desk.t("support.portal_link")).click()
    desk_page.wait_for_url("**/support")
    desk.look("support-search", phone=True)
    desk_page.get_by_role("link", name=desk.t("support.nav.requests"), exact=True).click()
    desk.look("support-requests", phone=True)
    desk_page.get_by_role("link", name=reference.inner_text()).click()
    desk_page.wait_for_url("**/support/requests/*")
    desk.look("support-request", phone=True)
    desk_page.locator("#unblock-check-callback_registered_phone").check()
    desk_page.get_by_label(desk.t("support.reason"), exact=True).first.fill(
        f"Verzoek {reference.inner_text()}, identiteit telefonisch vastgesteld")
    desk.button(desk.t("support.unblock.submit")).click()
    desk_page.wait_for_url("**done=unblocked")
    desk_page.get_by_label(desk.t("support.close.reason")).fill("Account gedeblokkeerd")
    desk.button(desk.t("support.close.submit")).click()
    desk_page.wait_for_url("**done=closed")
    assert desk_page.locator("#request-status").inner_text() == desk.t("support.status.closed")
    desk.look("support-request-closed")

    # The owner hears about it by mail and logs in again.
    me.go("/dev/mailbox")
    assert page.get_by_role("heading", name=me.t("mail.account_unblocked.subject")).first.is_visible()
    me.log_in("wandel.slot", PASSWORD, SECRET)

    # Lost phone: the desk finds the account, records how the identity was checked, resets 2FA.
    desk.go("/support")
    desk_page.get_by_label(desk.t("support.search.label")).fill("wandel.telefoon")
    desk.button(desk.t("support.search.submit")).click()
    desk_page.get_by_role("link", name="wandel.telefoon", exact=True).click()
    desk_page.wait_for_url("**/support/users/wandel.telefoon")
    desk.look("support-user", phone=True)
    desk_page.locator("#reset-check-id_document_in_person").check()
    desk_page.get_by_label(desk.t("support.reason"), exact=True).nth(1).fill("Telefoon kwijt, paspoort gezien")
    desk_page.get_by_label(desk.t("support.reset.confirm")).check()
    desk.button(desk.t("support.reset.submit")).click()
    desk_page.wait_for_url("**done=reset")
    owner_context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    owner = Visitor(owner_context.new_page(), portal, check_accessibility)
    owner.log_in("wandel.telefoon", PASSWORD)
    owner.page.wait_for_url("**/mfa/activate")  # enrollment again, as at the first login

    # A new account made by the desk: the owner (mail in Papiamentu) sets a password from the mail.
    desk.go("/support")
    desk_page.get_by_label(desk.t("support.user.username"), exact=True).fill("wandel.nieuwkomer")
    desk_page.get_by_label(desk.t("support.user.email"), exact=True).fill("nieuwkomer@example.org")
    desk_page.get_by_label(desk.t("support.create.language")).select_option("pap")
    desk.button(desk.t("support.create.submit")).click()
    desk_page.locator("#new-reason-error").wait_for()  # no reason, no account: refused next to the field
    desk_page.get_by_label(desk.t("support.reason"), exact=True).fill("Aangevraagd aan de balie")
    desk.button(desk.t("support.create.submit")).click()
    desk_page.wait_for_url("**done=created")
    open_mail(owner, t("mail.account_activation.subject", "pap"), "nieuwkomer@example.org")
    owner.page.wait_for_url("**/account/activate")
    owner.look("activate-account", phone=True)
    owner.page.get_by_label(owner.t("password_form.new"), exact=True).fill(PASSWORD)
    owner.page.get_by_label(owner.t("password_form.repeat"), exact=True).fill(PASSWORD)
    owner.button(owner.t("set_password.submit")).click()
    owner.page.get_by_text(owner.t("set_password.done")).wait_for()
    owner.log_in("wandel.nieuwkomer", PASSWORD)
    owner.page.wait_for_url("**/mfa/activate")  # "Eerste keer inloggen": 2FA first
    owner_context.close()

    # Every step is in the audit trail, with its reason.
    desk_page.get_by_role("link", name=desk.t("support.nav.audit"), exact=True).click()
    desk_page.get_by_label(desk.t("support.audit.target")).fill("wandel.slot")
    desk.button(desk.t("support.audit.submit")).click()
    desk_page.locator("table.events tbody tr").first.wait_for()
    trail = desk_page.locator("table.events tbody").inner_text()
    assert desk.t("labels.action.support.unblock") in trail and "identiteit telefonisch vastgesteld" in trail
    desk.look("support-audit", phone=True)
    desk_context.close()


# ---------------------------------------------------------------- representatives and their clients


def test_representative_registers_and_imports_the_client_confirms_and_revokes(portal, accounts, browser, page,
                                                                              check_accessibility):
    """The desk gives an adviser's account representative portal access; the adviser registers one
    authorization and imports a file with good and bad rows (progress shown and announced, error
    report downloaded); the client confirms one and revokes another."""
    desk_context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    desk = Visitor(desk_context.new_page(), portal, check_accessibility)
    desk.page.set_default_timeout(15_000)
    desk.log_in("wandel.desk", PASSWORD, DESK_SECRET)
    desk.go("/support/users/wandel.adviseur")
    desk.page.get_by_label(desk.t("support.representative.firm_name")).fill("Wandel Belastingadvies")
    desk.page.get_by_label(desk.t("support.representative.crib")).fill("200000017")
    desk.page.get_by_label(desk.t("support.reason"), exact=True).nth(2).fill("Verzoek per brief, KvK gezien")
    desk.button(desk.t("support.representative.submit")).click()
    desk.page.get_by_role("status").filter(has_text=desk.t("support.done.representative")).wait_for()
    desk.look("support-representative-access")
    desk_context.close()

    adviser = Visitor(page, portal, check_accessibility)
    adviser.log_in("wandel.adviseur", PASSWORD, SECRET)
    page.get_by_role("link", name=adviser.t("portal.link.representative")).click()
    page.wait_for_url("**/representative")
    adviser.look("representative", phone=True)

    page.get_by_label(adviser.t("representative.single.client_crib")).fill("100000039")
    page.get_by_label(adviser.t("representative.single.tax_type")).select_option("IB")
    start = page.get_by_role("group", name=adviser.t("representative.single.start_date"))
    for part, value in (("day", "1"), ("month", "1"), ("year", "2026")):
        start.get_by_label(adviser.t(f"import_flow.date.{part}"), exact=True).fill(value)
    start.scroll_into_view_if_needed()
    adviser.look("representative-date-input")
    adviser.button(adviser.t("representative.single.submit")).click()
    page.locator("#live-status").filter(has_text=adviser.t("representative.single.done")).wait_for()

    csv_file = ("client_crib;tax_type;start_date;end_date\r\n"
                "100000039;WB;01-01-2026;31-12-2027\r\n"
                "100000039;OB;2026-01-01;\r\n"
                "12345;IB;2026-01-01;\r\n"
                "100000039;XX;2026-01-01;\r\n")
    page.get_by_label(adviser.t("representative.import.file")).set_input_files(
        files=[{"name": "machtigingen.csv", "mimeType": "text/csv", "buffer": csv_file.encode("utf-8")}])
    adviser.button(adviser.t("representative.import.submit")).click()
    state = page.locator("#import-state")
    assert state.get_attribute("aria-live") == "polite"  # progress is announced as it changes
    page.locator("#import-status[data-state=done]").wait_for(timeout=60_000)
    assert state.inner_text() == adviser.t("representative.import.status.done")
    assert page.locator("#import-counts").inner_text() == adviser.t(
        "representative.import.counts", imported=2, skipped=0, failed=2, total=4)
    adviser.look("representative-import-done")
    with page.expect_download() as download:
        page.get_by_role("link", name=adviser.t("representative.import.errors_link")).click()
    report = download.value.path().read_text(encoding="utf-8-sig")
    failed_rows = report.strip().splitlines()[1:]
    assert len(failed_rows) == 2 and "12345" in failed_rows[0] and "XX" in failed_rows[1], report

    # The client sees all three on "Machtigingen": confirms one, revokes another.
    client_context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    client = Visitor(client_context.new_page(), portal, check_accessibility)
    client.page.set_default_timeout(15_000)
    client.log_in("wandel.client", PASSWORD, SECRET)
    client.page.get_by_role("link", name=client.t("portal.link.authorizations")).click()
    client.page.wait_for_url("**/authorizations")
    rows = client.page.locator("#authorizations tbody tr")
    rows.nth(2).wait_for()
    assert rows.count() == 3 and "Wandel Belastingadvies" in rows.first.inner_text()
    client.look("client-authorizations", phone=True)
    income = rows.filter(has_text="Inkomstenbelasting")
    income.get_by_role("link", name=client.t("client_flow.list.confirm")).click()
    client.page.get_by_role("heading", name=client.t("client_flow.check.title.confirm")).wait_for()
    client.look("client-authorization-check")
    client.button(client.t("client_flow.submit.confirm")).click()
    client.page.wait_for_url("**/authorizations?done=confirm&id=*")
    client.page.get_by_role("heading", name=client.t("client_flow.done.confirm")).wait_for()
    income.filter(has_text=client.t("authorizations.status.active")).wait_for()
    rows.filter(has_text="Omzetbelasting").get_by_role("link", name=client.t("client_flow.list.reject")).click()
    client.button(client.t("client_flow.submit.reject")).click()
    client.page.get_by_role("heading", name=client.t("client_flow.done.reject")).wait_for()
    rows.filter(has_text="Omzetbelasting").filter(has_text=client.t("authorizations.status.revoked")).wait_for()
    client.look("client-authorizations-changed")
    client_context.close()

    # The adviser's list follows the client's choices.
    page.reload()
    adviser_rows = page.locator("#authorizations tbody tr")
    adviser_rows.filter(has_text=adviser.t("authorizations.status.active")).wait_for()
    assert adviser_rows.filter(has_text=adviser.t("authorizations.status.revoked")).count() == 1
