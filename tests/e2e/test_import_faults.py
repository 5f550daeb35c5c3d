"""The bulk import under AWS faults, with its processing function killed (SIGKILL) and re-driven.

The processing runs in a subprocess that talks to moto through the fault-injecting proxy
(tests/faults/proxy.py); this test reads moto directly. The test kills the subprocess at a seeded
moment of a chosen phase (while it holds the job's lease before writing, mid-batch, while mailing the
clients) and starts it again the way AWS re-drives the work: the event comes again, and when the
dead run's lease still holds (ImportBusyError), it comes again after the lease lapsed (the new
subprocess's clock runs LEASE_SECONDS ahead; nothing in the product carries a hook for this).

Afterwards: every row ended exactly once (created, refused with a reason, or reported as a
duplicate), the counts add up, no authorization is missing or extra, the job is done, it was
audited once, and every client with an account got its notice - once, unless the kill landed on a
notice in flight or SES's own answer was lost (SES has no idempotency key: those are the only
duplicates allowed, and counted).

The default suite runs 5 % with one kill mid-batch; `make test-faults` (marker `faults`) runs 5 % and
20 % with several seeds and a kill in every phase.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time

import boto3
import pytest

from tests.e2e.conftest import ROOT, free_port
from tests.faults.proxy import ALL_KINDS, FaultProxy

HEADER = "client_crib,tax_type,start_date,end_date\n"
TAX_TYPES = ("IB", "WB", "OB", "LB")
# Clients with an account and without one: (quick run, full runs).
QUICK_CLIENTS, FULL_CLIENTS = (12, 4), (60, 15)
LEASE_SECONDS = 90  # services/import_notices.LEASE_SECONDS (read from there by the worker)
NOTICE_WORKERS = 8  # services/import_notices.NOTICE_WORKERS: notices a kill can catch in flight
MAX_DELIVERIES = 40
RUN_TIMEOUT = 240

KILL_PHASES = ("lease", "batch", "notices")
RUNS = [
    pytest.param(0.05, 1, ("lease",), QUICK_CLIENTS, id="5%-quick"),
    *(pytest.param(rate, seed, KILL_PHASES, FULL_CLIENTS, id=f"{int(rate * 100)}%-seed{seed}",
                   marks=pytest.mark.faults) for rate in (0.05, 0.20) for seed in (11, 12, 13)),
    pytest.param(0.20, 14, ("random", "random", "random"), FULL_CLIENTS, id="20%-random-kills",
                 marks=pytest.mark.faults),
]

# The seeding, in its own interpreter against moto directly: accounts, two authorizations that exist
# before the import, the job and its upload. Prints the import id.
SEED = r"""
import json, sys
import boto3
from chalicelib.services import authorizations, imports, import_rows
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.settings import get_settings
from chalicelib.storage.users import get_user

from chalicelib.errors import PortalError

from chalicelib.storage.base import is_temporary_trouble

def account(name, **fields):
    # On a loaded machine moto can outlast the read timeout: a create is then tried again, and one
    # that was applied although its answer never came is found by its name.
    for _ in range(5):
        try:
            create_account(name, name.split(".")[-1] + "@example.org", None, **fields)
            return
        except PortalError:
            assert get_user(name) is not None
            return
        except Exception as error:
            if not is_temporary_trouble(error):
                raise
    raise RuntimeError("moto did not answer")

plan = json.loads(sys.argv[1])
account(plan["representative"], roles=["representative"], crib=plan["firm"], firm_name="Kantoor Faults")
for crib in plan["accounts"]:
    account("klant." + crib, crib=crib)
rules = import_rows.RowRules(plan["firm"], authorizations.today())
for fields in plan["existing"]:
    row = import_rows.check_fields(0, fields, rules)
    authorizations.new_item(row, representative=plan["firm"], firm_name="Kantoor Faults", status="pending",
                            created_by=plan["representative"], now=1_800_000_000).save()
started = imports.request_import(get_user(plan["representative"]), False, RequestContext())
boto3.client("s3").put_object(Bucket=get_settings().imports_bucket, Key="uploads/%s.csv" % started["import_id"],
                              Body=plan["file"].encode())
