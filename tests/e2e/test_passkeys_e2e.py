"""Passkeys for real: `make run`'s stage and Chromium with a virtual authenticator (DevTools'
WebAuthn domain) registering a passkey on the account page and logging in with it through the real
pages; and one assertion sent many times at once by a software authenticator, which logs in once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.authenticator import SoftwareAuthenticator
from tests.e2e.conftest import fresh_code, screenshot

PASSWORD = "Correct-Horse-Battery-9"
SECRET = "KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD"
API = "/api/v1"


def browser_origin(portal) -> str:
    """WebAuthn refuses an IP address as relying-party id: the browser uses the same stage by name."""
    return portal.url.replace("127.0.0.1", "localhost")


def virtual_authenticator(page) -> tuple:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True}})
    return cdp, added["authenticatorId"]


def password_step(page, origin: str, username: str) -> None:
    page.goto(f"{origin}/login")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()


def test_a_passkey_registered_on_the_account_page_logs_in(portal, page, check_accessibility):
    username = "passkey.browser"
    portal.create_user(username, PASSWORD, "--totp-secret", SECRET)
    origin = browser_origin(portal)
    cdp, authenticator_id = virtual_authenticator(page)

    password_step(page, origin, username)
    page.wait_for_url("**/login/totp")
    page.get_by_label("6-cijferige code").fill(fresh_code(username, SECRET))
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/portal")

    page.goto(f"{origin}/account")
    page.get_by_role("link", name="Passkeys beheren").click()
    page.wait_for_url("**/account/passkeys")
    assert page.get_by_text("U heeft nog geen passkey.").is_visible()
    check_accessibility(page)
    page.get_by_label("Naam van de passkey").fill("Laptop thuis")
    page.locator("#passkey-password").fill(PASSWORD)
    page.locator("#passkey_code").fill(fresh_code(username, SECRET))
    page.get_by_role("button", name="Passkey toevoegen").click()
    page.get_by_role("heading", name="Laptop thuis").wait_for()
    screenshot(page, "passkeys-nl")
    check_accessibility(page)
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1

    page.context.clear_cookies()
    password_step(page, origin, username)
    page.wait_for_url("**/login/passkey")
    assert page.get_by_role("heading", name="Inloggen met uw passkey").is_visible()
    assert page.get_by_role("link", name="Inloggen met een code uit uw authenticatie-app").is_visible()
    assert page.get_by_role("link", name="Inloggen met een back-up code").is_visible()
    screenshot(page, "login-passkey-nl")
    check_accessibility(page)
    page.get_by_role("button", name="Passkey gebruiken").click()
    page.wait_for_url("**/portal")
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert credential["signCount"] >= 1

    page.goto(f"{origin}/account/passkeys")
    assert "Laatst gebruikt op" in page.locator("#passkey-list").inner_text()
    page.locator("#passkey-remove-password").fill(PASSWORD)
    page.locator("#passkey_remove_code").fill(fresh_code(username, SECRET))
    page.get_by_role("button", name="Passkey verwijderen").click()
    page.get_by_text("U heeft nog geen passkey.").wait_for()

    # Back to the app's code at the next login.
    page.context.clear_cookies()
    password_step(page, origin, username)
    page.wait_for_url("**/login/totp")


def test_the_passkey_pages_in_english_and_papiamentu_pass_axe(portal, page, check_accessibility):
    username = "passkey.languages"
    portal.create_user(username, PASSWORD, "--totp-secret", SECRET)
    http = portal.session()
    http.post(f"{portal.url}{API}/auth/login", json={"username": username, "password": PASSWORD})
    http.post(f"{portal.url}{API}/auth/totp", json={"code": fresh_code(username, SECRET)})
    page.context.add_cookies([{"name": "portal_session", "value": http.cookies["portal_session"],
                               "url": portal.url}])
    for lang, heading in (("en", "Add a passkey"), ("pap", "Agregá un passkey")):
        page.goto(f"{portal.url}/account/passkeys?lang={lang}")
        assert page.get_by_role("heading", name=heading).is_visible()
        check_accessibility(page)


def test_one_assertion_sent_twenty_times_at_once_logs_in_once(portal):
    username = "passkey.race"
    portal.create_user(username, PASSWORD, "--totp-secret", SECRET)
    authenticator = SoftwareAuthenticator(portal.url)
    owner = portal.session()
    assert owner.post(f"{portal.url}{API}/auth/login", json={"username": username, "password": PASSWORD}).ok
    assert owner.post(f"{portal.url}{API}/auth/totp", json={"code": fresh_code(username, SECRET)}).ok
    options = owner.post(f"{portal.url}{API}/account/passkeys/options",
                         json={"password": PASSWORD, "code": fresh_code(username, SECRET)}).json()["publicKey"]
    registered = owner.post(f"{portal.url}{API}/account/passkeys",
                            json={"name": "Sleutel", "credential": authenticator.create(options)})
    assert registered.status_code == 201, registered.text

    login = portal.session()
    assert login.post(f"{portal.url}{API}/auth/login",
                      json={"username": username, "password": PASSWORD}).json()["second_factor"] == "passkey"
    options = login.post(f"{portal.url}{API}/auth/passkey/options").json()["publicKey"]
    answer = authenticator.get(options)
    cookie = login.cookies["portal_session"]

    def submit(_: int) -> int:
        http = portal.session()
        http.cookies.set("portal_session", cookie)
        return http.post(f"{portal.url}{API}/auth/passkey", json={"credential": answer}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(submit, range(20)))
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 401, 423}, statuses
