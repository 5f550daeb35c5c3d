"""Four eyes at the desk on the real local stage: parallel approvals of one pending 2FA reset reset
once, and the whole flow in Chromium (request on the account's page, "Wacht op goedkeuring", approval
by a colleague), with axe-core on the new page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import fresh_code, screenshot
from tests.e2e.test_support_desk_browser import password_step, second_step

PASSWORD = "Correct-Horse-Battery-9"
ADVISER_SECRET = "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LL"
STAFF: dict[str, str] = {}  # username -> TOTP secret of the staff accounts made so far
SECRETS = ("ONSWG4TFORZWKY3SMV2HE2LTOQYTEMZV", "ONSWG4TFORZWKY3SMV2HE2LTOQYTEMZW", "ONSWG4TFORZWKY3SMV2HE2LTOQYTEMZX")


def _staff(portal, username: str):
    http = portal.session()
    assert http.post(f"{portal.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}).ok
    response = http.post(f"{portal.url}/api/v1/auth/totp", json={"code": fresh_code(username, STAFF[username])})
    assert response.status_code == 200, response.text
    return http


def _make_staff(portal, prefix: str) -> list[str]:
    """Three support accounts of one test (the stage lives for the whole run)."""
    names = [f"{prefix}.{number}" for number in ("een", "twee", "drie")]
    for username, secret in zip(names, SECRETS, strict=True):
        portal.create_user(username, PASSWORD, "--role", "support", "--totp-secret", secret)
        STAFF[username] = secret
    return names


def test_parallel_approvals_of_one_request_reset_once(portal):
    names = _make_staff(portal, "ogen")
    portal.create_user("eyes.kantoor", PASSWORD, "--role", "representative", "--totp-secret", ADVISER_SECRET)
    requester, second, third = (_staff(portal, name) for name in names)
    admin = f"{portal.url}/api/v1/admin"
    requested = requester.post(f"{admin}/users/eyes.kantoor/reset-2fa", json={
        "reason": "telefoon kwijt", "identity_checks": ["id_document_in_person"]})
    assert requested.status_code == 202, requested.text
    approval = requested.json()["approval"]["id"]

    def approve(index: int) -> int:
        client = (second, third, requester)[index % 3]
        return client.post(f"{admin}/approvals/{approval}/approve", json={"reason": f"approver {index}"}).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(approve, range(12)))
    # The requester's four are refused whatever happens; of the others exactly one applies it.
    assert statuses.count(204) == 1 and statuses.count(403) == 4 and statuses.count(409) == 7, statuses
    account = second.get(f"{admin}/users/eyes.kantoor").json()
    assert account["mfa_enabled"] is False
    resets = [event for event in second.get(f"{admin}/audit?target=eyes.kantoor").json()["items"]
              if event["action"] == "support.reset_2fa"]
    assert len(resets) == 1 and resets[0]["details"]["requested_by"] == "ogen.een"
    assert resets[0]["actor"] in ("ogen.twee", "ogen.drie")
    assert resets[0]["details"]["approved_by"] == resets[0]["actor"]
    assert second.get(f"{admin}/approvals").json()["items"] == []


def test_the_desk_requests_a_representatives_reset_and_a_colleague_approves_it(portal, browser, page,
                                                                                check_accessibility):
    _make_staff(portal, "eyes")
    portal.create_user("eyes.adviseur", PASSWORD, "--role", "representative", "--totp-secret", ADVISER_SECRET)

    password_step(page, portal, "eyes.een", PASSWORD)
    second_step(page, "eyes.een", STAFF["eyes.een"])
    page.goto(f"{portal.url}/support/users/eyes.adviseur")
    assert "een tweede medewerker moet het wissen goedkeuren" in page.locator("#reset-four-eyes").inner_text()
    page.locator("#reset-check-callback_registered_phone").check()
    page.get_by_label("Toelichting op de controle", exact=False).nth(1).fill("nummer uit het dossier")
    page.get_by_label("Reden", exact=True).nth(1).fill("Telefoon gestolen, aangifte gedaan")
    page.get_by_label("Ik heb de identiteit van de eigenaar van dit account vastgesteld.").check()
    page.get_by_role("button", name="Tweestapsverificatie wissen").click()
    page.wait_for_url("**done=requested")
    assert "wacht op goedkeuring door een tweede medewerker" in page.locator("p.success").inner_text()
    assert "aangevraagd door eyes.een" in page.locator("p.pending-approval").inner_text()
    page.get_by_role("navigation").get_by_role("link", name="Wacht op goedkeuring").click()
    page.wait_for_url("**/support/approvals")
    assert "Dit is uw eigen verzoek" in page.locator("#approvals").inner_text()
    assert page.get_by_role("button", name="Goedkeuren en uitvoeren").count() == 0

    colleague_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    colleague = colleague_context.new_page()
    colleague.set_default_timeout(15_000)
    password_step(colleague, portal, "eyes.twee", PASSWORD)
    second_step(colleague, "eyes.twee", STAFF["eyes.twee"])
    colleague.goto(f"{portal.url}/support/approvals")
    item = colleague.locator("li.approval", has_text="eyes.adviseur")
    assert "eyes.een" in item.inner_text() and "Teruggebeld op het bij ons bekende telefoonnummer" in item.inner_text()
    check_accessibility(colleague)
    screenshot(colleague, "support-approvals-nl")
    item.get_by_role("button", name="Goedkeuren en uitvoeren").click()
    item.locator(".field-error").first.wait_for()  # no reason: refused next to the field
    item.get_by_label("Reden van uw besluit").first.fill("Dossier en terugbelnotitie gezien")
    item.get_by_role("button", name="Goedkeuren en uitvoeren").click()
    colleague.wait_for_url("**done=approved")
    assert "Er wacht niets op goedkeuring." in colleague.content()
    colleague.goto(f"{portal.url}/support/users/eyes.adviseur")
    assert "Niet actief" in colleague.get_by_role("definition").filter(has_text="Niet actief").inner_text()
    colleague_context.close()
