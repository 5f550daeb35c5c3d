"""End-to-end set-up: the real local stage (moto's server + `chalice local`, started exactly as
`make run` does, on free ports), real HTTP clients and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    config.addinivalue_line("markers", "faults: the full fault matrix (0/5/20 %), run by `make test-faults`")


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    """The full fault matrix takes minutes: only `-m faults` selects it; the quick rate always runs."""
    if "faults" in (config.option.markexpr or ""):
        return
    deselected = [item for item in items if item.get_closest_marker("faults")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("faults")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Portal:
    """The running local stage."""

    def __init__(self, url: str, moto_port: int) -> None:
        self.url = url
        self.moto_port = moto_port

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        """Run the operations command against this portal's emulation."""
        env = {**os.environ, "MOTO_PORT": str(self.moto_port)}
        for name in ("AWS_ENDPOINT_URL", "PORTAL_STAGE", "PORTAL_TABLE_PREFIX"):
            env.pop(name, None)
        return subprocess.run([sys.executable, "-m", "chalicelib.manage", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    def create_user(self, username: str, password: str, *extra: str) -> None:
        result = self.manage("create-user", "--username", username, "--email", f"{username}@example.org",
                             "--password", password, *extra)
        assert result.returncode == 0, result.stderr

    def session(self) -> requests.Session:
        """A requests session that behaves like the portal's own pages (JSON, same origin)."""
        http = requests.Session()
        http.headers.update({"Content-Type": "application/json", "Origin": self.url})
        return http


@pytest.fixture(scope="session")
def portal():
    yield from running_portal("portal.log")


# The suite's failed logins all come from 127.0.0.1, many more than a person makes in a minute; the
# per-address limit has its own test with its own stage (test_login_e2e.py).
SUITE_IP_FAILURES_PER_MINUTE = "100000"


def running_portal(log_name: str, app_aws_endpoint: str | None = None, moto_port: int | None = None,
                   environment: dict[str, str] | None = None):
    """Start the local stage on free ports, yield it, stop it (the fuzz run starts its own; so does
    every pytest-xdist worker, the suite's portals being session fixtures).

    With `app_aws_endpoint` the portal's process talks to AWS there (a fault-injecting proxy in front
    of moto's server on `moto_port`); seeding and `Portal.manage` still use moto directly."""
    port, moto_port = free_port(), moto_port or free_port()
    # Mijn Aangifte (the demo relying party) runs only beside the stages of the tests that ask for it.
    env = {**os.environ, "PORT": str(port), "MOTO_PORT": str(moto_port), "DEMO_RP_PORT": "0",
           "PORTAL_IP_FAILURES_PER_MINUTE": SUITE_IP_FAILURES_PER_MINUTE, **(environment or {})}
    for name in ("AWS_ENDPOINT_URL", "PORTAL_STAGE", "PORTAL_TABLE_PREFIX"):
        env.pop(name, None)
    OUTPUT.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # each pytest-xdist worker runs portals of its own
    if worker:
        log_name = log_name.replace(".log", f"-{worker}.log")
    log = open(OUTPUT / log_name, "w")  # noqa: SIM115 - closed at teardown
    endpoint = ["--app-aws-endpoint", app_aws_endpoint] if app_aws_endpoint else []
    process = subprocess.Popen([sys.executable, "-m", "infra.local", "--port", str(port),
                                "--moto-port", str(moto_port), *endpoint], cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a ceiling only: on a busy machine start-up takes minutes
    while True:
        try:
            if requests.get(f"{url}/login", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            raise RuntimeError(f"local portal did not start; see {OUTPUT / log_name}")
        time.sleep(0.3)
    yield Portal(url, moto_port)
    _stop(process)
    log.close()


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM first: infra.local then stops the `chalice local` process it started (a SIGKILL would
    leave that one running)."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile speaking Dutch (the portal's default language)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-output/screenshots/."""
    folder = OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
# WCAG 2.1 levels A and AA (axe's tags); "serious" and "critical" findings fail a test.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
FAILING_IMPACTS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 AA violations on the page as it is now.

    axe is evaluated through the DevTools protocol: the portal's CSP (script-src 'self') rightly
    refuses an injected <script> tag, so `page.add_script_tag` cannot be used.
    """
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: run `make test` or `npm ci --prefix tests/e2e` first")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate("options => axe.run(document, options).then(result => result.violations)",
                               AXE_OPTIONS)
    return [violation for violation in violations if violation["impact"] in FAILING_IMPACTS]


@pytest.fixture(scope="session")
def check_accessibility():
    """`check_accessibility(page)` fails the test on any serious or critical WCAG 2.1 AA violation."""

    def check(page) -> None:
        violations = axe_violations(page)
        report = "\n".join(
            f"{violation['impact']}: {violation['id']} - {violation['help']} at "
            + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
            for violation in violations
        )
        assert not violations, f"axe on {page.url}:\n{report}"

    return check


def totp(secret: str, offset_seconds: int = 0) -> str:
    """The current code computed independently by oathtool (RFC 6238, SHA-1, 6 digits, 30 s)."""
    args = ["oathtool", "--totp", "-b", secret]
    if offset_seconds:
        args += ["-N", f"now + {offset_seconds} seconds" if offset_seconds > 0 else f"now - {-offset_seconds} seconds"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


# Time steps of TOTP codes already used per account: the portal accepts each step once, at the login
# and in the re-checks of sensitive changes alike.
_used_steps: dict[str, int] = {}


def fresh_code(username: str, secret: str) -> str:
    """A code for a time step this account has not used yet: this step's, else the next one's (also
    accepted), else the one after a wait for the next step. Never in a step's last second, so the
    code is of the step it was meant for."""
    while True:
        now = time.time()
        step = int(now // 30)
        used = _used_steps.get(username, -1)
        if used <= step and now % 30 < 29:
            offset = 0 if used < step else 30
            _used_steps[username] = step + offset // 30
            return totp(secret, offset)
        time.sleep(30 - now % 30 + 0.2)
