"""Handler time per flow, in-process against moto, split into what the flow cannot avoid and what
the service's own code adds.

For every flow the measured request's wall time is split into: argon2id (a chosen security cost,
timed where the request calls it, and also on its own with the configured parameters), the time
spent inside DynamoDB calls and other AWS calls such as SES (moto here; a few milliseconds each on
AWS), and the rest: the service's own code plus the framework. The floor for that rest is an
empty Chalice route served by the same test client.
"""

from __future__ import annotations

import contextlib
import functools
import io
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bench.dynamodb_requests import counting
from bench.flows import FLOWS, PASSWORD, Flow, Visitor


@dataclass(frozen=True)
class FlowFigures:
    flow: Flow
    requests: int
    operations: tuple[str, ...]
    # Medians over the repetitions; own = handler time without AWS calls and argon2id.
    handler_ms: float
    dynamodb_ms: float
    other_aws_ms: float  # SES (notifications), S3
    argon2_ms: float
    own_ms: float


@dataclass(frozen=True)
class Argon2Figures:
    memory_kib: int
    time_cost: int
    parallelism: int
    verify_ms: float


@contextlib.contextmanager
def time_spent_in(owner: type, *method_names: str,
                  bucket: Callable[..., str] = lambda *args: "all") -> Iterator[dict[str, float]]:
    """Seconds spent inside the named methods of a class while the block runs, per bucket (of the
    call's arguments); nested calls count once, in the outermost call's bucket."""
    spent: dict[str, float] = {}
    depth = [0]
    originals = {name: getattr(owner, name) for name in method_names}

    def timed(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            depth[0] += 1
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    name = bucket(*args)
                    spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    for name, method in originals.items():
        setattr(owner, name, timed(method))
    try:
        yield spent
    finally:
        for name, method in originals.items():
            setattr(owner, name, method)


def _service(client: Any, *_: Any) -> str:
    return client.meta.service_model.service_name


def measure_flow(client: Any, flow: Flow, repetitions: int) -> FlowFigures:
    from argon2 import PasswordHasher
    from botocore.client import BaseClient

    samples: dict[str, list[float]] = {part: [] for part in ("handler", "dynamodb", "other_aws", "argon2", "own")}
    operations: tuple[str, ...] = ()
    for _ in range(repetitions):
        visitor = Visitor(client)
        # The app logs one JSON line per request to stderr: kept (it is part of the cost), not shown.
        with contextlib.redirect_stderr(io.StringIO()):
            flow.arrange(visitor)
            with counting() as requests, time_spent_in(BaseClient, "_make_api_call", bucket=_service) as aws, \
                    time_spent_in(PasswordHasher, "hash", "verify") as argon2:
                started = time.perf_counter()
                response = flow.act(visitor)
                elapsed = time.perf_counter() - started
        if response.status_code != flow.status:
            raise RuntimeError(f"{flow.name}: answered {response.status_code}, expected {flow.status}")
        dynamodb = aws.pop("dynamodb", 0.0)
        other_aws, hashing = sum(aws.values()), argon2.get("all", 0.0)
        parts = {"handler": elapsed, "dynamodb": dynamodb, "other_aws": other_aws, "argon2": hashing,
                 "own": elapsed - dynamodb - other_aws - hashing}
        for part, seconds in parts.items():
            samples[part].append(seconds * 1000)
        operations = tuple(requests.operations)
    medians = {part: statistics.median(values) for part, values in samples.items()}
    return FlowFigures(flow, len(operations), operations, **{f"{part}_ms": ms for part, ms in medians.items()})


def measure_flows(client: Any, repetitions: int) -> list[FlowFigures]:
    return [measure_flow(client, flow, repetitions) for flow in FLOWS]


def measure_argon2(repetitions: int) -> Argon2Figures:
    from chalicelib.security import passwords
    from chalicelib.settings import get_settings

    settings = get_settings()
    stored = passwords.hash_password(PASSWORD)
    timings = []
    for _ in range(repetitions):
        started = time.perf_counter()
        passwords.verify_password(stored, PASSWORD)
        timings.append((time.perf_counter() - started) * 1000)
    return Argon2Figures(settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism,
                         statistics.median(timings))


def measure_empty_route(repetitions: int) -> float:
    """The floor: a Chalice app with one route that returns an empty JSON object."""
    from chalice import Chalice
    from chalice.test import Client

    empty = Chalice(app_name="empty", configure_logs=False)

    @empty.route("/empty")
    def answer() -> dict:
        return {}

    timings = []
    with Client(empty) as client:
        for _ in range(repetitions):
            started = time.perf_counter()
            client.http.get("/empty")
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)
