"""The stages the measurements run against.

- `in_process_stage()`: the local stage's settings, moto's mock_aws with every table and bucket,
  and chalice's test client over the real app, all in this process (handler times, request counts).
- `served_stage(flow_names)`: moto's server in a separate process, which also creates the tables
  and arranges the named flows; a fresh process then pointed at it (`use_served_settings`) has
  touched nothing before its first measured request, like a new Lambda instance.

    python -m bench.stage PORT FLOW_NAME...   # the serving side; prints the visitors' states
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _reset_settings() -> None:
    from chalicelib.settings import reset_settings

    reset_settings()


def use_local_settings() -> None:
    """The local stage's environment, with moto in this process instead of an endpoint URL."""
    from infra.local import local_environment

    variables = local_environment(moto_port=0)
    for name in ("AWS_ENDPOINT_URL", "MOTO_PORT"):
        variables.pop(name)
    os.environ.update(variables)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        os.environ.pop(name, None)
    _reset_settings()


def served_environment(port: int) -> dict[str, str]:
    """The whole environment of a process that talks to the served stage."""
    from infra.local import local_environment

    return {"PATH": os.environ.get("PATH", ""), **local_environment(port)}


def use_served_settings(port: int) -> None:
    os.environ.update(served_environment(port))
    os.environ.pop("AWS_PROFILE", None)
    _reset_settings()


@contextmanager
def in_process_stage() -> Iterator[Any]:
    """Yields chalice's test client for the app, against a fresh in-process AWS."""
    use_local_settings()
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from infra.local import provision

    with mock_aws():
        provision()
        with Client(app, stage_name="local") as client:
            yield client


@dataclass(frozen=True)
class ServedStage:
    port: int
    visitors: list[dict]  # the arranged visitors' states, in the order of the flow names


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served_stage(flow_names: list[str]) -> Iterator[ServedStage]:
    port = _free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen([sys.executable, "-m", "bench.stage", str(port), *flow_names], cwd=ROOT,
                                  env=served_environment(port), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=log, text=True)
        try:
            line = server.stdout.readline() if server.stdout else ""
            if not line.strip():
                server.wait(timeout=30)
                log.seek(0)
                raise RuntimeError(f"the served stage did not start:\n{log.read()[-3000:]}")
            yield ServedStage(port, json.loads(line))
        finally:
            if server.stdin:
                server.stdin.close()
            server.wait(timeout=30)


def serve(port: int, flow_names: list[str]) -> None:
    """moto's server on `port`, the tables, and each named flow arranged through the app."""
    from moto.server import ThreadedMotoServer

    use_served_settings(port)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        from chalice.test import Client

        from app import app
        from bench.flows import Visitor, by_name
        from infra.local import provision

        provision()
        states = []
        with Client(app, stage_name="local") as client:
            for name in flow_names:
                visitor = Visitor(client)
                by_name(name).arrange(visitor)
                states.append(visitor.state())
        print(json.dumps(states), flush=True)
        sys.stdin.read()  # until the measuring side closes the pipe
    finally:
        server.stop()


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2:])
