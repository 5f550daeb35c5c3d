"""Cold start: the wall time of a fresh interpreter importing the app, against one importing only the
libraries no Chalice + PynamoDB app can do without (the floor). Runs are interleaved so that load
from elsewhere on the machine hits both sides alike."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from bench.stage import ROOT

APP = "import app"
FLOOR = "import chalice, boto3, pynamodb.models"
TARGET_RATIO = 1.15


@dataclass(frozen=True)
class ColdStart:
    app_ms: float
    floor_ms: float
    runs: int

    @property
    def ratio(self) -> float:
        return self.app_ms / self.floor_ms


def _fresh_import(code: str) -> float:
    # Lambda's environment: no terminal, nothing but the function's own variables.
    env = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_FUNCTION_NAME": "bench"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def measure(runs: int = 7) -> ColdStart:
    # One unmeasured run each first, so both sides read compiled bytecode and warm file caches.
    _fresh_import(APP)
    _fresh_import(FLOOR)
    app, floor = [], []
    for _ in range(runs):
        app.append(_fresh_import(APP))
        floor.append(_fresh_import(FLOOR))
    return ColdStart(statistics.median(app), statistics.median(floor), runs)
