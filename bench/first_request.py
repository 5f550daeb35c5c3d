"""The first request after a cold start: what a new Lambda instance pays on top of `import app`
before its first answer (DynamoDB clients built, libraries imported on first use), against the same
request once warm.

The measured process must not have touched AWS before (setting up tables would build its clients),
so moto's server runs in a separate process that also creates the tables and the account:

    python -m bench.first_request --serve PORT      # moto's server, tables, one account; "ready"
    python -m bench.first_request --measure PORT    # import app, log in twice; prints JSON
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from bench.flows import PASSWORD
from bench.stage import ROOT

USERNAME = "bench.first"


@dataclass(frozen=True)
class FirstRequest:
    first_ms: float  # medians over fresh processes
    warm_ms: float
    runs: int


def _environment(port: int) -> dict[str, str]:
    from infra.local import local_environment

    return {"PATH": os.environ.get("PATH", ""), **local_environment(port)}


def serve(port: int) -> None:
    from moto.server import ThreadedMotoServer

    os.environ.update(_environment(port))
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    from chalicelib.services.accounts import create_account
    from infra.local import provision

    provision()
    create_account(USERNAME, f"{USERNAME}@example.org", PASSWORD)
    print("ready", flush=True)
    sys.stdin.read()  # until the measuring side closes the pipe
    server.stop()


def measure_once() -> dict[str, float]:
    import contextlib
    import io

    from chalice.test import Client

    import app

    timings = []
    with Client(app.app, stage_name="local") as client, contextlib.redirect_stderr(io.StringIO()):
        for _ in range(2):
            started = time.perf_counter()
            response = client.http.post("/api/v1/auth/login", headers={"Content-Type": "application/json"},
                                        body=json.dumps({"username": USERNAME, "password": PASSWORD}))
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"login answered {response.status_code}: {response.body!r}")
    return {"first_ms": timings[0], "warm_ms": timings[1]}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(runs: int = 5) -> FirstRequest:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.first_request", "--serve", str(port)], cwd=ROOT,
                              env=_environment(port), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        if server.stdout is None or server.stdout.readline().strip() != "ready":
            raise RuntimeError("moto's server for the first-request measurement did not start")
        samples = []
        for _ in range(runs):
            result = subprocess.run([sys.executable, "-m", "bench.first_request", "--measure", str(port)], cwd=ROOT,
                                    env=_environment(port), capture_output=True, text=True, check=True, timeout=300)
            samples.append(json.loads(result.stdout.strip().splitlines()[-1]))
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=30)
    return FirstRequest(statistics.median(sample["first_ms"] for sample in samples),
                        statistics.median(sample["warm_ms"] for sample in samples), runs)


if __name__ == "__main__":
    mode, port_argument = sys.argv[1], int(sys.argv[2])
    if mode == "--serve":
        serve(port_argument)
    else:
        print(json.dumps(measure_once()))
