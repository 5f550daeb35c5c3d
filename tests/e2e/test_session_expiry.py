"""The session-expiry warning in a real browser: it appears before the 15-minute idle timeout, "stay
logged in" keeps the session, and when time runs out the session ends server-side and the page says
why. The page's clock is Playwright's fake clock; the server's is real."""

from __future__ import annotations

from tests.e2e.conftest import screenshot, totp

PASSWORD = "Expiry-Warning-Test-2031"
SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def logged_in_cookie(portal, username: str) -> str:
    """A full session made through the API as a browser would (password, then the app's code)."""
    portal.create_user(username, PASSWORD, "--totp-secret", SECRET)
    http = portal.session()
    assert http.post(f"{portal.url}/api/v1/auth/login",
                     json={"username": username, "password": PASSWORD}).json() == {"next": "totp"}
    assert http.post(f"{portal.url}/api/v1/auth/totp", json={"code": totp(SECRET)}).status_code == 200
    return http.cookies["portal_session"]


def watching(page) -> None:
    """Wait until the page knows its session's times (it keeps them for its other tabs too); the
    fake clock may only jump after that."""
    page.wait_for_function("() => window.localStorage.getItem('portal.session') !== null")


def test_warning_stay_logged_in_then_automatic_logout(portal, page, check_accessibility):
    cookie = logged_in_cookie(portal, "expiry.user")
    page.context.add_cookies([{"name": "portal_session", "value": cookie, "url": portal.url}])
    page.clock.install()
    page.goto(f"{portal.url}/portal")
    watching(page)
    dialog = page.get_by_role("dialog", name="Uw sessie verloopt bijna")
    assert not dialog.is_visible()

    page.clock.fast_forward("13:01")  # two minutes before the idle timeout
    dialog.wait_for()
    assert "automatisch uitgelogd" in dialog.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Ingelogd blijven"
    check_accessibility(page)
    screenshot(page, "session-expiry-warning-nl")

    with page.expect_response("**/api/v1/session") as kept:
        page.get_by_role("button", name="Ingelogd blijven").click()
    assert kept.value.json()["idle_expires_in"] > 800
    dialog.wait_for(state="hidden")
    page.get_by_role("status").filter(has_text="U blijft ingelogd.").wait_for()

    page.clock.fast_forward("13:01")
    dialog.wait_for()
    page.keyboard.press("Escape")  # Escape: the person is there, the same as staying
    dialog.wait_for(state="hidden")

    page.clock.fast_forward("13:01")
    dialog.wait_for()
    page.clock.fast_forward("02:00")  # nobody answered
    page.wait_for_url("**/logged-out?reason=idle")
    assert "15 minuten niet actief" in page.get_by_role("main").inner_text()
    check_accessibility(page)
    screenshot(page, "logged-out-idle-nl")
    # Ended on the server too, not just forgotten by the browser.
    stale = portal.session()
    stale.cookies.set("portal_session", cookie)
    assert stale.get(f"{portal.url}/api/v1/session").status_code == 401


def test_a_session_ended_elsewhere_sends_the_page_to_the_logged_out_page(portal, page):
    cookie = logged_in_cookie(portal, "expiry.elsewhere")
    page.context.add_cookies([{"name": "portal_session", "value": cookie, "url": portal.url}])
    page.goto(f"{portal.url}/portal")
    other = portal.session()
    other.cookies.set("portal_session", cookie)
    assert other.post(f"{portal.url}/api/v1/auth/logout", json={}).status_code == 204
    # The next thing the page asks the API is refused: the page says so instead of failing silently.
    page.evaluate("() => { Portal.api('GET', '/api/v1/me'); }")
    page.wait_for_url("**/logged-out?reason=ended")
    assert "Uw sessie is beëindigd" in page.get_by_role("main").inner_text()


def test_a_password_only_session_warns_before_its_fixed_end(portal, page, check_accessibility):
    """Enrollment runs on a password-only session that ends 10 minutes after the password step
    whatever the person does: the warning says so and offers no "stay logged in"."""
    portal.create_user("expiry.enrolling", PASSWORD)
    asked = []
    page.on("response", lambda response: asked.append(response.status) if response.url.endswith(
        "/api/v1/session") else None)
    page.clock.install()
    page.goto(f"{portal.url}/login")
    page.get_by_label("Gebruikersnaam").fill("expiry.enrolling")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/mfa/activate")
    watching(page)
    dialog = page.get_by_role("dialog", name="Uw sessie verloopt bijna")

    # The page got the session's fixed end with it: the warning comes two minutes before, unasked.
    page.clock.fast_forward("08:01")
    dialog.wait_for()
    assert "ook als u actief bent" in dialog.inner_text()
    assert not page.get_by_role("button", name="Ingelogd blijven").is_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Begrepen").click()
    dialog.wait_for(state="hidden")
    page.clock.fast_forward("02:00")
    page.wait_for_url("**/logged-out?reason=ended")
    assert "Uw sessie is beëindigd" in page.get_by_role("main").inner_text()
    # The session-status API serves full sessions only; the page never needed it.
    assert asked == []


def test_after_the_second_factor_on_the_page_the_full_sessions_times_apply(portal, page):
    """A partial session that becomes a full one on its page (the code was accepted) is watched as a
    full one from then on: the idle warning with "stay logged in", not the fixed end."""
    portal.create_user("expiry.stepping", PASSWORD, "--totp-secret", SECRET)
    page.clock.install()
    page.goto(f"{portal.url}/login")
    page.get_by_label("Gebruikersnaam").fill("expiry.stepping")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/login/totp")
    watching(page)
    assert page.evaluate("JSON.parse(window.localStorage.getItem('portal.session')).level") == "partial"
    # The code sent as the page's form does, without the form's move on to the portal.
    with page.expect_response("**/api/v1/session") as status:
        page.evaluate("code => Portal.api('POST', '/api/v1/auth/totp', {code: code})", totp(SECRET))
    assert status.value.status == 200
    page.wait_for_function("() => JSON.parse(window.localStorage.getItem('portal.session')).level === 'full'")
