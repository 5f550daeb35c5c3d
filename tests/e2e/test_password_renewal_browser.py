"""A stored password that is on the breached list by now, for real: `make run`'s stage and Chromium. The
login with it succeeds, both steps, and lands on "Kies een nieuw wachtwoord" instead of the portal;
a context word as the new one is refused at its field with the reason; a good one leads to the portal,
and the portal stays reachable afterwards."""

from __future__ import annotations

import boto3
from argon2 import PasswordHasher

from tests.e2e.conftest import fresh_code, screenshot

PASSWORD = "Correct-Horse-Battery-9"
LISTED = "Welkom2024!!!!"  # "welkom" with digits and symbols around: on the bundled list
NEW_PASSWORD = "Schildpadden-Bij-Playa-Kalki-3"
SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJR"


def _store_a_password_listed_since(portal, username: str) -> None:
    """What a list that grew looks like from the account: its stored hash is of a listed password."""
    dynamodb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{portal.moto_port}", region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    stored = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash(LISTED)
    dynamodb.update_item(TableName="portal-local-users", Key={"username": {"S": username}},
                         UpdateExpression="SET password_hash = :hash",
                         ExpressionAttributeValues={":hash": {"S": stored}})


def test_a_login_with_a_listed_password_must_choose_a_new_one_first(portal, page, check_accessibility):
    portal.create_user("e2e.renew", PASSWORD, "--totp-secret", SECRET)
    _store_a_password_listed_since(portal, "e2e.renew")

    page.goto(f"{portal.url}/login")
    page.get_by_label("Gebruikersnaam").fill("e2e.renew")
    page.get_by_label("Wachtwoord", exact=True).fill(LISTED)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/login/totp")
    page.get_by_label("6-cijferige code").fill(fresh_code("e2e.renew", SECRET))
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/account/new-password")
    page.get_by_role("heading", name="Kies een nieuw wachtwoord").wait_for()
    assert "uitgelekte of veelgebruikte wachtwoorden" in page.inner_text("main")
    check_accessibility(page)

    # Any other page leads back here until the new password is chosen.
    page.goto(f"{portal.url}/account/sessions")
    page.wait_for_url("**/account/new-password")

    page.get_by_label("Huidig wachtwoord").fill(LISTED)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill("Curaçao-2024!")
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill("Curaçao-2024!")
    page.get_by_role("button", name="Nieuw wachtwoord opslaan").click()
    page.locator("#new_password-error").get_by_text("Belastingdienst, Curaçao, Digitaal Portaal").wait_for()
    screenshot(page, "password-renewal-refused-nl")

    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Nieuw wachtwoord opslaan").click()
    page.wait_for_url("**/portal")
    page.goto(f"{portal.url}/account/sessions")
    page.wait_for_url("**/account/sessions")
