"""The login, second-factor and session paths never load reportlab, segno, Pillow or Jinja2: each import
is paid on a cold start, so those libraries belong only to the requests that render PDFs, QR codes
and pages. Checked in a fresh interpreter, where sys.modules shows exactly what the paths loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def outcome() -> dict:
    """One run of `bench.login_paths` (a fresh interpreter and a served stage) for both tests."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_ENDPOINT_URL")}
    result = subprocess.run([sys.executable, "-m", "bench.login_paths"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_login_second_factor_and_session_paths_load_no_pdf_qr_or_template_library(outcome):
    assert "password step, success" in outcome["flows"]
    assert "GET /me, fresh session" in outcome["flows"]
    assert "logout" in outcome["flows"]
    assert outcome["heavy_modules"] == {}, f"loaded on the login path (library: first importer): {outcome}"
    # Importing the app (every cold start) leaves out cryptography and argon2 too: only the requests
    # that open TOTP secrets or check passwords need them.
    assert outcome["loaded_by_import_app"] == {}, outcome


def test_the_check_sees_a_library_that_a_page_loads(outcome):
    """The same watcher, in the same process, after the flows: the login page loads Jinja2."""
    assert outcome["login_page"]["status"] == 200
    assert outcome["login_page"]["loaded"]["jinja2"].startswith("chalicelib/")
