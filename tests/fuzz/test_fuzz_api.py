"""Schemathesis against GET /api/openapi.json on a running local stage: every documented operation,
without a session, with a taxpayer's session and with a support-desk session. Zero server errors and
zero responses that contradict the document (status codes, content types, headers, body schemas).

The run is bounded (examples per operation, fixed seed; FUZZ_SEED picks another) and its reports are
kept in test-output/fuzz/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local import DEMO_ACCOUNTS
from tests.e2e.conftest import OUTPUT, totp

ST = Path(sys.executable).parent / "st"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")
EXAMPLES_PER_OPERATION = 4
MIN_CASES_PER_RUN = 350  # three runs: over 1,000 generated cases in all
# A session run must keep its session: logging out, ending "all other sessions" (which replaces the
# caller's own cookie) or "Dit was ik niet" (which ends every session of the account) would turn the
# rest of the run into 401s; the run then also checks that no operation answered only 401/403.
KEEP_SESSION = ("--exclude-name", "POST /api/v1/auth/logout", "--exclude-name", "DELETE /api/v1/account/sessions",
                "--exclude-name", "POST /api/v1/account/activity/not-me")
# Operations every logged-in account may call, whatever its roles.
OWN_ACCOUNT_OPERATIONS = {"GET /api/v1/me", "GET /api/v1/session", "GET /api/v1/account/sessions",
                          "GET /api/v1/account/activity", "GET /api/v1/account/passkeys"}


def full_session_cookie(portal, username: str) -> str:
    """Log a demo account in through the API (password, then TOTP computed by oathtool)."""
    account = next(account for account in DEMO_ACCOUNTS if account["username"] == username)
    http = portal.session()
    response = http.post(f"{portal.url}/api/v1/auth/login",
                         json={"username": username, "password": account["password"]})
    assert response.status_code == 200 and response.json()["next"] == "totp", response.text
    response = http.post(f"{portal.url}/api/v1/auth/totp", json={"code": totp(account["totp_secret"])})
    assert response.status_code == 200, response.text
    return http.cookies["portal_session"]


def fuzz(portal, name: str, *options: str) -> dict:
    folder = OUTPUT / "fuzz"
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / f"{name}.json"
    command = [str(ST), "run", f"{portal.url}/api/openapi.json", "--checks", CHECKS,
               "--max-examples", str(EXAMPLES_PER_OPERATION), "--phases", "examples,coverage,fuzzing",
               "--workers", "1", "--seed", os.environ.get("FUZZ_SEED", "8"), "--request-timeout", "30",
               "--report", "json", "--report-json-path", str(report), "--output-sanitize", "true", *options]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    (folder / f"{name}.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert not summary["failures"] and not summary["errors"] and summary["exit_code"] == 0, result.stdout[-6000:]
    return summary


@pytest.mark.parametrize("identity", ["anonymous", "demo.klant", "demo.support"])
def test_fuzzing_finds_no_server_error_and_nothing_undocumented(fuzz_portal, identity):
    options: tuple[str, ...] = ()
    if identity != "anonymous":
        options = ("--header", f"Cookie: portal_session={full_session_cookie(fuzz_portal, identity)}", *KEEP_SESSION)
    summary = fuzz(fuzz_portal, identity, *options)
    operations = summary["operations"]
    assert operations["tested"] == operations["selected"] > 0
    print(f"{identity}: {summary['test_cases']['generated']} cases over {operations['tested']} operations")
    assert summary["test_cases"]["generated"] >= MIN_CASES_PER_RUN
    if identity != "anonymous":
        # The session lasted the whole run: what any logged-in account may call never answered only 401/403.
        refused = set((summary.get("warnings") or {}).get("missing_auth") or ())
        assert not refused & OWN_ACCOUNT_OPERATIONS, sorted(refused & OWN_ACCOUNT_OPERATIONS)
