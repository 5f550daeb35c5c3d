"""Errors people understand, in a real browser, in Dutch, English and Papiamentu: the error summary at
the top of the form (role=alert, focused, "Er is een probleem", one link per field), "Fout: " before the
page title, the sentence at each field with aria-invalid and aria-describedby, never a field name or a
code; and the lockout saying how many attempts are left and how long the wait is."""

from __future__ import annotations

import pytest

from chalicelib.i18n import t
from tests.e2e.conftest import fresh_code, screenshot

PASSWORD = "Correct-Horse-Battery-9"
SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJR"
LANGUAGES = ("nl", "en", "pap")
# What a person must never see in a form's error: the API's field names and codes, its "(veld: ...)".
INTERNAL = ("_", "veld:", "field:", "kampo:", "missing", "invalid")


def _summary(page, form: str):
    summary = page.locator(f"#{form}-error-summary")
    summary.wait_for(state="visible")
    return summary


def _assert_field_error(page, field_id: str, words: str) -> None:
    slot = page.locator(f"#{field_id}-error")
    assert slot.inner_text() == words
    field = page.locator(f"#{field_id}")
    assert field.get_attribute("aria-invalid") == "true"
    assert f"{field_id}-error" in (field.get_attribute("aria-describedby") or "").split()


def _assert_plain(text: str) -> None:
    lowered = text.lower()
    assert not any(word in lowered for word in INTERNAL), text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_login_errors_summary_title_focus_and_fields(portal, page, lang, check_accessibility):
    page.goto(f"{portal.url}/login?lang={lang}")
    title = page.title()
    page.get_by_role("button", name=t("login.submit", lang), exact=True).click()
    summary = _summary(page, "login")
    assert summary.get_attribute("role") == "alert"
    assert summary.get_by_role("heading").inner_text() == t("form_errors.summary_title", lang)
    assert page.evaluate("document.activeElement.id") == "login-error-summary"
    assert page.title() == t("form_errors.title_prefix", lang) + title
    links = summary.locator(".error-summary-list a")
    assert links.all_inner_texts() == [t("form_errors.field.username.missing", lang),
                                       t("form_errors.field.password.missing", lang)]
    assert [links.nth(i).get_attribute("href") for i in range(2)] == ["#username", "#password"]
    _assert_field_error(page, "username", t("form_errors.field.username.missing", lang))
    _assert_field_error(page, "password", t("form_errors.field.password.missing", lang))
    _assert_plain(summary.inner_text())
    check_accessibility(page)
    if lang == "nl":
        assert summary.inner_text().splitlines()[0] == "Er is een probleem"
        assert page.title().startswith("Fout: Inloggen")
        assert "Vul uw gebruikersnaam in" in summary.inner_text()
        screenshot(page, "form-errors-login-nl")  # in the README (`make screenshots`)
    # A link of the summary takes the person to its field.
    links.nth(1).click()
    assert page.evaluate("document.activeElement.id") == "password"
    # Put right, the errors go and the title is the page's own again.
    page.locator("#username").fill(f"someone.somewhere.{lang}")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    items = summary.locator(".error-summary-list a")
    items.filter(has_text=t("error.invalid_credentials", lang)).wait_for()
    assert items.all_inner_texts() == [t("error.invalid_credentials", lang)]
    assert page.locator("#username-error").is_hidden()
    assert page.locator("#username").get_attribute("aria-invalid") is None
    assert page.title() == t("form_errors.title_prefix", lang) + title


@pytest.mark.parametrize("lang", LANGUAGES)
def test_lockout_says_attempts_left_and_the_wait(portal, page, lang, check_accessibility):
    """A name without an account: the warnings are those a real account gets (tests/api check that)."""
    page.goto(f"{portal.url}/login?lang={lang}")
    page.locator("#username").fill(f"niemand.{lang}")
    summary = page.locator("#login-error-summary")
    for attempt in range(1, 6):
        page.locator("#password").fill(f"wrong password {attempt}")
        page.get_by_role("button", name=t("login.submit", lang), exact=True).click()
        summary.locator(".error-summary-list a").filter(has_text=t("error.invalid_credentials", lang)).wait_for()
        text = summary.inner_text()
        if attempt == 4:
            assert t("form_errors.lockout.attempts_lock.one", lang, n=1) in text
            help_link = summary.get_by_role("link", name=t("help.link", lang))
            assert help_link.get_attribute("href") == "/help?kind=unblock"
            assert summary.get_by_role("link", name=t("login.forgot", lang)).get_attribute("href") == "/password/forgot"
        elif attempt == 5:
            assert t("form_errors.lockout.wait.one", lang, n=1) in text
            assert t("form_errors.lockout.attempts_lock.one", lang, n=1) not in text
        else:
            assert t("form_errors.lockout.attempts_lock.one", lang, n=1) not in text
        _assert_plain(text)
    # The next try meets the lock, and says the wait again.
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=t("login.submit", lang), exact=True).click()
    summary.get_by_text(t("form_errors._.account_locked", lang)).wait_for()
    assert t("form_errors.lockout.wait.one", lang, n=1) in summary.inner_text()
    assert page.locator("#password-error").inner_text() == summary.locator(".error-summary-list a").inner_text()
    check_accessibility(page)
    if lang == "nl":
        assert "U kunt het over 1 minuut opnieuw proberen." in summary.inner_text()
        screenshot(page, "form-errors-lockout-nl")  # in the README (`make screenshots`)


