"""Sections of `make bench` that need a process of their own, because they point the storage layer
at moto's server in another process while the rest of the bench runs against moto in-process (one
process cannot switch its cached DynamoDB clients between the two).

    python -m bench.isolated import SIZE...   # bulk import (bench/import_bench.py); rows as JSON
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict

from bench.stage import ROOT
from bench.table import Row


def import_rows(sizes: list[int]) -> list[Row]:
    """Run the bulk-import section in a fresh process and return its rows."""
    result = subprocess.run([sys.executable, "-m", "bench.isolated", "import", *map(str, sizes)], cwd=ROOT,
                            capture_output=True, text=True, timeout=4 * 3600)
    if result.returncode:
        raise RuntimeError(f"bulk-import bench failed:\n{result.stderr[-3000:]}")
    return [Row(**row) for row in json.loads(result.stdout.strip().splitlines()[-1])]


def _measure_imports(sizes: list[int]) -> list[Row]:
    import logging

    from bench import import_bench
    from bench.stage import use_served_settings

    logging.disable(logging.INFO)  # the service's own log line per import is not part of the table
    with import_bench.served_aws() as port:
        use_served_settings(port)
        return import_bench.measure(sorted(sizes))


if __name__ == "__main__":
    if sys.argv[1] != "import":
        raise SystemExit(f"unknown section {sys.argv[1]!r}")
    print(json.dumps([asdict(row) for row in _measure_imports([int(size) for size in sys.argv[2:]])]))
