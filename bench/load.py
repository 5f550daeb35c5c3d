"""A bounded load test of the local stage (loopback only; it stops by itself).

    python -m bench.load [--clients 50 100] [--seconds 60] [--markdown]

Starts the local stage as `make run` does (moto's server + `chalice local`) on free ports, creates
enough accounts with 2FA, then for each client count runs that many concurrent clients for the
given time, each repeating the whole login: password, TOTP code, GET /me, logout. It prints
throughput, latency percentiles per request and per login, every non-2xx status and every
connection error or timeout, and argon2id verifications per second per core (during the load and,
alone, on one core). The stage sheds load as configured (PORTAL_LOCAL_CONCURRENCY, PORTAL_LOCAL_QUEUE,
PORTAL_LOCAL_QUEUE_SECONDS, infra/chalice_local.py); a client whose login is shed (503) or throttled
(429) waits as long as Retry-After asks before its next one. A TOTP code works once per account and
time step, so each login takes an account whose next step is due; the accounts are many enough that
this never limits the rate.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import requests

from bench.stage import _free_port
from bench.table import Row, markdown, text

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Load-Test-Willemstad-2026"
REQUEST_TIMEOUT = 30  # seconds: longer than API Gateway's 29 s, so a hang shows as a timeout
ACCOUNTS = 600


@dataclass
class Results:
    login_ms: list[float] = field(default_factory=list)
    request_ms: dict[str, list[float]] = field(default_factory=lambda: {"password": [], "totp": [], "me": [],
                                                                         "logout": []})
    statuses: Counter = field(default_factory=Counter)
    connection_errors: Counter = field(default_factory=Counter)
    completed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Accounts:
    """Accounts and the next TOTP step each may use (a step at most one ahead of now is accepted)."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self._next_step = {name: 0 for name in secrets}
        self._secrets = secrets
        self._busy: set[str] = set()
        self._lock = threading.Lock()

    def take(self) -> str | None:
        """An idle account whose next step is due; a later step's login of the same account must not
        overtake an earlier one still in flight (the replay guard would then refuse the earlier code)."""
        now_step = int(time.time() // 30)
        with self._lock:
            for name, step in self._next_step.items():
                if name not in self._busy and max(step, now_step) <= now_step + 1:
                    self._busy.add(name)
                    return name
        return None

    def code(self, name: str) -> str:
        """The code to type now (a code read when the login started may be stale by the second step)."""
        with self._lock:
            use = max(self._next_step[name], int(time.time() // 30))
            self._next_step[name] = use + 1
            return pyotp.TOTP(self._secrets[name]).at(use * 30)

    def release(self, name: str) -> None:
        with self._lock:
            self._busy.discard(name)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def start_stage(port: int, moto_port: int) -> subprocess.Popen:
    env = {**os.environ, "PORT": str(port), "MOTO_PORT": str(moto_port)}
    for name in ("AWS_ENDPOINT_URL", "PORTAL_STAGE", "PORTAL_TABLE_PREFIX"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "infra.local", "--port", str(port), "--moto-port",
                                str(moto_port), "--no-seed"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("the local stage did not start")


def create_accounts(moto_port: int, count: int) -> dict[str, str]:
    """Accounts with 2FA, written straight into the stage's tables (one argon2 hash shared: the
    hash's own salt makes it valid for every account, and hashing 600 times would only cost time)."""
    from bench.stage import use_served_settings

    use_served_settings(moto_port)
    from chalicelib.security import passwords, totp
    from chalicelib.services.accounts import new_account
    from chalicelib.storage.users import UsernameTakenError, create_user

    secrets: dict[str, str] = {}
    password_hash = passwords.hash_password(PASSWORD)
    for index in range(count):
        name = f"load.{index:04d}"
        secrets[name] = totp.new_secret()
        user = new_account(name, f"{name}@example.org", None, totp_secret=secrets[name])
        user.password_hash = password_hash
        try:
            create_user(user)
        except UsernameTakenError:
            pass  # botocore sent the write again after a slow answer: the first one stored this very item
    return secrets


def client(url: str, accounts: Accounts, deadline: float, results: Results) -> None:
    headers = {"Content-Type": "application/json", "Origin": url}
    while time.monotonic() < deadline:
        name = accounts.take()
        if name is None:
            time.sleep(0.2)
            continue
        http = requests.Session()
        http.headers.update(headers)
        started = time.perf_counter()
        steps = (("password", "post", "/api/v1/auth/login", {"username": name, "password": PASSWORD}),
                 ("totp", "post", "/api/v1/auth/totp", None),
                 ("me", "get", "/api/v1/me", None),
                 ("logout", "post", "/api/v1/auth/logout", {}))
        ok = True
        response = None
        for label, method, path, payload in steps:
            if label == "totp":
                payload = {"code": accounts.code(name)}
            begun = time.perf_counter()
            try:
                response = getattr(http, method)(f"{url}{path}", json=payload, timeout=REQUEST_TIMEOUT)
            except requests.Timeout:
                with results.lock:
                    results.connection_errors[f"{label}: timeout"] += 1
                ok = False
                break
            except requests.ConnectionError as error:
                with results.lock:
                    results.connection_errors[f"{label}: {type(error).__name__}"] += 1
                ok = False
                break
            elapsed = (time.perf_counter() - begun) * 1000
            status = f"{label} {response.status_code}"
            if response.status_code >= 400:
                try:
                    status += f" {response.json()['error']['code']}"
                except (ValueError, KeyError, TypeError):
                    status += " (not the error envelope)"
            with results.lock:
                results.request_ms[label].append(elapsed)
                results.statuses[status] += 1
            if response.status_code >= 300:
                ok = False
                break
        accounts.release(name)
        if not ok and response is not None and response.status_code in (429, 503):
            # A shed or throttled login waits as long as Retry-After asks, as the portal's pages do.
            time.sleep(min(float(response.headers.get("Retry-After", "1")), max(0.0, deadline - time.monotonic())))
        if ok:
            with results.lock:
                results.completed += 1
                results.login_ms.append((time.perf_counter() - started) * 1000)


def run(url: str, secrets: dict[str, str], clients: int, seconds: int) -> tuple[Results, float]:
    results = Results()
    accounts = Accounts(secrets)
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(url, accounts, deadline, results), daemon=True)
               for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 2 * REQUEST_TIMEOUT * 4)
    return results, time.monotonic() - started


def argon2_per_core(seconds: float = 3.0) -> float:
    from chalicelib.security import passwords

    stored = passwords.hash_password(PASSWORD)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        passwords.verify_password(stored, PASSWORD)
        count += 1
    return count / (time.perf_counter() - started)


def rows_for(clients: int, results: Results, elapsed: float) -> list[Row]:
    area = f"load {clients}"
    logins_per_second = results.completed / elapsed
    problems = {status: count for status, count in results.statuses.items() if status.split()[1] not in ("200", "204")}
    rows = [
        Row(area, f"complete logins (password + TOTP + /me + logout) in {elapsed:.0f} s",
            f"{results.completed} ({logins_per_second:.1f}/s)", "", ""),
        Row(area, "login wall time p50 / p95 / p99",
            " / ".join(f"{percentile(results.login_ms, share):.0f}" for share in (0.5, 0.95, 0.99)) + " ms", "", ""),
    ]
    for label, values in results.request_ms.items():
        rows.append(Row(area, f"{label} p50 / p95 / p99 ({len(values)} requests)",
                        " / ".join(f"{percentile(values, share):.0f}" for share in (0.5, 0.95, 0.99)) + " ms", "",
                        ""))
    rows.append(Row(area, "requests answered per second (any status)",
                    f"{sum(len(values) for values in results.request_ms.values()) / elapsed:.1f}", "", ""))
    evaluated = sum(count for status, count in results.statuses.items()
                    if status.split()[:2] in (["password", "200"], ["password", "401"]))
    rows.append(Row(area, f"argon2id verifications per second (password steps answered 200/401), per core of "
                    f"{os.cpu_count()}", f"{evaluated / elapsed / (os.cpu_count() or 1):.1f}", "", ""))
    rows.append(Row(area, "answers other than 200/204", ", ".join(f"{k}: {v}" for k, v in sorted(problems.items()))
                    or "none", "429/503 only under overload", "ok" if all(
                        status.split()[1] in ("429", "503") for status in problems) else "MISSED"))
    rows.append(Row(area, "connection errors and timeouts",
                    ", ".join(f"{k}: {v}" for k, v in sorted(results.connection_errors.items())) or "none", "none",
                    "ok" if not results.connection_errors else "MISSED"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 100])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--accounts", type=int, default=ACCOUNTS)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)

    port, moto_port = _free_port(), _free_port()
    stage = start_stage(port, moto_port)
    try:
        secrets = create_accounts(moto_port, args.accounts)
        per_core = argon2_per_core()
        rows = [Row("load", "argon2id verifications per second, one core, nothing else running here",
                    f"{per_core:.1f}", "", "")]
        for clients in args.clients:
            results, elapsed = run(f"http://127.0.0.1:{port}", secrets, clients, args.seconds)
            rows.extend(rows_for(clients, results, elapsed))
    finally:
        stage.terminate()
        try:
            stage.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stage.kill()
    print(markdown(rows) if args.markdown else text(rows))
    return 1 if any(row.verdict == "MISSED" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
