"""`python -m bench [--quick] [--markdown]` (what `make bench` runs): measures cold start (import
and first request), DynamoDB requests and handler time per flow, the argon2id cost, bulk import
(bench/import_bench.py) and the deployment package, and prints one table with every figure next to
its floor or target. Exit code 1 when a target is missed.

`--quick` takes fewer repetitions and a small import file (a smoke run); `--markdown` prints the
table for bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import cold_start, first_request, handler_time, isolated, package_size
from bench.stage import ROOT, in_process_stage
from bench.table import Row, markdown, text, verdict


def cold_start_rows(runs: int) -> list[Row]:
    figures = cold_start.measure(runs)
    return [
        Row("cold start", f"fresh `python -c \"{cold_start.APP}\"`, median of {runs}", f"{figures.app_ms:.0f} ms",
            f"floor `{cold_start.FLOOR}` {figures.floor_ms:.0f} ms", ""),
        Row("cold start", "ratio app / floor", f"{figures.ratio:.2f}", f"target <= {cold_start.TARGET_RATIO}",
            verdict(figures.ratio <= cold_start.TARGET_RATIO)),
    ]


def first_request_rows(runs: int) -> list[Row]:
    figures = first_request.measure(runs)
    return [Row("cold start", f"first password step of a fresh process, median of {runs}",
                f"{figures.first_ms:.0f} ms", f"same request warm {figures.warm_ms:.0f} ms",
                f"+{figures.first_ms - figures.warm_ms:.0f} ms once per instance")]


def login_path_rows() -> list[Row]:
    result = subprocess.run([sys.executable, "-m", "bench.login_paths"], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    outcome = json.loads(result.stdout.strip().splitlines()[-1])

    def listed(loaded: dict[str, str]) -> str:
        return ", ".join(f"{name} ({importer})" for name, importer in loaded.items()) or "none"

    return [
        Row("cold start", "argon2/cryptography/reportlab/segno/jinja2 loaded by `import app`",
            listed(outcome["loaded_by_import_app"]), "target none", verdict(not outcome["loaded_by_import_app"])),
        Row("cold start", "reportlab/segno/jinja2 loaded by login, 2FA and session paths",
            listed(outcome["heavy_modules"]), "target none", verdict(not outcome["heavy_modules"])),
    ]


def flow_rows(repetitions: int) -> list[Row]:
    with in_process_stage() as client:
        flows = handler_time.measure_flows(client, repetitions)
    argon2 = handler_time.measure_argon2(repetitions)
    empty_ms = handler_time.measure_empty_route(repetitions * 10)
    rows = []
    for figures in flows:
        target = figures.flow.target
        rows.append(Row(
            "DynamoDB", f"requests: {figures.flow.name}",
            f"{figures.requests} ({', '.join(figures.operations)})",
            f"target <= {target}" if target is not None else "no target",
            verdict(figures.requests <= target) if target is not None else "",
        ))
    for figures in flows:
        parts = {"argon2": figures.argon2_ms, "DynamoDB": figures.dynamodb_ms, "SES/S3": figures.other_aws_ms}
        spent = " + ".join(f"{part} {ms:.1f}" for part, ms in parts.items() if ms >= 0.05)
        rows.append(Row(
            "handler", f"ms, median of {repetitions}: {figures.flow.name}",
            f"own {figures.own_ms:.1f} (total {figures.handler_ms:.1f}: {spent} + own)",
            f"floor: empty Chalice route {empty_ms:.1f}", f"own +{figures.own_ms - empty_ms:.1f} ms over floor",
        ))
    rows.append(Row("handler", "argon2id verify, m/t/p = "
                    f"{argon2.memory_kib} KiB/{argon2.time_cost}/{argon2.parallelism}",
                    f"{argon2.verify_ms:.1f} ms", "chosen security cost (docs/security.md: >= 19 MiB, t=2, p=1)", ""))
    return rows


def package_rows() -> list[Row]:
    figures = package_size.measure()
    rows = []
    for label, attribute in (("zipped", "zipped"), ("unzipped", "unzipped")):
        ours, naive = getattr(figures.package, attribute), getattr(figures.naive, attribute)
        rows.append(Row("package", f"deployment.zip, {label}", f"{ours / 1e6:.1f} MB",
                        f"naive package {naive / 1e6:.1f} MB", f"{ours / naive:.2f} x naive"))
    return rows


def machine() -> str:
    cpu = platform.machine()
    with contextlib.suppress(OSError):
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    load = os.getloadavg()
    return (f"{time.strftime('%Y-%m-%d %H:%M')} | {cpu}, {os.cpu_count()} cores | {platform.system()} | "
            f"Python {platform.python_version()} | load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    repetitions = 3 if args.quick else 15
    started = machine()
    rows = [*cold_start_rows(3 if args.quick else 7), *first_request_rows(3 if args.quick else 7),
            *login_path_rows(), *flow_rows(repetitions),
            *isolated.import_rows([1_000] if args.quick else [10_000, 100_000]), *package_rows()]
    load = os.getloadavg()
    print(f"bench: {started} (at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")
    print(markdown(rows) if args.markdown else text(rows))
    return 1 if any(row.verdict == "MISSED" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
