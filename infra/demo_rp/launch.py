"""Starting Mijn Aangifte beside a portal: the local stage (`make run`) and the browser tests use this."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parents[2]


def start(port: int, issuer: str, client_id: str, client_secret: str | None, *,
          auth_method: str = "client_secret_basic", scope: str | None = None,  # noqa: S107 - a method name
          log: IO | None = None) -> subprocess.Popen:
    """The demo relying party's process on 127.0.0.1:`port` (its own environment: no AWS settings)."""
    args = [sys.executable, "-m", "infra.demo_rp", "--port", str(port), "--issuer", issuer, "--client-id", client_id,
            "--auth-method", auth_method]
    if scope:
        args += ["--scope", scope]
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "PORTAL_", "DEMO_RP_"))}
    if client_secret:
        env["DEMO_RP_CLIENT_SECRET"] = client_secret  # not on the command line, where `ps` shows it
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603 - fixed arguments


def wait_until_serving(process: subprocess.Popen, url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the demo relying party did not start on {url}")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
