"""Logging in to a tax application through the portal, for real: the local stage as `make run` starts
it with Mijn Aangifte (the demo relying party) beside it on a free port, the demo client registered
for that port, and Chromium. Every demo account logs in on the portal's own pages (password, then a
TOTP code from oathtool; the first-login account activates 2FA on the way); the adviser chooses a
client and the application shows it; logging out at the application ends both sessions; logging out
at the portal, or a password change elsewhere, ends the application's session by back-channel. The
tokens are checked with jwcrypto against the served JWKS (neither the provider nor the application
uses it)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from jwcrypto import jwk, jwt

from infra.local import DEMO_ACCOUNTS
from tests.e2e.conftest import free_port, fresh_code, running_portal, screenshot, totp

ACCOUNTS = {account["username"]: account for account in DEMO_ACCOUNTS}
ACR_TOTP = "urn:digitaal-portaal:acr:password-totp"
LOGIN_BUTTON = "Inloggen via Digitaal Portaal"
# How long a back-channel logout may take: the stage's runner looks every 5 s; under load, longer.
BACKCHANNEL_SECONDS = 90


class Stage:
    def __init__(self, portal, rp_url: str) -> None:  # type: ignore[no-untyped-def]
        self.portal = portal
        self.rp = rp_url


@pytest.fixture(scope="module")
def stage():
    """A stage of this module's own (its demo accounts change: the first-login account activates 2FA)
    with Mijn Aangifte on a free port, started by infra.local as `make run` starts it."""
    rp_port = free_port()
    stages = running_portal("oidc-portal.log", environment={"DEMO_RP_PORT": str(rp_port)})
    portal = next(stages)
    rp_url = f"http://127.0.0.1:{rp_port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(rp_url, timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "Mijn Aangifte did not start (test-output/oidc-portal*.log)"
        time.sleep(0.3)
    yield Stage(portal, rp_url)
    next(stages, None)


# ---------------------------------------------------------------- the portal's pages


def portal_login(page, username: str) -> None:
    """On the portal's login page (where the application sent the browser): password, then TOTP."""
    account = ACCOUNTS.get(username)
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord", exact=True).fill(account["password"] if account else PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/login/totp")
    secret = account["totp_secret"] if account else SECRET
    page.get_by_label("6-cijferige code").fill(fresh_code(username, secret))
    page.get_by_role("button", name="Inloggen", exact=True).click()


def start_at_application(page, stage: Stage) -> None:
    page.goto(stage.rp)
    page.get_by_role("link", name=LOGIN_BUTTON).click()
    page.wait_for_url(f"{stage.portal.url}/**")


def arrived(page, stage: Stage) -> None:
    page.wait_for_url(f"{stage.rp}/")
    page.get_by_role("button", name="Uitloggen").wait_for()


def log_in_through_portal(page, stage: Stage, username: str) -> None:
    start_at_application(page, stage)
    page.wait_for_url("**/login")
    portal_login(page, username)
    arrived(page, stage)


def text_of(page, element_id: str) -> str:
    return page.locator(f"#{element_id}").inner_text().strip()


def wait_logged_out_of_application(page, stage: Stage) -> None:
    """Reload the application's page until it offers the login again (the back-channel logout arrived)."""
    deadline = time.monotonic() + BACKCHANNEL_SECONDS
    while True:
        page.goto(stage.rp)
        if page.get_by_role("link", name=LOGIN_BUTTON).count():
            return
        assert time.monotonic() < deadline, "the application's session outlived the portal session"
        page.wait_for_timeout(1000)


# ---------------------------------------------------------------- every persona logs in

# Each demo account of the local stage and the test that logs it in to the application: a demo account
# added to infra/local.py without a test here fails the check below.
PERSONA_TESTS = {"demo.klant": "test_a_persona_with_2fa_logs_in_to_the_application",
                 "demo.support": "test_a_persona_with_2fa_logs_in_to_the_application",
                 "demo.burger": "test_the_first_login_persona_activates_2fa_on_the_way",
                 "demo.adviseur": "test_the_adviser_chooses_a_client_and_the_application_shows_it"}


def test_every_demo_account_has_its_login_test():
    assert set(PERSONA_TESTS) == set(ACCOUNTS)
    assert all(name in globals() for name in PERSONA_TESTS.values())



