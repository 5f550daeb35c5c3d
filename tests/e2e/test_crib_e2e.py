"""One account per CRIB against the running local stage: staff creating accounts on one CRIB at the
same moment get exactly one account, and the operations command refuses a taken CRIB."""

from __future__ import annotations

import threading

import requests

from tests.e2e.conftest import totp

PASSWORD = "Correct-Horse-Battery-9"
SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
PARALLEL = 10
CRIB = "555000111"


def staff_session(portal, username: str) -> requests.Session:
    portal.create_user(username, PASSWORD, "--role", "support", "--totp-secret", SECRET)
    http = portal.session()
    assert http.post(f"{portal.url}/api/v1/auth/login",
                     json={"username": username, "password": PASSWORD}).json() == {"next": "totp"}
    assert http.post(f"{portal.url}/api/v1/auth/totp", json={"code": totp(SECRET)}).json() == {"next": "done"}
    return http


def test_staff_creating_accounts_on_one_crib_at_once_get_exactly_one(portal):
    desks = [staff_session(portal, f"e2e.desk.{number}") for number in range(PARALLEL)]
    start = threading.Barrier(PARALLEL)
    answers: list[requests.Response | None] = [None] * PARALLEL

    def create(number: int) -> None:
        start.wait()
        answers[number] = desks[number].post(f"{portal.url}/api/v1/admin/users", json={
            "username": f"e2e.crib.{number}", "email": f"e2e.crib.{number}@example.org", "roles": ["taxpayer"],
            "crib": CRIB, "reason": "registered at the counter"}, timeout=30)

    threads = [threading.Thread(target=create, args=(number,)) for number in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == PARALLEL - 1, statuses
    refusals = [answer.json()["error"] for answer in answers if answer.status_code == 409]
    assert {(error["code"], error["field"]) for error in refusals} == {("crib_taken", "crib")}
    found = desks[0].get(f"{portal.url}/api/v1/admin/users", params={"q": CRIB}).json()["items"]
    winner = answers[statuses.index(201)].json()["username"]
    assert [account["username"] for account in found] == [winner]


def test_the_operations_command_refuses_a_taken_crib(portal):
    portal.create_user("ops.crib.first", PASSWORD, "--crib", "555000222")
    second = portal.manage("create-user", "--username", "ops.crib.second", "--email", "second@example.org",
                           "--password", PASSWORD, "--crib", "555000222")
    assert second.returncode == 1
    assert "This CRIB number already belongs to another account" in second.stderr
    response = portal.session().post(f"{portal.url}/api/v1/auth/login",
                                     json={"username": "ops.crib.second", "password": PASSWORD})
    assert response.status_code == 401
