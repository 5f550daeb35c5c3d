"""Bulk import at scale: generated files of 10,000 and 100,000 rows through the real processing code
(services/import_processing.py `process`, what the S3 event starts), against moto's server in a separate
process, so this process holds only what the processing itself holds (as a Lambda instance would).

For each size it reports rows per second, the DynamoDB write requests (BatchWriteItem against its
floor ceil(rows/25), plus the job's progress and status writes), and the peak memory of processing
(tracemalloc, a separate run of the same size: it must not grow with the row count). Also: a
re-import of the same file (0 new items), a dry run of the largest file, and the client-notice pass.

    .venv/bin/python -m bench.import_bench [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.stage import ROOT, _free_port, served_environment, use_served_settings
from bench.table import Row, text, verdict

HOOK_ID = "bench-import-requests"
WRITES = ("BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")
LAMBDA_LIMIT_SECONDS = 900
TAX_TYPES = ("IB", "WB", "OB", "LB")


# ---------------------------------------------------------------- the AWS side (a separate process)


def serve(port: int) -> None:
    """moto's server with the local stage's tables and buckets, until stdin closes."""
    from moto.server import ThreadedMotoServer

    use_served_settings(port)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the emulator's per-request lines
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        from infra.local import provision

        provision()
        print("ready", flush=True)
        sys.stdin.read()
    finally:
        server.stop()


@contextmanager
def served_aws() -> Iterator[int]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.import_bench", "--serve", str(port)], cwd=ROOT,
                              env=served_environment(port), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if (server.stdout.readline() if server.stdout else "").strip() != "ready":
            raise RuntimeError("moto's server did not start")
        yield port
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=60)


# ---------------------------------------------------------------- measuring


@dataclass
class Outcome:
    rows: int
    seconds: float
    cpu_seconds: float
    requests: Counter
    job: dict
    peak_bytes: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_1000(self) -> float:
        return self.cpu_seconds * 1000 / self.rows * 1000

    @property
    def batch_writes(self) -> int:
        return self.requests["BatchWriteItem"]

    @property
    def other_writes(self) -> int:
        return sum(self.requests[name] for name in WRITES) - self.batch_writes


@contextmanager
def counting() -> Iterator[Counter]:
    """DynamoDB requests by operation, from a botocore hook on every client the storage layer uses."""
    from chalicelib.storage.base import transaction_connection
    from chalicelib.storage.import_jobs import ImportSlot
    from chalicelib.storage.tables import models

    counts: Counter = Counter()

    def before_call(event_name: str, **_: object) -> None:
        counts[event_name.rsplit(".", 1)[-1]] += 1

    connections = [model._get_connection().connection for model in [*models(), ImportSlot]]
    emitters: list = []
    for events in [connection.client.meta.events for connection in connections] + [
            transaction_connection().client.meta.events]:
        if all(events is not known for known in emitters):
            emitters.append(events)
    for events in emitters:
        events.register("before-call.dynamodb", before_call, unique_id=HOOK_ID)
    try:
        yield counts
    finally:
        for events in emitters:
            events.unregister("before-call.dynamodb", unique_id=HOOK_ID)


def generated_file(rows: int) -> str:
    """A CSV of `rows` distinct authorizations (each client with all four tax types), written to disk."""
    handle, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        out.write("client_crib,tax_type,start_date,end_date,reference\r\n")
        for index in range(rows):
            out.write(f"{100_000_000 + index // 4:09d},{TAX_TYPES[index % 4]},2027-01-01,,REF-{index}\r\n")
    return path


class Firm:
    """A representative account and its imports (each run of the bench uses its own firm)."""

    count = 0

    def __init__(self) -> None:
        from chalicelib.services.accounts import create_account

        Firm.count += 1
        self.crib = f"{900_000_000 + Firm.count:09d}"
        self.user = create_account(f"bench.firm{Firm.count}.{int(time.time())}", f"firm{Firm.count}@bench.local",
                                   None, roles=["representative"], crib=self.crib, firm_name=f"Bench {Firm.count}")

    def upload(self, path: str, dry_run: bool = False) -> str:
        import boto3

        from chalicelib.services import imports
        from chalicelib.services.audit import RequestContext
        from chalicelib.settings import get_settings

        started = imports.request_import(self.user, dry_run, RequestContext())
        boto3.client("s3").upload_file(path, get_settings().imports_bucket,
                                       started["upload"]["fields"]["key"])
        return started["import_id"]


def process(import_id: str, rows: int, trace_memory: bool = False) -> Outcome:
    """Run the processing function's code on one uploaded import; the client notices it sends when
    done are deferred to `send_notices` (timed apart). tracemalloc slows Python down several
    times, so memory is measured in runs of its own."""
    from chalicelib.services import import_processing
    from chalicelib.storage.import_jobs import get_job

    with counting() as requests, deferred_notices():
        if trace_memory:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        status = import_processing.process(import_id)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if trace_memory else 0
        tracemalloc.stop()
    job = get_job(import_id)
    assert status == "done" and job is not None, status
    counts = {name: int(getattr(job, name)) for name in ("total", "imported", "skipped", "failed")}
    return Outcome(rows, seconds, cpu_seconds, requests, counts, peak)


_deferred: list[tuple] = []


@contextmanager
def deferred_notices() -> Iterator[None]:
    from chalicelib.services import import_notices

    original = import_notices.notify
    import_notices.notify = lambda *args: _deferred.append(args)
    try:
        yield
    finally:
        import_notices.notify = original


def take_deferred() -> list[tuple]:
    """The client-notice passes the processing deferred since the last call."""
    taken = list(_deferred)
    _deferred.clear()
    return taken


def send_notices(passes: list[tuple]) -> float:
    """Run deferred client-notice passes; their wall time in seconds."""
    from chalicelib.services import import_notices

    started = time.perf_counter()
    for arguments in passes:
        import_notices.notify(*arguments)
    return time.perf_counter() - started


def megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB"


# Re-imports and client notices read every item back from the emulator, whose reads cost milliseconds
# per item (its response serializer): they are measured up to this size only.
FULL_UP_TO = 10_000


def size_rows(size: int, path: str) -> tuple[list[Row], int]:
    """The figures of one file size; also returns the processing's peak memory."""
    firm = Firm()
    first = process(firm.upload(path), size)
    notices = take_deferred()
    assert first.job == {"total": size, "imported": size, "skipped": 0, "failed": 0}, first.job
    floor, label = math.ceil(size / 25), f"{size:,} rows"
    lookups = math.ceil(size / 100)
    figures = [
        Row("bulk import", f"{label}: processing time (against moto's server)", f"{first.seconds:.1f} s",
            f"Lambda limit {LAMBDA_LIMIT_SECONDS} s", verdict(first.seconds < LAMBDA_LIMIT_SECONDS / 3)),
        Row("bulk import", f"{label}: rows per second", f"{first.rows_per_second:,.0f}", "", ""),
        Row("bulk import", f"{label}: CPU of the processing code itself",
            f"{first.cpu_ms_per_1000:.0f} ms per 1,000 rows", "the rest is waiting for DynamoDB", ""),
        Row("bulk import", f"{label}: BatchWriteItem requests", f"{first.batch_writes:,}",
            f"floor ceil({size:,}/25) = {floor:,}", verdict(first.batch_writes == floor)),
        Row("bulk import", f"{label}: other write requests (progress, job, slot, audit)", f"{first.other_writes:,}",
            "one per 1,000 rows + a few", verdict(first.other_writes <= size // 1000 + 10)),
        Row("bulk import", f"{label}: BatchGetItem requests (which keys exist)", f"{first.requests['BatchGetItem']:,}",
            f"ceil({size:,}/100) = {lookups:,}", verdict(first.requests["BatchGetItem"] == lookups)),
    ]
    traced = process(Firm().upload(path), size, trace_memory=True)
    take_deferred()  # the same work as the first run's notices
    figures.append(Row("bulk import", f"{label}: peak memory of processing (tracemalloc, a run of its own)",
                       megabytes(traced.peak_bytes), "flat: must not grow with rows", ""))
    if size > FULL_UP_TO:
        return figures, traced.peak_bytes
    notice_seconds = send_notices(notices)
    again = process(firm.upload(path), size)
    return [*figures,
            Row("bulk import", f"{label}: re-import of the same file",
                f"{again.job['imported']} new, {again.job['skipped']:,} skipped, {again.batch_writes} BatchWriteItem, "
                f"{again.seconds:.1f} s", "0 new items",
                verdict(again.job["imported"] == 0 and again.batch_writes == 0)),
            Row("bulk import", f"{label}: client notices, {size // 4:,} clients (none with an account here)",
                f"{notice_seconds:.1f} s", "after the job is done", "")], traced.peak_bytes


WARM_UP_ROWS = 200


def measure(sizes: list[int]) -> list[Row]:
    rows: list[Row] = []
    peaks: dict[int, int] = {}
    # A first import loads botocore's service models and pynamodb's table descriptions once per process
    # (as a Lambda instance does once): not part of what an import of N rows holds.
    warm_up = generated_file(WARM_UP_ROWS)
    process(Firm().upload(warm_up), WARM_UP_ROWS, trace_memory=True)
    take_deferred()
    os.unlink(warm_up)
    for size in sizes:
        path = generated_file(size)
        try:
            figures, peaks[size] = size_rows(size, path)
            rows += figures
            if size == max(sizes):
                dry = process(Firm().upload(path, dry_run=True), size, trace_memory=True)
                take_deferred()
                rows.append(Row("bulk import", f"{size:,} rows: dry run peak memory (remembers 128-bit keys)",
                                megabytes(dry.peak_bytes), "bounded by the 100,000-row limit",
                                verdict(dry.batch_writes == 0 and dry.job["imported"] == size)))
        finally:
            os.unlink(path)
    if len(peaks) > 1:
        smallest, largest = min(peaks), max(peaks)
        ratio = peaks[largest] / peaks[smallest]
        rows.append(Row("bulk import", f"peak memory {largest:,} / {smallest:,} rows", f"{ratio:.2f}x",
                        f"rows grew {largest / smallest:.0f}x; target <= 1.25x", verdict(ratio <= 1.25)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_bench")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    logging.disable(logging.INFO)  # one line per import is the service's own business, not the table's
    with served_aws() as port:
        use_served_settings(port)
        rows = measure(sorted(args.sizes))
    print(text(rows))
    return 0 if all(row.verdict != "MISSED" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