@pytest.mark.parametrize("username", ["demo.klant", "demo.support"])
def test_a_persona_with_2fa_logs_in_to_the_application(stage, page, check_accessibility, username):
    page.goto(stage.rp)
    check_accessibility(page)
    log_in_through_portal(page, stage, username)
    assert page.get_by_role("heading", name="Wie is ingelogd").is_visible()
    assert re.fullmatch(r"[0-9a-f]{32}", text_of(page, "person-sub"))
    assert text_of(page, "assurance-acr") == ACR_TOTP
    assert set(text_of(page, "assurance-amr").split(", ")) == {"pwd", "otp", "mfa"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", text_of(page, "assurance-auth-time"))
    assert page.locator("#acting-for-self").is_visible()
    if username == "demo.klant":
        assert text_of(page, "person-crib") == ACCOUNTS["demo.klant"]["crib"]
    check_accessibility(page)
    screenshot(page, f"oidc-rp-{username}")


def test_the_first_login_persona_activates_2fa_on_the_way(stage, page):
    username = "demo.burger"
    start_at_application(page, stage)
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord", exact=True).fill(ACCOUNTS[username]["password"])
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/mfa/activate")
    page.get_by_role("button", name="Activeer uw 2-factor authenticatie").click()
    page.get_by_label("Wachtwoord").fill(ACCOUNTS[username]["password"])
    page.get_by_role("button", name="Configureer authenticatie").click()
    for _ in range(3):
        page.get_by_role("button", name="Volgende").click()
    page.get_by_role("button", name="Configureer via handmatige invoer").click()
    secret = page.locator("#manual-secret").inner_text().replace(" ", "")
    page.get_by_role("button", name="Bevestig de configuratie").click()
    page.get_by_label("6-cijferige code").fill(totp(secret))
    page.get_by_role("button", name="Print de lijst met back-up codes").click()
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Activeren en afdrukken").click()
    opened.value.close()
    page.get_by_text("De Two-Factor Authenticatie is nu geactiveerd.", exact=True).wait_for()
    page.get_by_role("link", name="Naar Mijn portaal").click()
    # The finished login goes on to the application's request.
    arrived(page, stage)
    assert text_of(page, "person-crib") == ACCOUNTS[username]["crib"]
    assert "otp" in text_of(page, "assurance-amr")


def test_the_adviser_chooses_a_client_and_the_application_shows_it(stage, page, check_accessibility):
    start_at_application(page, stage)
    portal_login(page, "demo.adviseur")
    page.wait_for_url("**/oidc/represent")
    page.get_by_role("heading", name="Voor wie logt u in?").wait_for()
    check_accessibility(page)
    screenshot(page, "oidc-represent-nl")
    client = page.locator("li", has=page.locator("[data-client-crib='100000002']"))
    assert "CRIB 100000002" in client.inner_text() and "IB" in client.inner_text()
    client.get_by_role("button").click()
    arrived(page, stage)
    assert page.get_by_role("heading", name="U handelt namens een klant").is_visible()
    assert text_of(page, "client-crib") == "100000002"
    assert re.fullmatch(r"[0-9a-f]{32}", text_of(page, "adviser-sub"))
    assert text_of(page, "client-sub") != text_of(page, "adviser-sub")
    rows = page.locator("#authorized tbody tr")
    assert rows.count() == 1  # the active authorization; the pending one is not passed on
    assert rows.first.inner_text().split("\t") == ["Inkomstenbelasting", "2026-01-01 – doorlopend"]
    check_accessibility(page)
    screenshot(page, "oidc-rp-representation-nl")


def test_the_adviser_may_log_in_for_themselves(stage, page):
    start_at_application(page, stage)
    portal_login(page, "demo.adviseur")
    page.wait_for_url("**/oidc/represent")  # loaded: the chooser's script is listening
    page.get_by_role("button", name="Voor mijzelf").click()
    arrived(page, stage)
    assert page.locator("#acting-for-self").is_visible()
    assert page.locator("#representation").count() == 0
    assert text_of(page, "person-crib") == ACCOUNTS["demo.adviseur"]["crib"]


# ---------------------------------------------------------------- logout, both ways


def portal_session_is_gone(page, stage: Stage) -> bool:
    page.goto(f"{stage.portal.url}/portal")
    return urlsplit(page.url).path == "/login"


def test_logout_at_the_application_ends_both_sessions(stage, page, check_accessibility):
    log_in_through_portal(page, stage, "demo.klant")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{stage.rp}/logged-out?state=*")  # back from the portal with the state it was sent
    assert "uitgelogd bij Mijn Aangifte en bij het Digitaal Portaal" in text_of(page, "logged-out-text")
    check_accessibility(page)
    assert portal_session_is_gone(page, stage)
    page.goto(stage.rp)
    assert page.get_by_role("link", name=LOGIN_BUTTON).is_visible()


def test_logout_at_the_portal_ends_the_application_session_by_back_channel(stage, page):
    log_in_through_portal(page, stage, "demo.klant")
    page.goto(f"{stage.portal.url}/portal")
    page.get_by_role("button", name="Uitloggen").first.click()
    page.wait_for_url("**/logged-out")
    wait_logged_out_of_application(page, stage)
    assert page.locator("#ended-notice").inner_text().startswith("Uw sessie bij Mijn Aangifte is beëindigd")


PASSWORD = "Correct-Horse-Battery-9"
SECRET = "ONSWG4TFOQYTEMZUGU3DOOBZHE2DCMRT"


def test_a_password_change_elsewhere_ends_the_application_session(stage, page):
    """The account's other sessions end with a password change; the application's login made with
    one of them ends with it."""
    username = "wachtwoord.wissel"
    stage.portal.create_user(username, PASSWORD, "--totp-secret", SECRET)
    log_in_through_portal(page, stage, username)

    elsewhere = stage.portal.session()
    assert elsewhere.post(f"{stage.portal.url}/api/v1/auth/login",
                          json={"username": username, "password": PASSWORD}).json()["next"] == "totp"
    assert elsewhere.post(f"{stage.portal.url}/api/v1/auth/totp",
                          json={"code": fresh_code(username, SECRET)}).status_code == 200
    changed = elsewhere.post(f"{stage.portal.url}/api/v1/account/password", json={
        "current_password": PASSWORD, "new_password": "Another-Long-Password-42", "code": fresh_code(username, SECRET)})
    assert changed.status_code == 204, changed.text
    wait_logged_out_of_application(page, stage)


def test_a_logout_request_without_an_id_token_is_confirmed_first(stage, page, check_accessibility):
    """Without an ID token naming the session the portal asks; the confirmed logout ends the portal
    session and, by back-channel, the application's."""
    log_in_through_portal(page, stage, "demo.klant")
    page.goto(f"{stage.portal.url}/oidc/logout")
    page.get_by_role("heading", name="Uitloggen?").wait_for()
    check_accessibility(page)
    screenshot(page, "oidc-logout-confirm-nl")
    page.locator("#oidc-logout-confirm").click()
    page.wait_for_url("**/logged-out*")
    assert portal_session_is_gone(page, stage)
    wait_logged_out_of_application(page, stage)


def test_an_authorization_request_of_an_unknown_client_gets_an_error_page(stage, page, check_accessibility):
    page.goto(f"{stage.portal.url}/oidc/authorize?" + urlencode({
        "response_type": "code", "client_id": "no-such-client", "redirect_uri": "https://elders.example/cb",
        "scope": "openid", "state": "s", "code_challenge": "x" * 43, "code_challenge_method": "S256"}))
    page.get_by_text("niet bekend bij het portaal").wait_for()
    assert urlsplit(page.url).netloc == urlsplit(stage.portal.url).netloc  # never sent to the unregistered URI
    check_accessibility(page)


# ---------------------------------------------------------------- the desk's page


def test_the_desk_registers_and_disables_a_client(stage, browser, check_accessibility):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    desk = context.new_page()
    desk.set_default_timeout(15_000)
    desk.goto(f"{stage.portal.url}/login")
    portal_login(desk, "demo.support")
    desk.wait_for_url("**/portal")
    desk.goto(f"{stage.portal.url}/support/clients")
    assert desk.locator("#client-list").inner_text().count("mijn-aangifte-demo") == 1
    check_accessibility(desk)

    desk.get_by_label("Naam van de applicatie").fill("Loonaangifte Online")
    desk.get_by_label("Redirect-URI's").fill("http://aangifte.example/callback")  # plain http: refused
    desk.get_by_label("Reden", exact=True).fill("aansluiting aangevraagd")
    desk.get_by_role("button", name="Applicatie registreren").click()
    error = desk.locator("#client-redirect-uris-error")
    error.wait_for()
    assert "geldig redirect-adres" in error.inner_text()
    check_accessibility(desk)
    desk.get_by_label("Redirect-URI's").fill("https://loon.example/callback\nhttps://loon.example/callback2")
    desk.get_by_role("button", name="Applicatie registreren").click()
    desk.get_by_role("heading", name="De applicatie is geregistreerd").wait_for()
    client_id = text_of(desk, "registered-client-id")
    assert re.fullmatch(r"client-[a-z0-9-]{16}", client_id)
    assert len(text_of(desk, "registered-client-secret")) >= 40
    check_accessibility(desk)
    screenshot(desk, "support-clients-registered-nl")

    desk.reload()
    row = desk.locator(f"tr[data-client-id='{client_id}']")
    assert "https://loon.example/callback2" in row.inner_text() and "Actief" in row.inner_text()
    row.get_by_label("Reden voor het uitschakelen van Loonaangifte Online").fill("proef afgerond")
    row.get_by_role("button", name="Uitschakelen").click()
    desk.get_by_text("De applicatie is uitgeschakeld.").wait_for()
    assert "Uitgeschakeld" in desk.locator(f"tr[data-client-id='{client_id}']").inner_text()
    # The provider no longer knows it.
    refused = requests.get(f"{stage.portal.url}/oidc/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": "https://loon.example/callback",
        "scope": "openid", "state": "s", "code_challenge": "x" * 43, "code_challenge_method": "S256"}),
        allow_redirects=False, timeout=10)
    assert refused.status_code == 400 and "niet bekend bij het portaal" in refused.text
    context.close()


