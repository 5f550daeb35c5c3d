"""The password step for real: `make run`'s stage, curl-like HTTP, parallel attackers, a browser."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.e2e.conftest import running_portal, screenshot

DEMO_PASSWORD = "Blauwe-Baai-Punda-2031"


def test_demo_account_passes_the_password_step(portal):
    http = portal.session()
    response = http.post(f"{portal.url}/api/v1/auth/login", json={"username": "demo.klant", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert response.json() == {"next": "totp"}
    assert "portal_session" in http.cookies


def test_fifty_parallel_wrong_passwords_never_get_more_than_five_evaluations(portal):
    portal.create_user("race.target", "Correct-Horse-Battery-9")

    def attempt(_: int) -> int:
        response = portal.session().post(f"{portal.url}/api/v1/auth/login",
                                         json={"username": "race.target", "password": "wrong-password!"})
        return response.status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(attempt, range(50)))
    # 401 means the password was evaluated; the rules allow five before the first lock.
    assert statuses.count(401) == 5, statuses
    assert statuses.count(423) == 45
    locked = portal.session().post(f"{portal.url}/api/v1/auth/login",
                                   json={"username": "race.target", "password": "Correct-Horse-Battery-9"})
    assert locked.status_code == 423
    assert locked.json()["error"]["code"] == "account_locked"
    assert 0 < locked.json()["error"]["retry_after"] <= 60


def test_browser_password_step_and_logout(portal, page):
    page.goto(f"{portal.url}/login")
    screenshot(page, "login-nl")
    assert page.get_by_role("heading", name="Inloggen").is_visible()
    page.get_by_label("Gebruikersnaam").fill("demo.klant")
    page.get_by_label("Wachtwoord").fill("wrong password here")
    page.get_by_role("button", name="Inloggen").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "onjuist" in alert.inner_text()
    screenshot(page, "login-error-nl")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/login/totp")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["portal_session"]["httpOnly"] is True
    assert cookies["portal_session"]["sameSite"] == "Strict"
    # The second step's page lets the user stop here: the partial session ends on the server too.
    screenshot(page, "login-totp-step-nl")
    page.get_by_role("button", name="Annuleren en uitloggen").click()
    page.wait_for_url("**/logged-out")
    old_cookie = portal.session()
    old_cookie.cookies.set("portal_session", cookies["portal_session"]["value"])
    refused = old_cookie.post(f"{portal.url}/api/v1/auth/totp", json={"code": "123456"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_authenticated"


def test_forty_parallel_wrong_passwords_from_one_address_get_thirty_evaluations():
    """PORTAL_IP_FAILURES_PER_MINUTE=30 (the default, set explicitly on a stage of its own): forty
    parallel wrong passwords for forty different names from one address get exactly thirty argon2
    evaluations (401); the others are refused before any (429 with Retry-After), and within the
    window the address gets no more."""
    stage = running_portal("portal-address-limit.log", environment={"PORTAL_IP_FAILURES_PER_MINUTE": "30"})
    portal = next(stage)
    try:
        def attempt(index: int) -> requests.Response:
            return portal.session().post(f"{portal.url}/api/v1/auth/login",
                                         json={"username": f"guess.{index:02d}", "password": "wrong-password!"})

        # Stay inside one minute's window: start right after a window begins.
        if time.time() % 60 > 40:
            time.sleep(61 - time.time() % 60)
        with ThreadPoolExecutor(max_workers=40) as pool:
            responses = list(pool.map(attempt, range(40)))
        statuses = [response.status_code for response in responses]
        assert statuses.count(401) == 30 and statuses.count(429) == 10, statuses
        refused = next(response for response in responses if response.status_code == 429)
        assert refused.json()["error"]["code"] == "too_many_requests"
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert attempt(99).status_code == 429
    finally:
        next(stage, None)