print(started["import_id"])
"""

# One delivery of the upload's event, in its own interpreter, through the proxy. The clock runs
# `offset` seconds ahead: a re-delivery after a lease lapsed, without waiting for it.
WORKER = r"""
import json, sys, time
from chalicelib import clock
offset = float(sys.argv[2])
clock.now = lambda: time.time() + offset
from chalicelib.services import import_processing
try:
    print(json.dumps({"status": import_processing.process(sys.argv[1])}))
except import_processing.ImportBusyError:
    print(json.dumps({"status": "busy"}))
"""


class ImportWorld:
    """moto's server in this process, the proxy in front of it, and direct clients for the checks."""

    def __init__(self, moto_port: int, proxy: FaultProxy) -> None:
        self.moto_port, self.proxy = moto_port, proxy
        from infra.local import local_environment

        inherited = {name: value for name, value in os.environ.items()
                     if not name.startswith(("AWS_", "PORTAL_"))}
        self.environment = {**inherited, **local_environment(moto_port)}
        endpoint = {"endpoint_url": f"http://127.0.0.1:{moto_port}", "region_name": "us-east-1",
                    "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # noqa: S106 - moto's
        self.dynamodb = boto3.client("dynamodb", **endpoint)
        self.s3 = boto3.client("s3", **endpoint)

    def run(self, script: str, *args: str, proxied: bool = False) -> subprocess.Popen:
        env = dict(self.environment)
        if proxied:
            env["AWS_ENDPOINT_URL"] = self.proxy.url
        return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def job(self, import_id: str) -> dict:
        return self.dynamodb.get_item(TableName="portal-local-import_jobs", Key={"import_id": {"S": import_id}},
                                      ConsistentRead=True).get("Item", {})

    def items_of_firm(self, firm: str) -> list[dict]:
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName="portal-local-authorizations", IndexName="representative-index",
            KeyConditionExpression="representative_crib = :c", ExpressionAttributeValues={":c": {"S": firm}})
        return [item for page in pages for item in page["Items"]]

    def written(self, import_id: str) -> int:
        return self.dynamodb.query(TableName="portal-local-authorizations", IndexName="import-index",
                                   KeyConditionExpression="import_id = :i", Select="COUNT",
                                   ExpressionAttributeValues={":i": {"S": import_id}})["Count"]

    def audited(self, import_id: str, action: str) -> int:
        return len(self.dynamodb.query(
            TableName="portal-local-audit_events", IndexName="target-index", KeyConditionExpression="target = :t",
            FilterExpression="#a = :a", ExpressionAttributeNames={"#a": "action"},
            ExpressionAttributeValues={":t": {"S": f"import:{import_id}"}, ":a": {"S": action}})["Items"])

    def report_rows(self, job: dict) -> list[list[str]]:
        if "errors_key" not in job:
            return []
        body = self.s3.get_object(Bucket="portal-local-imports", Key=job["errors_key"]["S"])["Body"].read()
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]