# ---------------------------------------------------------------- tokens, checked independently


class _LogoutTokens(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        type(self).received.extend(form.get("logout_token", []))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


def _verified(token: str, keys: jwk.JWKSet, algs: list[str], **expected: object) -> tuple[dict, dict]:
    parsed = jwt.JWT(jwt=token, key=keys, algs=algs, check_claims={"exp": None, **expected})
    return json.loads(parsed.header), json.loads(parsed.claims)


def test_tokens_validate_with_an_independent_jose_library(stage):
    portal = stage.portal
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _LogoutTokens)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    registered = portal.manage("register-client", "--name", "JOSE check", "--redirect-uri", redirect_uri,
                               "--backchannel-logout-uri", f"http://127.0.0.1:{receiver.server_port}/bc",
                               "--scope", "openid", "--scope", "email")
    assert registered.returncode == 0, registered.stderr
    client_id = re.search(r"client_id: (\S+)", registered.stdout).group(1)
    client_secret = re.search(r"client_secret: (\S+)", registered.stdout).group(1)

    username = "jose.controle"
    portal.create_user(username, PASSWORD, "--totp-secret", SECRET)
    http = portal.session()
    assert http.post(f"{portal.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}).ok
    assert http.post(f"{portal.url}/api/v1/auth/totp", json={"code": fresh_code(username, SECRET)}).ok
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    nonce = secrets.token_urlsafe(16)
    location = f"{portal.url}/oidc/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": "openid email",
        "state": "st", "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"})
    for _ in range(5):  # the authorization request, its continuation, back to the client
        answer = http.get(location, allow_redirects=False, timeout=10)
        location = answer.headers.get("Location") or f"{portal.url}/oidc/authorize/continue"
        if location.startswith(redirect_uri):
            break
    returned = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    assert returned["state"] == "st" and "code" in returned, location
    tokens = requests.post(f"{portal.url}/oidc/token", auth=(client_id, client_secret), timeout=10, data={
        "grant_type": "authorization_code", "code": returned["code"], "redirect_uri": redirect_uri,
        "code_verifier": verifier}).json()

    discovery = requests.get(f"{portal.url}/.well-known/openid-configuration", timeout=10).json()
    keys = jwk.JWKSet.from_json(requests.get(discovery["jwks_uri"], timeout=10).text)
    assert all("d" not in json.loads(key.export_public()) for key in keys)
    issuer, algs = discovery["issuer"], discovery["id_token_signing_alg_values_supported"]
    assert "none" not in algs
    header, claims = _verified(tokens["id_token"], keys, algs, iss=issuer, aud=client_id, nonce=nonce)
    assert header["alg"] in algs and header["kid"] in {key.get("kid") for key in keys}
    assert claims["email"] == f"{username}@example.org" and claims["acr"] == ACR_TOTP and claims["sid"]
    header, access = _verified(tokens["access_token"], keys, algs, iss=issuer)
    assert header["typ"].lower() in ("at+jwt", "application/at+jwt") and client_id in access["aud"]
    impostor = jwk.JWKSet()
    impostor.add(jwk.JWK.generate(kty="RSA", size=2048, kid=header["kid"]))
    impostor.add(jwk.JWK.generate(kty="EC", crv="P-256", kid=header["kid"]))
    with pytest.raises(Exception, match="(?i)verif|signature|key"):
        _verified(tokens["id_token"], impostor, algs, iss=issuer)

    # The portal session ends: the logout token reaches the client's back-channel URI.
    assert http.post(f"{portal.url}/api/v1/auth/logout", json={}).status_code == 204
    deadline = time.monotonic() + BACKCHANNEL_SECONDS
    while not _LogoutTokens.received:
        assert time.monotonic() < deadline, "no logout token arrived"
        time.sleep(0.5)
    receiver.shutdown()
    header, logout = _verified(_LogoutTokens.received[0], keys, algs, iss=issuer, aud=client_id)
    assert header["typ"] == "logout+jwt" and "nonce" not in logout
    assert logout["sid"] == claims["sid"] and logout["sub"] == claims["sub"]
    assert "http://schemas.openid.net/event/backchannel-logout" in logout["events"]
