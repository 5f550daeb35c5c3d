"""The first request after a cold start: what a new Lambda instance pays on top of `import app`
before its first answer (DynamoDB clients built, libraries imported on first use), against the same
request once warm.

Each measuring process is fresh and touches AWS for the first time with the measured request: the
tables and accounts are set up in the separate process of `bench.stage.served_stage`.

    python -m bench.first_request PORT   # reads two arranged visitors' states on stdin; prints JSON
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from bench.stage import ROOT, served_environment, served_stage

FLOW = "password step, success"


@dataclass(frozen=True)
class FirstRequest:
    first_ms: float  # medians over fresh processes
    warm_ms: float
    runs: int


def measure_once(port: int, states: list[dict]) -> dict[str, float]:
    """In this (fresh) process: import the app, then the flow's request for each visitor, timed."""
    import contextlib
    import io

    from bench.stage import use_served_settings

    use_served_settings(port)
    from chalice.test import Client

    import app
    from bench.flows import Visitor, by_name

    flow = by_name(FLOW)
    timings = []
    with Client(app.app, stage_name="local") as client, contextlib.redirect_stderr(io.StringIO()):
        for state in states:
            visitor = Visitor(client, state)
            started = time.perf_counter()
            flow.act(visitor)
            timings.append((time.perf_counter() - started) * 1000)
            visitor.expect(flow.status)
    return {"first_ms": timings[0], "warm_ms": timings[-1]}


def measure(runs: int = 5) -> FirstRequest:
    samples = []
    with served_stage([FLOW] * 2 * runs) as stage:
        for run in range(runs):
            result = subprocess.run([sys.executable, "-m", "bench.first_request", str(stage.port)], cwd=ROOT,
                                    input=json.dumps(stage.visitors[2 * run:2 * run + 2]),
                                    env=served_environment(stage.port), capture_output=True, text=True, timeout=300)
            if result.returncode:
                raise RuntimeError(f"first-request measurement failed:\n{result.stderr[-3000:]}")
            samples.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return FirstRequest(statistics.median(sample["first_ms"] for sample in samples),
                        statistics.median(sample["warm_ms"] for sample in samples), runs)


if __name__ == "__main__":
    print(json.dumps(measure_once(int(sys.argv[1]), json.load(sys.stdin))))
