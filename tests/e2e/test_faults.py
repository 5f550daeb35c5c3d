"""The flows through the fault-injecting proxy (tests/faults/proxy.py): the portal's process talks to
moto through it, while every check here reads moto directly.

The default suite runs each flow at 5 % for a few rounds; `make test-faults` (marker `faults`) runs
0 %, 5 % and 20 % with more rounds. After each round: no 500 (only the contract's statuses, 503
allowed), and the stored state is whole.

The lockout rule under faults: every wrong password answered 401 is counted (no free guesses), and
the counter runs ahead of the 401s only by attempts that answered 503 or whose DynamoDB answer was
lost in transit (a claim that cannot be settled counts against the name, never for the guesser).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import boto3
import pyotp
import pytest
import requests

from tests.backup_sheet import codes_in
from tests.e2e.conftest import ROOT, free_port, running_portal
from tests.faults.proxy import ALL_KINDS, FaultProxy

# How the desk identified the owner: every unblock and 2FA reset states at least one check.
CHECKED = {"identity_checks": ["id_document_in_person"]}

PASSWORD = "Correct-Horse-Battery-9"
WRONG = "wrong-password-here!"
# What a client may ever see from these flows (503 is temporary trouble; never a 500).
CONTRACT = {200, 201, 202, 204, 400, 401, 403, 409, 410, 423, 503}
QUICK_ROUNDS = 2
FULL_ROUNDS = 6
RATES = [
    pytest.param(0.05, QUICK_ROUNDS, id="5%-quick"),
    pytest.param(0.0, FULL_ROUNDS, id="0%", marks=pytest.mark.faults),
    pytest.param(0.05, FULL_ROUNDS, id="5%", marks=pytest.mark.faults),
    pytest.param(0.20, FULL_ROUNDS, id="20%", marks=pytest.mark.faults),
]


class FaultStage:
    def __init__(self, portal, proxy: FaultProxy) -> None:
        self.portal = portal
        self.proxy = proxy
        self.url = portal.url
        self.dynamodb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{portal.moto_port}",
                                     region_name="us-east-1", aws_access_key_id="testing",
                                     aws_secret_access_key="testing")  # noqa: S106 - moto's fixed credentials
        self.statuses: list[int] = []
        self.injected_before = 0  # faults injected under plans already replaced

    def faults(self, rate: float, seed: int) -> None:
        self.injected_before += self.injected_now()
        self.proxy.plan.configure(rate=rate, seed=seed, kinds=ALL_KINDS)

    def injected_now(self) -> int:
        """Faults injected under the current plan (the per-service totals)."""
        counts = self.proxy.plan.report()["injected"]
        return sum(count for name, count in counts.items() if name.count(".") == 1)

    def check_round_trip(self, rate: float) -> None:
        """The end of a test: no 500 ever, and the proxy really did its job at a non-zero rate."""
        assert 500 not in self.statuses
        assert rate == 0 or self.injected_before + self.injected_now() > 0

    def injected(self, name: str) -> int:
        return self.proxy.plan.report()["injected"].get(name, 0)

    def create_users(self, *users: tuple[str, ...]) -> None:
        """(username, TOTP secret or None, more create-user arguments...) accounts in one process (one
        interpreter start, not one each)."""
        argv = [["create-user", "--username", name, "--email", f"{name}@example.org", "--password", PASSWORD,
                 *(["--totp-secret", secret] if secret else []), *extra] for name, secret, *extra in users]
        script = ("import json, sys\nfrom chalicelib import manage\n"
                  "sys.exit(max(manage.main(args) for args in json.loads(sys.argv[1])))")
        env = {"PATH": "/usr/bin:/bin", "MOTO_PORT": str(self.portal.moto_port)}
        result = subprocess.run([sys.executable, "-c", script, json.dumps(argv)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr

    def post(self, http: requests.Session, path: str, body: dict | None = None, tries: int = 6) -> requests.Response:
        """POST like a person pressing the button again after "try again in a moment" (503 only)."""
        for _ in range(tries):
            response = http.post(f"{self.url}/api/v1{path}", json=body or {}, timeout=30)
            self.statuses.append(response.status_code)
            assert response.status_code in CONTRACT, (path, response.status_code, response.text)
            if response.status_code != 503:
                return response
            error = response.json()["error"]
            assert error["code"] == "service_unavailable" and int(response.headers["Retry-After"]) > 0
            time.sleep(0.2)
        return response

    def item(self, table: str, key: str, value: str) -> dict:
        found = self.dynamodb.get_item(TableName=f"portal-local-{table}", Key={key: {"S": value}}, ConsistentRead=True)
        return found.get("Item", {})

    def number(self, table: str, key: str, value: str, attribute: str) -> int:
        return int(self.item(table, key, value).get(attribute, {"N": "0"})["N"])

    def backup_codes(self, username: str) -> list[dict]:
        return self.dynamodb.query(TableName="portal-local-backup_codes", KeyConditionExpression="username = :u",
                                   ExpressionAttributeValues={":u": {"S": username}}, ConsistentRead=True)["Items"]

    def full_sessions(self, username: str) -> int:
        """Full sessions that still count: those of the account's current session epoch (a transition
        that ends every session bumps the epoch and leaves the items to expire)."""
        items = self.dynamodb.scan(TableName="portal-local-sessions", FilterExpression="username = :u AND #l = :f",
                                   ExpressionAttributeNames={"#l": "level"},
                                   ExpressionAttributeValues={":u": {"S": username}, ":f": {"S": "full"}})["Items"]
        epoch = self.item("users", "username", username).get("session_epoch", {}).get("N", "0")
        return sum(1 for item in items if item.get("epoch", {}).get("N", "0") == epoch)

    def desk(self) -> requests.Session:
        """The support desk's full session, made once (a TOTP code logs in only once per time step)."""
        if getattr(self, "_desk", None) is None:
            desk = self.portal.session()
            assert self.post(desk, "/auth/login", {"username": "demo.support",
                             "password": "Helpdesk-Otrobanda-4455"}).status_code == 200
            code = _code_of("KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
            assert self.post(desk, "/auth/totp", {"code": code}).status_code == 200
            self._desk = desk
        return self._desk

    def events(self, name: str, action: str) -> list[dict]:
        return self.dynamodb.query(
            TableName="portal-local-audit_events", IndexName="target-index", KeyConditionExpression="target = :t",
            FilterExpression="#a = :a", ExpressionAttributeNames={"#a": "action"},
            ExpressionAttributeValues={":t": {"S": name}, ":a": {"S": action}})["Items"]

    def login(self, username: str, password: str = PASSWORD) -> tuple[requests.Session, requests.Response]:
        http = self.portal.session()
        return http, self.post(http, "/auth/login", {"username": username, "password": password})

    def pdf(self, http: requests.Session, url: str) -> bytes:
        """The backup-code sheet: the portal's one-time link opened with the owner's session (a 503 left it
        unused: the link is taken in one transaction), then the S3 link it redirects to fetched from moto
        itself (the link names the proxy the app talks to)."""
        for _ in range(10):
            opened = http.get(url, allow_redirects=False, timeout=30)
            if opened.status_code != 503:
                break
        assert opened.status_code == 302, opened.text
        parts = urlsplit(opened.headers["Location"])
        direct = urlunsplit(parts._replace(netloc=f"127.0.0.1:{self.portal.moto_port}"))
        response = requests.get(direct, timeout=10)
        assert response.status_code == 200
        return response.content


@pytest.fixture(scope="module")
def stage():
    moto_port = free_port()
    proxy = FaultProxy(upstream_port=moto_port).start()
    try:
        # The outbox's retry runs every second here (every minute on AWS), through the proxy too.
        for portal in running_portal("faults.log", app_aws_endpoint=proxy.url, moto_port=moto_port,
                                     environment={"PORTAL_OUTBOX_INTERVAL_SECONDS": "1"}):
            yield FaultStage(portal, proxy)
    finally:
        proxy.stop()


def test_temporary_trouble_is_a_503_in_the_callers_language(stage):
    stage.create_users(("fault.lang", None))
    stage.proxy.plan.configure(rate=1.0, seed=1, kinds=["throttling"])
    try:
        messages = {}
        for lang in ("nl", "en", "pap"):
            response = stage.portal.session().post(f"{stage.url}/api/v1/auth/login?lang={lang}",
                                                   json={"username": "fault.lang", "password": PASSWORD}, timeout=30)
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "2"
            error = response.json()["error"]
            assert error["code"] == "service_unavailable" and error["retry_after"] == 2
            assert "Traceback" not in response.text
            messages[lang] = error["message"]
    finally:
        stage.faults(0.0, seed=0)
    assert "Probeer het over een moment opnieuw" in messages["nl"]
    assert "try again in a moment" in messages["en"]
    assert "Purba atrobe den un momento" in messages["pap"]


@pytest.mark.parametrize(("rate", "rounds"), RATES)
def test_wrong_passwords_are_always_counted_and_a_lock_never_sticks(stage, rate, rounds):
    name = f"fault.pw{int(rate * 100)}r{rounds}"
    stage.create_users((name, None))
    for round_number in range(rounds):
        stage.dynamodb.delete_item(TableName="portal-local-lockouts", Key={"key": {"S": f"password#{name}"}})
        stage.faults(rate, seed=round_number)
        sequential = [stage.login(name, WRONG)[1].status_code for _ in range(3)]
        lost = stage.injected("dynamodb.UpdateItem.lost")
        failures = stage.number("lockouts", "key", f"password#{name}", "failures")
        assert set(sequential) <= {401, 503}, sequential
        assert sequential.count(401) <= failures <= 3 + lost, (sequential, failures, lost)
        assert failures <= sequential.count(401) + sequential.count(503) + lost

        # Parallel guesses: never more evaluations than the ladder allows, faults or not.
        with ThreadPoolExecutor(max_workers=6) as pool:
            burst = list(pool.map(lambda _: stage.portal.session().post(
                f"{stage.url}/api/v1/auth/login", json={"username": name, "password": WRONG},
                timeout=30).status_code, range(6)))
        assert set(burst) <= {401, 423, 503}, burst
        state = stage.item("lockouts", "key", f"password#{name}")
        failures, allowed = int(state["failures"]["N"]), int(state["allowed"]["N"])
        locked_until = int(state.get("locked_until", {"N": "0"})["N"])
        assert failures <= 5 and sequential.count(401) + burst.count(401) <= failures
        if failures == 5 and locked_until <= time.time():
            # The fifth evaluation could not be settled: only when its request met trouble (the name
            # is then locked by the next claim after the evaluation's deadline, tests/unit).
            assert 503 in sequential + burst or stage.injected("dynamodb.UpdateItem.lost"), (state, burst)
        if locked_until > time.time():
            assert allowed == 10

        # The right password, once the name may try: a 200 resets the counter in the same transaction.
        stage.dynamodb.delete_item(TableName="portal-local-lockouts", Key={"key": {"S": f"password#{name}"}})
        _, right = stage.login(name)
        assert right.status_code in (200, 503)
        if right.status_code == 200:
            assert stage.number("lockouts", "key", f"password#{name}", "failures") == 0
    stage.check_round_trip(rate)


def test_a_login_step_whose_answer_was_lost_is_still_one_login(stage):
    """DynamoDB applies the step's transaction but its answer never arrives; botocore sends it again and
    that attempt fails its conditions (the change is there). The client gets its one login, not a
    500 (password step) or an invalid_code with a replay notice for its own code (second factor)."""
    secret = pyotp.random_base32(32)
    stage.create_users(("fault.lost", secret))
    stage.proxy.plan.configure(rate=1.0, seed=3, kinds=["lost"], services=["dynamodb"],
                               operations=["TransactWriteItems"], limit=1)
    http, password = stage.login("fault.lost")
    assert password.status_code == 200 and password.json() == {"next": "totp"}
    assert stage.injected_now() == 1
    stage.proxy.plan.configure(rate=1.0, seed=3, kinds=["lost"], services=["dynamodb"],
                               operations=["TransactWriteItems"], limit=1)
    step = stage.post(http, "/auth/totp", {"code": _code_of(secret)})
    assert stage.injected_now() == 1
    stage.faults(0.0, seed=0)
    assert step.status_code == 200, step.text
    assert stage.full_sessions("fault.lost") == 1
    assert http.get(f"{stage.url}/api/v1/me", timeout=30).status_code == 200
    assert stage.number("lockouts", "key", "second_factor#fault.lost", "failures") == 0


def _lose_one_transaction_answer(stage: FaultStage) -> None:
    stage.proxy.plan.configure(rate=1.0, seed=5, kinds=["lost"], services=["dynamodb"],
                               operations=["TransactWriteItems"], limit=1)


def test_activation_and_password_change_whose_answers_were_lost_still_succeed(stage):
    """The same for the transactions of 2FA activation and a password change: the change happened, so
    the answer says so (not 409 not_confirmed / conflict for a change that is in place)."""
    stage.create_users(("fault.lost2", None))
    http, _ = stage.login("fault.lost2")
    secret = stage.post(http, "/mfa/enrollment", {"password": PASSWORD}).json()["secret"]
    assert stage.post(http, "/mfa/enrollment/confirm", {"code": _code_of(secret)}).status_code == 200
    _lose_one_transaction_answer(stage)
    activated = stage.post(http, "/mfa/enrollment/activate")
    assert stage.injected_now() == 1
    assert activated.status_code == 200, activated.text
    codes = codes_in(stage.pdf(http, activated.json()["backup_codes_pdf"]))
    assert _user_is_whole(stage, "fault.lost2")["mfa_enabled"]["BOOL"] is True

    _lose_one_transaction_answer(stage)
    changed = stage.post(http, "/account/password", {"current_password": PASSWORD,
                                                     "new_password": "Another-Horse-Battery-8", "code": codes[0]})
    assert stage.injected_now() == 1
    stage.faults(0.0, seed=0)
    assert changed.status_code == 204, changed.text
    assert http.get(f"{stage.url}/api/v1/me", timeout=30).status_code == 200
    assert stage.login("fault.lost2", "Another-Horse-Battery-8")[1].status_code == 200


def test_a_pdf_hand_out_whose_answer_was_lost_still_gives_the_link(stage):
    """A set whose link was not taken with its answer (sets made before activation recorded the
    hand-out itself) is handed out by one conditional update; lost and sent again, it must still give
    this request the link, or the set's sheet could never be downloaded (410 afterwards)."""
    stage.create_users(("fault.lost3", None))
    http, _ = stage.login("fault.lost3")
    secret = stage.post(http, "/mfa/enrollment", {"password": PASSWORD}).json()["secret"]
    assert stage.post(http, "/mfa/enrollment/confirm", {"code": _code_of(secret)}).status_code == 200
    assert stage.post(http, "/mfa/enrollment/activate").status_code == 200
    stage.dynamodb.update_item(TableName="portal-local-users", Key={"username": {"S": "fault.lost3"}},
                               UpdateExpression="SET backup_pdf_handed_out = :no",
                               ExpressionAttributeValues={":no": {"BOOL": False}})
    stage.proxy.plan.configure(rate=1.0, seed=6, kinds=["lost"], services=["dynamodb"], operations=["UpdateItem"],
                               limit=1)
    handed_out = stage.post(http, "/mfa/backup-codes/pdf")
    assert stage.injected_now() == 1
    stage.faults(0.0, seed=0)
    assert handed_out.status_code == 200, handed_out.text
    assert len(codes_in(stage.pdf(http, handed_out.json()["backup_codes_pdf"]))) == 10
    assert stage.post(http, "/mfa/backup-codes/pdf").status_code == 410  # and only once


def _code_of(secret: str) -> str:
    """A code for the current step with some seconds left, so retries stay within its window."""
    totp = pyotp.TOTP(secret)
    if 30 - time.time() % 30 < 5:
        time.sleep(30 - time.time() % 30 + 0.1)
    return totp.now()


@pytest.mark.parametrize(("rate", "rounds"), RATES)
def test_a_totp_code_logs_in_at_most_once_even_when_answers_are_lost(stage, rate, rounds):
    users = [(f"fault.totp{int(rate * 100)}r{rounds}n{n}", pyotp.random_base32(32)) for n in range(rounds)]
    stage.create_users(*users)
    for round_number, (name, secret) in enumerate(users):
        stage.faults(rate, seed=100 + round_number)
        http, password = stage.login(name)
        if password.status_code != 200:
            continue  # trouble on every try: nothing to step up
        code = _code_of(secret)
        # The same code three times at once from the same partial session, each retried after a 503.
        with ThreadPoolExecutor(max_workers=3) as pool:
            answers = list(pool.map(lambda _: stage.post(http, "/auth/totp", {"code": code}).status_code, range(3)))
        stage.faults(0.0, seed=0)
        full = stage.full_sessions(name)
        assert answers.count(200) <= 1 and full <= 1, (answers, full)
        # A session made is a session handed out, unless the answer itself was trouble.
        assert full == answers.count(200) or 503 in answers, (answers, full)
        if full:
            step = stage.number("users", "username", name, "totp_last_step")
            assert abs(step - int(time.time() // 30)) <= 2
            replay_http, again = stage.login(name)
            assert again.status_code == 200
            assert stage.post(replay_http, "/auth/totp", {"code": code}).status_code == 401
    stage.check_round_trip(rate)


def _user_is_whole(stage: FaultStage, name: str) -> dict:
    """The user item and its backup codes agree: one set, as many items as the count says."""
    user = stage.item("users", "username", name)
    codes = stage.backup_codes(name)
    left = int(user.get("backup_codes_left", {"N": "0"})["N"])
    if user.get("mfa_enabled", {}).get("BOOL"):
        assert "totp_secret" in user and "pending_totp_secret" not in user
        assert len(codes) == left and {code["set_id"]["S"] for code in codes} <= {user["backup_set_id"]["S"]}
    else:
        assert "totp_secret" not in user and left == 0 and not codes
    return user


@pytest.mark.parametrize(("rate", "rounds"), RATES)
def test_enrollment_backup_codes_and_password_change_stay_whole(stage, rate, rounds):
    names = [f"fault.enrol{int(rate * 100)}r{rounds}n{n}" for n in range(rounds)]
    stage.create_users(*((name, None) for name in names))
    for round_number, name in enumerate(names):
        stage.faults(rate, seed=200 + round_number)
        http, password = stage.login(name)
        if password.status_code != 200:
            continue
        assert password.json() == {"next": "enroll"}
        started = stage.post(http, "/mfa/enrollment", {"password": PASSWORD})
        if started.status_code != 200:
            _user_is_whole(stage, name)
            continue
        secret = started.json()["secret"]
        stage.post(http, "/mfa/enrollment/confirm", {"code": _code_of(secret)})
        activated = stage.post(http, "/mfa/enrollment/activate")
        user = _user_is_whole(stage, name)
        if activated.status_code != 200:
            continue
        assert user["mfa_enabled"]["BOOL"] is True and stage.full_sessions(name) == 1
        link = activated.json()["backup_codes_pdf"]
        if link is None:  # the hand-out met trouble after activation: the link endpoint gives it
            link = stage.post(http, "/mfa/backup-codes/pdf").json()["backup_codes_pdf"]
        codes = codes_in(stage.pdf(http, link))
        assert len(codes) == 10

        # One backup code from two partial sessions at once: one login at most.
        sessions = [stage.login(name)[0] for _ in range(2)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            used = list(pool.map(lambda one: stage.post(one, "/auth/backup-code", {"code": codes[0]}).status_code,
                                 sessions))
        assert used.count(200) <= 1, used
        user = _user_is_whole(stage, name)
        again_http, _ = stage.login(name)
        stage.faults(0.0, seed=0)
        assert stage.post(again_http, "/auth/backup-code", {"code": codes[0]}).status_code in (401, 503)
        stage.faults(rate, seed=300 + round_number)

        # New backup codes: the old set is void as a whole, never half.
        regenerated = stage.post(http, "/mfa/backup-codes", {"password": PASSWORD, "code": codes[1]})
        user = _user_is_whole(stage, name)
        if regenerated.status_code == 200:
            assert int(user["backup_codes_left"]["N"]) == 10

        # Password change: afterwards exactly one of the two passwords works.
        changed = stage.post(http, "/account/password", {"current_password": PASSWORD,
                                                         "new_password": "Another-Horse-Battery-8", "code": codes[2]})
        stage.faults(0.0, seed=0)
        old_works = stage.login(name)[1].status_code == 200
        new_works = stage.login(name, "Another-Horse-Battery-8")[1].status_code == 200
        assert old_works != new_works, (changed.status_code, old_works, new_works)
        if changed.status_code == 204:
            assert new_works
    stage.check_round_trip(rate)


@pytest.mark.parametrize(("rate", "rounds"), RATES)
def test_password_reset_links_work_once_and_leave_one_password(stage, rate, rounds):
    names = [f"fault.reset{int(rate * 100)}r{rounds}n{n}" for n in range(rounds)]
    stage.create_users(*((name, None) for name in names))
    for round_number, name in enumerate(names):
        stage.faults(rate, seed=400 + round_number)
        asked = stage.post(stage.portal.session(), "/auth/password-reset", {"username": name})
        assert asked.status_code in (202, 503)
        stage.faults(0.0, seed=0)
        token = _reset_token(stage, name)
        if token is None:
            # No link mailed: the request answered 503, or SES refused it and it waits in the outbox.
            assert asked.status_code == 503 or _queued(stage, name), asked.status_code
            continue
        stage.faults(rate, seed=500 + round_number)
        new_password = f"Reset-Horse-Battery-{round_number}x"
        completed = stage.post(stage.portal.session(), "/auth/password-reset/complete",
                               {"token": token, "new_password": new_password})
        assert completed.status_code in (204, 400, 503)
        again = stage.post(stage.portal.session(), "/auth/password-reset/complete",
                           {"token": token, "new_password": "Third-Horse-Battery-77"})
        assert again.status_code in (400, 503), again.text  # a link never works twice
        stage.faults(0.0, seed=0)
        old_works = stage.login(name)[1].status_code == 200
        new_works = stage.login(name, new_password)[1].status_code == 200
        assert old_works != new_works, (completed.status_code, old_works, new_works)
        if completed.status_code == 204:
            assert new_works
        assert stage.login(name, "Third-Horse-Battery-77")[1].status_code == 401
    stage.check_round_trip(rate)


def _mail_failures(stage: FaultStage, name: str) -> list[dict]:
    return stage.events(name, "mail.failed")


def _queued(stage: FaultStage, name: str) -> list[dict]:
    return stage.dynamodb.scan(TableName="portal-local-outbox", FilterExpression="username = :u",
                               ExpressionAttributeValues={":u": {"S": name}}, ConsistentRead=True)["Items"]


def _due_now(stage: FaultStage, name: str) -> list[dict]:
    """The account's queued mails, made due at once (the retry's backoff is a minute and more)."""
    items = _queued(stage, name)
    for item in items:
        stage.dynamodb.update_item(TableName="portal-local-outbox", Key={"mail_id": item["mail_id"]},
                                   UpdateExpression="SET next_attempt_at = :zero",
                                   ExpressionAttributeValues={":zero": {"N": "0"}})
    return items


def _eventually(check, seconds: float = 20):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.3)
    return result


def test_a_reset_link_ses_fails_to_send_waits_in_the_outbox_and_arrives_once(stage):
    """SES answers 500 to every try: the request still answers 202 (the contract); the mail waits,
    sealed, in the outbox; once SES is back the retry sends it once, and its link works."""
    stage.create_users(("fault.mail", None))
    stage.proxy.plan.configure(rate=1.0, seed=2, kinds=["internal"], services=["ses"])
    try:
        asked = stage.portal.session().post(f"{stage.url}/api/v1/auth/password-reset",
                                            json={"username": "fault.mail"}, timeout=30)
    finally:
        stage.faults(0.0, seed=0)
    assert asked.status_code == 202
    assert stage.injected_before >= 3  # botocore tried three times
    assert _reset_token(stage, "fault.mail") is None and not _mail_failures(stage, "fault.mail")
    [item] = _queued(stage, "fault.mail")
    assert item["kind"]["S"] == "password_reset" and "#token=" not in json.dumps(item)

    _due_now(stage, "fault.mail")
    token = _eventually(lambda: _reset_token(stage, "fault.mail"))
    assert token and _eventually(lambda: not _queued(stage, "fault.mail"))
    time.sleep(2)  # two more runs of the retry: nothing left to send twice
    page = requests.get(f"{stage.url}/dev/mailbox", timeout=10).text
    assert page.count('.fault.mail"') == 1  # one mail: its link's href
    completed = stage.post(stage.portal.session(), "/auth/password-reset/complete",
                           {"token": token, "new_password": "Outbox-Horse-Battery-5"})
    assert completed.status_code == 204
    assert stage.login("fault.mail", "Outbox-Horse-Battery-5")[1].status_code == 200


def test_a_mail_ses_keeps_refusing_is_failed_and_on_the_accounts_trail_at_the_desk(stage):
    stage.create_users(("fault.mail2", None))
    stage.proxy.plan.configure(rate=1.0, seed=2, kinds=["internal"], services=["ses"])
    try:
        assert stage.portal.session().post(f"{stage.url}/api/v1/auth/password-reset",
                                           json={"username": "fault.mail2"}, timeout=30).status_code == 202
        for tries in range(2, 7):
            _due_now(stage, "fault.mail2")
            assert _eventually(lambda tries=tries: [item for item in _queued(stage, "fault.mail2")
                                                    if int(item["attempts"]["N"]) >= tries])
            time.sleep(3)  # the claimed try's SES calls (botocore's three) and its reschedule end first
        [item] = _eventually(lambda: [item for item in _queued(stage, "fault.mail2")
                                      if item["status"]["S"] == "failed"])
    finally:
        stage.faults(0.0, seed=0)
    assert int(item["attempts"]["N"]) == 6
    failures = _mail_failures(stage, "fault.mail2")
    assert len(failures) == 1 and failures[0]["details"]["M"]["kind"]["S"] == "password_reset"

    account = stage.desk().get(f"{stage.url}/api/v1/admin/users/fault.mail2", timeout=30).json()
    shown = [event for event in account["recent_events"] if event["action"] == "mail.failed"]
    assert shown and shown[0]["details"]["kind"] == "password_reset"


def _reset_token(stage: FaultStage, name: str) -> str | None:
    """The token of the newest reset link mailed to `name` (the local mailbox lists what was sent)."""
    page = requests.get(f"{stage.url}/dev/mailbox", timeout=10).text
    marker = "#token="
    for chunk in page.split(marker)[1:]:
        token = chunk.split('"')[0].split("<")[0]
        if token.endswith(f".{name}"):
            return token
    return None


def test_the_login_page_says_try_again_in_a_moment(stage, browser):
    """What a person sees when DynamoDB throttles: the page's own message, no error page."""
    stage.create_users(("fault.page", None))
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{stage.url}/login")
        page.get_by_label("Gebruikersnaam").fill("fault.page")
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        stage.proxy.plan.configure(rate=1.0, seed=4, kinds=["throttling"], services=["dynamodb"])
        page.get_by_role("button", name="Inloggen").click()
        alert = page.get_by_role("alert")
        alert.wait_for()
        assert "Probeer het over een moment opnieuw" in alert.inner_text()
        stage.faults(0.0, seed=0)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url("**/mfa/**")
    finally:
        stage.faults(0.0, seed=0)
        context.close()


PAGES = ("/login", "/portal", "/account", "/account/sessions", "/mfa/backup-codes", "/help", "/support",
         "/authorizations", "/password/forgot")


@pytest.mark.parametrize(("rate", "rounds"), RATES)
def test_pages_under_faults_answer_a_page_never_a_500(stage, rate, rounds):
    """Logged in or not, every page answers 200, a redirect, a refusal or the 503 page in the visitor's
    language with Retry-After: never Chalice's own 500."""
    name = f"fault.pages{int(rate * 100)}r{rounds}"
    stage.create_users((name, pyotp.random_base32(32)))
    http, _ = stage.login(name)
    for round_number in range(rounds):
        stage.faults(rate, seed=600 + round_number)
        for path in PAGES:
            response = http.get(f"{stage.url}{path}?lang=en", allow_redirects=False, timeout=30)
            stage.statuses.append(response.status_code)
            assert response.status_code in {200, 302, 303, 401, 403, 404, 503}, (path, response.status_code)
            assert "Traceback" not in response.text
            if response.status_code == 503:
                assert "try again in a moment" in response.text and int(response.headers["Retry-After"]) > 0
                assert response.headers["X-Frame-Options"] == "DENY"
    stage.faults(0.0, seed=0)
    stage.check_round_trip(rate)


def test_a_page_under_throttling_is_the_503_page(stage):
    stage.create_users(("fault.page503", None))
    http, _ = stage.login("fault.page503")
    stage.proxy.plan.configure(rate=1.0, seed=7, kinds=["throttling"], services=["dynamodb"])
    try:
        response = http.get(f"{stage.url}/mfa/activate?lang=pap", allow_redirects=False, timeout=30)
    finally:
        stage.faults(0.0, seed=0)
    assert response.status_code == 503 and response.headers["Content-Type"].startswith("text/html")
    assert "Purba atrobe den un momento" in response.text and response.headers["Retry-After"] == "2"


def _enrolled(stage: FaultStage, name: str) -> tuple[requests.Session, list[str]]:
    """An account with 2FA active: the full session that activated it and its ten backup codes."""
    http, _ = stage.login(name)
    secret = stage.post(http, "/mfa/enrollment", {"password": PASSWORD}).json()["secret"]
    assert stage.post(http, "/mfa/enrollment/confirm", {"code": _code_of(secret)}).status_code == 200
    activated = stage.post(http, "/mfa/enrollment/activate")
    assert activated.status_code == 200
    return http, codes_in(stage.pdf(http, activated.json()["backup_codes_pdf"]))


@pytest.mark.parametrize(("rate", "rounds"), RATES)
def test_support_unblock_and_2fa_reset_happen_wholly_or_not_at_all(stage, rate, rounds):
    """Each desk action under faults: 204, or 503 with the account either wholly changed (and the
    event recorded) or untouched; a retry of one whose answer was lost is one action, not two."""
    names = [f"fault.desk{int(rate * 100)}r{rounds}n{n}" for n in range(rounds)]
    stage.create_users(*((name, None) for name in names))
    desk = stage.desk()
    for round_number, name in enumerate(names):
        owner, _ = _enrolled(stage, name)
        for factor in ("password", "second_factor"):
            stage.dynamodb.put_item(TableName="portal-local-lockouts", Item={
                "key": {"S": f"{factor}#{name}"}, "failures": {"N": "20"}, "allowed": {"N": "0"},
                "blocked": {"BOOL": True}, "locked_until": {"N": "0"}})

        stage.faults(rate, seed=700 + round_number)
        unblocked = stage.post(desk, f"/admin/users/{name}/unblock", {"reason": "called back", **CHECKED})
        stage.faults(0.0, seed=0)
        blocked = [stage.item("lockouts", "key", f"{factor}#{name}").get("blocked", {}).get("BOOL", False)
                   for factor in ("password", "second_factor")]
        events = stage.events(name, "support.unblock")
        assert unblocked.status_code in (204, 503), unblocked.text
        assert blocked in ([False, False], [True, True]), blocked  # both factors, or neither
        assert (blocked == [False, False]) == (len(events) == 1), (blocked, events)
        if unblocked.status_code == 204:
            assert blocked == [False, False]

        stage.faults(rate, seed=800 + round_number)
        reset = stage.post(desk, f"/admin/users/{name}/reset-2fa", {"reason": "lost phone", **CHECKED})
        stage.faults(0.0, seed=0)
        assert reset.status_code in (204, 503), reset.text
        user = _user_is_whole(stage, name)
        events = stage.events(name, "support.reset_2fa")
        owner_in = owner.get(f"{stage.url}/api/v1/me", timeout=30).status_code == 200
        if user.get("mfa_enabled", {}).get("BOOL"):
            assert not events and owner_in and len(stage.backup_codes(name)) == 10
        else:
            # Fully happened: secret and codes gone (checked above), sessions ended, one event.
            assert len(events) == 1 and not owner_in and stage.full_sessions(name) == 0
        if reset.status_code == 204:
            assert not user.get("mfa_enabled", {}).get("BOOL")
    stage.check_round_trip(rate)


def test_a_2fa_reset_whose_answer_was_lost_is_one_reset(stage):
    stage.create_users(("fault.deskl", None))
    desk = stage.desk()
    _enrolled(stage, "fault.deskl")
    _lose_one_transaction_answer(stage)
    reset = stage.post(desk, "/admin/users/fault.deskl/reset-2fa", {"reason": "lost phone", **CHECKED})
    assert stage.injected_now() == 1
    stage.faults(0.0, seed=0)
    assert reset.status_code == 204, reset.text
    assert len(stage.events("fault.deskl", "support.reset_2fa")) == 1
    assert not _user_is_whole(stage, "fault.deskl").get("mfa_enabled", {}).get("BOOL")


@pytest.mark.parametrize(("rate", "rounds"), RATES)
def test_an_email_change_ends_with_one_address_and_its_link_works_once(stage, rate, rounds):
    names = [f"fault.mailchg{int(rate * 100)}r{rounds}n{n}" for n in range(rounds)]
    stage.create_users(*((name, None) for name in names))
    for round_number, name in enumerate(names):
        http, codes = _enrolled(stage, name)
        new_address = f"{name}@nieuw.example"
        stage.faults(rate, seed=900 + round_number)
        asked = stage.post(http, "/account/email", {"password": PASSWORD, "new_email": new_address,
                                                    "code": codes[0]})
        stage.faults(0.0, seed=0)
        assert asked.status_code in (202, 401, 503), asked.text
        token = _reset_token(stage, name)  # the newest link to the account: the verification link
        if token is None:
            # No link mailed: the request answered 503 (or was refused), or it waits in the outbox.
            assert asked.status_code != 202 or _queued(stage, name), asked.status_code
            assert stage.item("users", "username", name)["email"]["S"] == f"{name}@example.org"
            continue
        stage.faults(rate, seed=1000 + round_number)
        verified = [stage.post(stage.portal.session(), "/account/email/verify", {"token": token}).status_code
                    for _ in range(2)]
        stage.faults(0.0, seed=0)
        assert set(verified) <= {204, 400, 503} and verified.count(204) <= 1, verified
        user = stage.item("users", "username", name)
        assert user["email"]["S"] in (f"{name}@example.org", new_address)
        if 204 in verified:
            assert user["email"]["S"] == new_address and "pending_email" not in user
        # Whatever happened, the link is spent or still pending, never both: a third try agrees.
        third = stage.post(stage.portal.session(), "/account/email/verify", {"token": token}).status_code
        assert (third == 204) == (user["email"]["S"] != new_address), (verified, third)
    stage.check_round_trip(rate)


def _logged_in(stage: FaultStage, name: str, secret: str) -> requests.Session:
    http, _ = stage.login(name)
    assert stage.post(http, "/auth/totp", {"code": _code_of(secret)}).status_code == 200
    return http


_CRIBS = itertools.count()


def _client_and_authorization(stage: FaultStage, tag: str, number: int) -> tuple[requests.Session, str]:
    """A client and a representative (CRIBs of their own), a pending authorization between them, and
    the client's full session."""
    serial = next(_CRIBS)  # one pair of CRIB numbers per call: a CRIB belongs to one account
    client_crib, firm_crib = f"7{serial:08d}", f"8{serial:08d}"
    client = (f"fault.{tag}c{number}", pyotp.random_base32(32))
    firm = (f"fault.{tag}r{number}", pyotp.random_base32(32))
    stage.create_users((*client, "--crib", client_crib),
                       (*firm, "--crib", firm_crib, "--role", "representative", "--firm-name", "Kantoor"))
    representative = _logged_in(stage, *firm)
    created = stage.post(representative, "/representative/authorizations",
                         {"client_crib": client_crib, "tax_type": "IB", "start_date": "2026-01-01"})
    assert created.status_code == 201, created.text
    return _logged_in(stage, *client), created.json()["id"]


def _authorization(stage: FaultStage, identifier: str) -> tuple[str, int, int]:
    """(status, confirm events, revoke events) as stored."""
    item = stage.item("authorizations", "authorization_id", identifier)
    events = stage.dynamodb.scan(TableName="portal-local-audit_events",
                                 FilterExpression="details.authorization_id = :i",
                                 ExpressionAttributeValues={":i": {"S": identifier}})["Items"]
    actions = [event["action"]["S"] for event in events]
    return item["status"]["S"], actions.count("authorization.confirm"), actions.count("authorization.revoke")


@pytest.mark.parametrize(("rate", "rounds"), RATES)
def test_authorization_confirm_and_revoke_change_the_status_once(stage, rate, rounds):
    for round_number in range(rounds):
        client, identifier = _client_and_authorization(stage, f"az{int(rate * 100)}r{rounds}", round_number)
        stage.faults(rate, seed=1100 + round_number)
        confirmed = [stage.post(client, f"/authorizations/{identifier}/confirm").status_code for _ in range(2)]
        stage.faults(0.0, seed=0)
        status, confirms, _ = _authorization(stage, identifier)
        assert set(confirmed) <= {204, 409, 503} and confirmed.count(204) <= 1, confirmed
        assert status in ("pending", "active") and confirms == (status == "active"), (status, confirms)
        if 204 in confirmed:
            assert status == "active"

        stage.faults(rate, seed=1200 + round_number)
        revoked = [stage.post(client, f"/authorizations/{identifier}/revoke").status_code for _ in range(2)]
        stage.faults(0.0, seed=0)
        after, _, revokes = _authorization(stage, identifier)
        assert set(revoked) <= {204, 409, 503} and revoked.count(204) <= 1, revoked
        assert revokes == (after == "revoked") and after in (status, "revoked"), (after, revokes)
        if 204 in revoked:
            assert after == "revoked"
    stage.check_round_trip(rate)


def test_an_authorization_confirm_whose_answer_was_lost_is_one_confirmation(stage):
    """Resent after its answer was lost, the transaction fails its conditions: the change is there,
    so the client gets 204, not 409 invalid_authorization_state."""
    client, identifier = _client_and_authorization(stage, "azlost", 0)
    _lose_one_transaction_answer(stage)
    confirmed = stage.post(client, f"/authorizations/{identifier}/confirm")
    assert stage.injected_now() == 1
    stage.faults(0.0, seed=0)
    assert confirmed.status_code == 204, confirmed.text
    assert _authorization(stage, identifier)[:2] == ("active", 1)
    assert stage.post(client, f"/authorizations/{identifier}/confirm").status_code == 409
