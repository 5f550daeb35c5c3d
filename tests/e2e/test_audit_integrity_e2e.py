"""Parallel logins on the real local stage write their audit events (inside their transactions) at
once; the day still verifies, by its events' HMACs and once sealed, with the operations command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import ROOT

PASSWORD = "Correct-Horse-Battery-9"

# Seals the stage's day as the scheduled function would once every write of the test has settled
# (they all have: the requests were answered), then verifies it.
SEAL_AND_VERIFY = """
import sys, time
from chalicelib.manage import apply_stage
apply_stage("local")
from chalicelib.services import audit_integrity
day = sys.argv[1]
audit_integrity.seal_day(day, now=time.time() + audit_integrity.SETTLE + 1)
report = audit_integrity.verify(day)
print(report.ok, report.events, report.sealed, report.findings)
"""


def test_parallel_logins_still_verify(portal):
    names = [f"audit.parallel{index}" for index in range(6)]
    for name in names:
        portal.create_user(name, PASSWORD)
    day = time.strftime("%Y-%m-%d", time.gmtime())

    def attempt(index: int) -> int:
        password = PASSWORD if index % 2 else "wrong password!"
        return portal.session().post(f"{portal.url}/api/v1/auth/login",
                                     json={"username": names[index % 6], "password": password}).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, range(36)))
    # Three names get six wrong passwords each: the fifth locks, the sixth is 423.
    assert statuses.count(200) == 18 and statuses.count(401) == 15 and statuses.count(423) == 3, statuses
    if time.strftime("%Y-%m-%d", time.gmtime()) != day:
        day = time.strftime("%Y-%m-%d", time.gmtime())  # midnight passed: the newer day holds the logins

    checked = portal.manage("verify-audit", "--day", day)
    assert checked.returncode == 0 and checked.stdout.splitlines()[-1] == "OK", checked.stdout + checked.stderr
    env = {**os.environ, "MOTO_PORT": str(portal.moto_port)}
    for name in ("AWS_ENDPOINT_URL", "PORTAL_STAGE", "PORTAL_TABLE_PREFIX"):
        env.pop(name, None)
    sealed = subprocess.run([sys.executable, "-c", SEAL_AND_VERIFY, day], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    ok, events, in_seals, findings = sealed.stdout.split(" ", 3)
    assert ok == "True" and int(events) >= 36 and in_seals == events and findings.strip() == "[]", sealed.stdout
    again = portal.manage("verify-audit", "--day", day)
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == "OK", again.stdout