def sent_mail() -> list:
    """What SES (moto, in this process) really sent."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


@pytest.fixture(scope="module")
def world():
    from moto.server import ThreadedMotoServer

    from infra.local import make_dynamodb_requests_atomic

    moto_port = free_port()
    make_dynamodb_requests_atomic()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    server.start()
    proxy = FaultProxy(upstream_port=moto_port).start()
    try:
        import_world = ImportWorld(moto_port, proxy)
        provision = import_world.run("from infra.local import provision; provision()")
        _, errors = provision.communicate(timeout=120)
        assert provision.returncode == 0, errors
        yield import_world
    finally:
        proxy.stop()
        server.stop()


class Plan:
    """The file of one run and what must come of each of its rows."""

    def __init__(self, tag: int, clients: tuple[int, int]) -> None:
        self.representative = f"rep.faults{tag}"
        self.firm = f"{200_000_000 + tag}"
        base = 100_000_000 + tag * 1_000
        self.accounts = [f"{base + index}" for index in range(clients[0])]
        self.strangers = [f"{base + 500 + index}" for index in range(clients[1])]
        lines: list[tuple[str, str]] = []  # (line, what must become of it)
        for crib in self.accounts + self.strangers:
            for tax_type in TAX_TYPES:
                lines.append((f"{crib},{tax_type},2027-01-01,", "new"))
        self.existing = [{"client_crib": self.accounts[0], "tax_type": "IB", "start_date": "2027-01-01"},
                         {"client_crib": self.accounts[1], "tax_type": "WB", "start_date": "2027-01-01"}]
        lines = [(line, "skipped" if line.startswith((f"{self.accounts[0]},IB", f"{self.accounts[1]},WB"))
                  else what) for line, what in lines]
        for index in range(6):
            lines.append((f"{self.accounts[index * 2]},OB,2027-01-01,", "duplicate"))
        lines += [("12345,IB,2027-01-01,", "refused"), (f"{self.accounts[2]},XX,2027-01-01,", "refused"),
                  (f"{self.accounts[3]},IB,2027-13-01,", "refused"), (f"{self.accounts[4]},IB,,", "refused")]
        random.Random(tag).shuffle(lines)  # noqa: S311 - a test's file order
        seen: set[str] = set()
        for index, (line, what) in enumerate(lines):  # the first of identical rows is the one imported
            if what in ("new", "duplicate"):
                lines[index] = (line, "duplicate" if line in seen else "new")
                seen.add(line)
        self.file = HEADER + "".join(f"{line}\n" for line, _ in lines)
        self.outcomes = {number: what for number, (_, what) in enumerate(lines, start=2)}  # file line numbers
        self.lines = {number: line for number, (line, _) in enumerate(lines, start=2)}

    def rows(self, what: str) -> set[int]:
        return {number for number, outcome in self.outcomes.items() if outcome == what}

    def notices_due(self) -> dict[str, int]:
        """New authorizations per client with an account: what its one notice must say."""
        due: dict[str, int] = {}
        for number in self.rows("new"):
            crib = self.lines[number].split(",")[0]
            if crib in self.accounts:
                due[crib] = due.get(crib, 0) + 1
        return due

    def seed(self, world: ImportWorld) -> str:
        plan = {"representative": self.representative, "firm": self.firm, "accounts": self.accounts,
                "existing": self.existing, "file": self.file}
        seeding = world.run(SEED, json.dumps(plan))
        out, errors = seeding.communicate(timeout=180)
        assert seeding.returncode == 0, errors
        return out.strip().splitlines()[-1]


def _phase_reached(world: ImportWorld, import_id: str, phase: str, expected_new: int, mails_before: int) -> bool:
    job = world.job(import_id)
    status = job.get("status", {}).get("S")
    if phase == "lease":
        return status == "processing"
    if phase == "batch":
        return status == "processing" and 0 < world.written(import_id) < expected_new
    return status == "done" and job.get("notices", {}).get("S") == "pending" and len(sent_mail()) > mails_before


def _deliver(world: ImportWorld, import_id: str, offset: float, kill: str | None, plan: Plan, chance: random.Random,
             mails_before: int) -> tuple[str, bool]:
    """One delivery of the event; killed in `kill`'s phase (at a seeded moment once it is reached).
    Returns (what the run answered or "killed", whether the kill landed in the notices)."""
    worker = world.run(WORKER, import_id, str(offset), proxied=True)
    deadline = time.monotonic() + RUN_TIMEOUT
    expected_new = len(plan.rows("new"))
    if kill is not None:
        random_at = time.monotonic() + chance.uniform(0.5, 6.0)
        while worker.poll() is None and time.monotonic() < deadline:
            reached = time.monotonic() >= random_at if kill == "random" else _phase_reached(
                world, import_id, kill, expected_new, mails_before)
            if reached:
                time.sleep(chance.uniform(0, 0.05))  # a seeded moment within the phase
                in_notices = world.job(import_id).get("notices", {}).get("S") == "pending" and len(
                    sent_mail()) > mails_before
                os.kill(worker.pid, signal.SIGKILL)
                worker.communicate(timeout=30)
                return "killed", in_notices
            time.sleep(0.01)
    out, errors = worker.communicate(timeout=max(1.0, deadline - time.monotonic()))
    if worker.returncode != 0:
        return "error", False  # temporary trouble beyond the retries: the event stays and comes again
    assert out.strip(), errors
    return json.loads(out.strip().splitlines()[-1])["status"], False


def _check(world: ImportWorld, plan: Plan, import_id: str, mails_before: int, ambiguous: int) -> None:
    job = world.job(import_id)
    numbers = {name: int(job[name]["N"]) for name in ("total", "processed", "imported", "skipped", "failed")}
    assert job["status"]["S"] == "done", job
    # Every row exactly once, in the outcome it must have.
    assert numbers["total"] == numbers["processed"] == len(plan.outcomes), numbers
    assert numbers["imported"] + numbers["skipped"] + numbers["failed"] == numbers["total"], numbers
    assert numbers["imported"] == len(plan.rows("new")), numbers
    assert numbers["skipped"] == len(plan.rows("skipped")), numbers
    assert numbers["failed"] == len(plan.rows("refused")) + len(plan.rows("duplicate")), numbers
    # Each refused and each duplicate row is in the report, with a reason; no other row is.
    report = world.report_rows(job)
    assert {int(line[0]) for line in report} == plan.rows("refused") | plan.rows("duplicate"), report
    assert all(line[2] == "duplicate_row" for line in report if int(line[0]) in plan.rows("duplicate"))
    assert all(line[2] and line[3] for line in report), report
    # No authorization missing, none twice, each created by the row that introduced it.
    items = world.items_of_firm(plan.firm)
    ids = [item["authorization_id"]["S"] for item in items]
    assert len(ids) == len(set(ids)) == len(plan.rows("new")) + len(plan.existing), len(ids)
    imported_rows = sorted(int(item["import_row"]["N"]) for item in items if item.get("import_id", {}).get("S")
                           == import_id)
    assert imported_rows == sorted(plan.rows("new"))
    assert world.audited(import_id, "import.done") == 1
    # Notices: one per client with new authorizations and an account, naming the number; duplicates
    # only where the outcome of a send could not be known (a kill on a notice in flight, a lost answer).
    assert job["notices"]["S"] == "sent", job
    due = plan.notices_due()
    ours = [mail for mail in sent_mail()[mails_before:] if mail.destinations["ToAddresses"][0].split("@")[0] in due]
    per_client = {crib: [mail for mail in ours if mail.destinations["ToAddresses"][0] == f"{crib}@example.org"]
                  for crib in due}
    assert all(per_client[crib] for crib in due), [crib for crib in due if not per_client[crib]]
    assert all(f"(aantal: {due[crib]})" in mails[0].body for crib, mails in per_client.items())
    duplicates = sum(len(mails) - 1 for mails in per_client.values())
    assert duplicates <= ambiguous, (duplicates, ambiguous)
    assert not [mail for mail in sent_mail()[mails_before:]
                if mail.destinations["ToAddresses"][0].split("@")[0] in plan.strangers]


@pytest.mark.parametrize(("rate", "seed", "kills", "clients"), RUNS)
def test_every_row_ends_once_and_every_client_is_told_through_faults_and_kills(world, rate, seed, kills, clients):
    # Runs share one AWS emulation: each gets a firm and clients of its own (a rate's runs reuse seeds).
    plan = Plan(int(round(rate * 100)) * 100 + seed, clients)
    import_id = plan.seed(world)
    mails_before = len(sent_mail())
    chance = random.Random(seed)  # noqa: S311 - the kill moments, reproducible
    world.proxy.plan.configure(rate=rate, seed=seed, kinds=ALL_KINDS)
    pending_kills = list(kills)
    offset, landed, kills_in_notices, answers = 0.0, [], 0, []
    try:
        for _ in range(MAX_DELIVERIES):
            answer, in_notices = _deliver(world, import_id, offset, pending_kills[0] if pending_kills else None,
                                          plan, chance, mails_before)
            answers.append(answer)
            if answer == "killed":
                landed.append(pending_kills.pop(0))
                kills_in_notices += in_notices
            elif pending_kills and answer in ("done", "failed"):
                pending_kills.pop(0)  # the run was through that phase before it was seen: no kill there
            if answer in ("killed", "busy"):
                offset += LEASE_SECONDS + 1  # the event comes again after the dead run's lease lapsed
            job = world.job(import_id)
            if answer == "done" and job.get("notices", {}).get("S") != "pending" and not pending_kills:
                break
        injected = world.proxy.plan.report()["injected"]
    finally:
        world.proxy.plan.configure(rate=0.0, seed=0)
    assert answers[-1] == "done", answers
    assert landed, answers  # at least one kill really landed, or this proved nothing about kills
    lost_mail_answers = injected.get("ses.SendEmail.lost", 0)
    _check(world, plan, import_id, mails_before, ambiguous=lost_mail_answers + kills_in_notices * NOTICE_WORKERS)
    assert rate == 0 or sum(count for name, count in injected.items() if name.count(".") == 1) > 0
