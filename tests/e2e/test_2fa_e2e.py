"""Two-factor authentication for real: `make run`'s stage, plain HTTP clients, oathtool, zbarimg and
pdftotext as independent readers, and parallel requests that try to use one code or link twice."""

from __future__ import annotations

import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import requests

from tests.backup_sheet import codes_in
from tests.e2e.conftest import OUTPUT, totp

PASSWORD = "Correct-Horse-Battery-9"
SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
PARALLEL = 20


def password_step(portal, username: str) -> requests.Session:
    http = portal.session()
    response = http.post(f"{portal.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return http


def enroll(portal, username: str) -> tuple[requests.Session, dict, str]:
    """A new account walked through enrollment over HTTP: (full session, enrollment answer, PDF link)."""
    portal.create_user(username, PASSWORD)
    http = password_step(portal, username)
    started = http.post(f"{portal.url}/api/v1/mfa/enrollment", json={"password": PASSWORD})
    assert started.status_code == 200, started.text
    enrollment = started.json()
    confirmed = http.post(f"{portal.url}/api/v1/mfa/enrollment/confirm", json={"code": totp(enrollment["secret"])})
    assert confirmed.json() == {"confirmed": True}
    activated = http.post(f"{portal.url}/api/v1/mfa/enrollment/activate", json={})
    assert activated.status_code == 200, activated.text
    return http, enrollment, activated.json()["backup_codes_pdf"]


def decode_qr(browser, svg: str, name: str) -> str:
    """What a phone's camera reads: the SVG drawn by Chromium, photographed, decoded by zbarimg."""
    page = browser.new_page()
    try:
        page.set_content(f"<body style='margin:0;background:#fff'><div style='width:300px'>{svg}</div></body>")
        path = OUTPUT / f"{name}.png"
        page.locator("svg").screenshot(path=str(path))
    finally:
        page.close()
    result = subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", str(path)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def in_parallel(calls) -> list[int]:
    """Run the calls at the same moment (a barrier releases them together); their status codes."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call().status_code

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_enrollment_qr_code_pdf_and_every_code_over_http(portal, browser):
    http, enrollment, link = enroll(portal, "e2e.enrolled")

    assert decode_qr(browser, enrollment["qr_svg"], "qr-e2e") == enrollment["otpauth_uri"]
    assert parse_qs(urlsplit(enrollment["otpauth_uri"]).query)["secret"] == [enrollment["secret"]]

    sheet = http.get(link, timeout=10)
    assert sheet.status_code == 200 and sheet.headers["Content-Type"] == "application/pdf"
    codes = codes_in(sheet.content)
    assert len(codes) == 10 == len(set(codes))
    assert http.post(f"{portal.url}/api/v1/mfa/backup-codes/pdf", json={}).status_code == 410

    # The seed's "next time": password, then the 6-digit code (the next one: this step confirmed).
    assert http.post(f"{portal.url}/api/v1/auth/logout", json={}).status_code == 204
    again = password_step(portal, "e2e.enrolled")
    code = totp(enrollment["secret"], 30)
    assert again.post(f"{portal.url}/api/v1/auth/totp", json={"code": code}).json() == {"next": "done"}
    mfa = again.get(f"{portal.url}/api/v1/me").json()["mfa"]
    assert mfa == {"enabled": True, "backup_codes_left": 10, "passkeys": 0}

    previous = None
    for used, backup_code in enumerate(codes, start=1):
        session = password_step(portal, "e2e.enrolled")
        if previous:
            assert session.post(f"{portal.url}/api/v1/auth/backup-code", json={"code": previous}).status_code == 401
        answer = session.post(f"{portal.url}/api/v1/auth/backup-code", json={"code": backup_code})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"next": "done", "backup_codes_left": 10 - used}
        previous = backup_code


def test_twenty_parallel_submissions_of_one_totp_code_succeed_once(portal):
    portal.create_user("e2e.totp.race", PASSWORD, "--totp-secret", SECRET)
    sessions = [password_step(portal, "e2e.totp.race") for _ in range(PARALLEL)]
    code = totp(SECRET)
    statuses = in_parallel([
        lambda http=http: http.post(f"{portal.url}/api/v1/auth/totp", json={"code": code}) for http in sessions])
    assert statuses.count(200) == 1, statuses
    # The others were refused as a replay (401) or found the name's counter at its limit (423).
    assert set(statuses) <= {200, 401, 423}, statuses


def test_twenty_parallel_submissions_of_one_backup_code_succeed_once(portal):
    http, _, link = enroll(portal, "e2e.backup.race")
    backup_code = codes_in(http.get(link, timeout=10).content)[0]
    sessions = [password_step(portal, "e2e.backup.race") for _ in range(PARALLEL)]
    statuses = in_parallel([
        lambda http=http: http.post(f"{portal.url}/api/v1/auth/backup-code", json={"code": backup_code})
        for http in sessions])
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 401, 423}, statuses
    winner = sessions[statuses.index(200)]
    assert winner.get(f"{portal.url}/api/v1/me").json()["mfa"]["backup_codes_left"] == 9


def test_twenty_parallel_requests_for_the_pdf_link_hand_it_out_once(portal):
    import boto3

    http, _, _ = enroll(portal, "e2e.pdf.race")
    # The activation's answer (with the link) never reached the browser: the set exists, its link has
    # not been handed out. The page then asks for the link; twenty tabs ask at once.
    dynamodb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{portal.moto_port}", region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    dynamodb.update_item(TableName="portal-local-users", Key={"username": {"S": "e2e.pdf.race"}},
                         UpdateExpression="SET backup_pdf_handed_out = :no",
                         ExpressionAttributeValues={":no": {"BOOL": False}})
    answers: list[requests.Response] = []

    def ask() -> requests.Response:
        response = http.post(f"{portal.url}/api/v1/mfa/backup-codes/pdf", json={})
        answers.append(response)
        return response

    statuses = in_parallel([ask] * PARALLEL)
    assert statuses.count(200) == 1 and statuses.count(410) == PARALLEL - 1, statuses
    link = next(answer for answer in answers if answer.status_code == 200).json()["backup_codes_pdf"]
    assert http.get(link, timeout=10).headers["Content-Type"] == "application/pdf"


def test_wrong_codes_lock_the_second_factor(portal):
    portal.create_user("e2e.totp.guess", PASSWORD, "--totp-secret", SECRET)
    http = password_step(portal, "e2e.totp.guess")
    right = totp(SECRET)
    wrong = "000000" if right != "000000" else "111111"
    statuses = [http.post(f"{portal.url}/api/v1/auth/totp", json={"code": wrong}).status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = http.post(f"{portal.url}/api/v1/auth/totp", json={"code": right})
    assert locked.status_code == 423 and 0 < locked.json()["error"]["retry_after"] <= 60


def test_sessions_racing_to_activate_an_enrollment_only_the_starting_one_wins(portal):
    portal.create_user("e2e.enroll.race", PASSWORD)
    owner, *others = [password_step(portal, "e2e.enroll.race") for _ in range(PARALLEL // 2)]
    started = owner.post(f"{portal.url}/api/v1/mfa/enrollment", json={"password": PASSWORD}).json()
    assert owner.post(f"{portal.url}/api/v1/mfa/enrollment/confirm",
                      json={"code": totp(started["secret"])}).status_code == 200
    calls = [lambda http=http: http.post(f"{portal.url}/api/v1/mfa/enrollment/activate", json={})
             for http in [owner] * (PARALLEL // 2) + others]
    statuses = in_parallel(calls)
    owners, strangers = statuses[:PARALLEL // 2], statuses[PARALLEL // 2:]
    assert owners.count(200) == 1 and set(owners) <= {200, 401, 409}, owners
    # Every other session of the account is refused, before or after the owner's activation.
    assert set(strangers) <= {403, 409} and 200 not in strangers, strangers