def _log_in(page, portal, username: str) -> None:
    page.goto(f"{portal.url}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url("**/login/totp")
    page.locator("#totp-code").fill(fresh_code(username, SECRET))
    page.locator("#totp-code").press("Enter")
    page.wait_for_url("**/portal")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_password_form_errors(portal, page, lang, check_accessibility):
    username = f"wachtwoord.fout.{lang}"
    portal.create_user(username, PASSWORD, "--totp-secret", SECRET)
    _log_in(page, portal, username)
    page.goto(f"{portal.url}/account?lang={lang}")
    title = page.title()
    form = page.locator("#password-form")
    form.get_by_role("button", name=t("account.password.submit", lang)).click()
    summary = _summary(page, "change_password")
    assert page.evaluate("document.activeElement.id") == "change_password-error-summary"
    assert page.title() == t("form_errors.title_prefix", lang) + title
    # Every empty field at once, in the form's order: the two the API's body check names, and the repeat
    # and the code, which the page names with them.
    assert summary.locator(".error-summary-list a").all_inner_texts() == [
        t("form_errors.field.current_password.missing", lang),
        t("form_errors.field.new_password.missing", lang),
        t("form_errors.field.new_password_repeat.missing", lang),
        t("form_errors.field.code.missing", lang)]
    _assert_field_error(page, "current_password", t("form_errors.field.current_password.missing", lang))
    _assert_field_error(page, "new_password", t("form_errors.field.new_password.missing", lang))
    _assert_field_error(page, "password_code", t("form_errors.field.code.missing", lang))
    _assert_plain(summary.inner_text())
    check_accessibility(page)
    # The page's own check: the repeat differs.
    page.locator("#current_password").fill(PASSWORD)
    page.locator("#new_password").fill("Zeilen-Op-Het-Spaanse-Water-8")
    page.locator("#new_password_repeat").fill("Zeilen-Op-Het-Spaanse-Water-9")
    form.get_by_role("button", name=t("account.password.submit", lang)).click()
    items = summary.locator(".error-summary-list a")
    items.filter(has_text=t("form_errors.field.new_password_repeat.mismatch", lang)).wait_for()
    assert items.count() == 1
    _assert_field_error(page, "new_password_repeat", t("form_errors.field.new_password_repeat.mismatch", lang))
    assert page.locator("#current_password-error").is_hidden()
    # A wrong current password and a wrong code: the service's refusal at its field.
    page.locator("#new_password_repeat").fill("Zeilen-Op-Het-Spaanse-Water-8")
    page.locator("#current_password").fill("not my password at all")
    page.locator("#password_code").fill("000000")
    form.get_by_role("button", name=t("account.password.submit", lang)).click()
    items.filter(has_text=t("form_errors.field.current_password.invalid_credentials", lang)).wait_for()
    _assert_field_error(page, "current_password", t("form_errors.field.current_password.invalid_credentials", lang))
    if lang == "nl":
        assert "Nog" not in summary.inner_text()  # four attempts left: no warning yet
        screenshot(page, "form-errors-password-nl")


@pytest.mark.parametrize(("path", "ask_new"), [("/password/reset", "/password/forgot"),
                                               ("/account/activate", "/password/forgot"),
                                               ("/account/email/verify", "/account")])
def test_a_dead_link_says_so_before_the_form(portal, page, path, ask_new, check_accessibility):
    """A used, replaced or expired link (here one no account has) is refused before anything is typed."""
    page.goto(f"{portal.url}{path}#token={'a' * 43}.niemand.hier")
    notice = page.locator("#link-missing")
    notice.wait_for(state="visible")
    assert page.locator("form").first.is_hidden()
    assert "— vraag een nieuwe aan" in notice.inner_text()
    assert notice.get_by_role("link").get_attribute("href") == ask_new
    assert "token" not in page.url
    check_accessibility(page)
