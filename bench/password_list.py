"""`python -m bench.password_list [--markdown] [--samples N]`: the bundled list of breached and common
passwords (chalicelib/security/data/): its size in the package (raw and zipped), the time to load it,
one lookup and one whole check of a new password, and the false-positive rate measured on random
passwords that are on no list, next to the designed rate.

Each figure is a median over repeated runs in this process; the random passwords are made with
`secrets` before timing starts, so only the lookups are timed.
"""

from __future__ import annotations

import argparse
import io
import secrets
import statistics
import string
import time
import zipfile

from bench.table import Row, markdown, text, verdict
from chalicelib.security import password_list, passwords

# A lookup stays far below a millisecond next to an argon2id verification (tens of milliseconds).
TARGET_LOOKUP_US = 100
TARGET_CHECK_US = 500
PACKAGE_LIMIT_BYTES = 12_000_000


def _random_passwords(count: int, length: int = 16) -> list[str]:
    alphabet = string.ascii_letters + string.digits + "-_!#"
    return ["".join(secrets.choice(alphabet) for _ in range(length)) for _ in range(count)]


def _median_us(function, values: list[str], repeats: int = 5) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for value in values:
            function(value)
        runs.append((time.perf_counter() - started) / len(values) * 1e6)
    return statistics.median(runs)


def measure(samples: int) -> list[Row]:
    data = password_list.PATH.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("breached_passwords.bloom", data)
    loads = []
    for _ in range(7):
        password_list.bundled.cache_clear()
        started = time.perf_counter()
        bundled = password_list.bundled()
        loads.append((time.perf_counter() - started) * 1000)
    randoms = _random_passwords(samples)
    listed_words = ["password", "iloveyou", "sunshine", "qwertyuiop", "1qaz2wsx3edc"] * (2000 // 5)
    lookup_us = _median_us(password_list.is_listed, randoms[:20000])
    listed_us = _median_us(password_list.is_listed, listed_words)
    check_us = _median_us(lambda value: passwords.password_problem(value, username="jan.jansen",
                                                                   email="jan@example.org"), randoms[:5000])
    false_positives = sum(value in bundled for value in randoms)
    refused = sum(passwords.is_breached(value) for value in randoms[:50000])
    rate = false_positives / len(randoms)
    return [
        Row("password list", "entries", f"{bundled.count:,}", "target >= 100,000", verdict(bundled.count >= 100_000)),
        Row("password list", "file in the package", f"{len(data):,} bytes",
            f"zipped {len(buffer.getvalue()):,} bytes; the whole zip < {PACKAGE_LIMIT_BYTES / 1e6:.0f} MB", ""),
        Row("password list", "bit array (m bits, k hashes)", f"{bundled.bits:,}, {bundled.hashes}", "", ""),
        Row("password list", "load once per container, median of 7", f"{statistics.median(loads):.2f} ms", "", ""),
        Row("password list", "one lookup, unlisted (median of 5 x 20,000)", f"{lookup_us:.1f} us",
            f"target <= {TARGET_LOOKUP_US} us", verdict(lookup_us <= TARGET_LOOKUP_US)),
        Row("password list", "one lookup, listed (all k bits read)", f"{listed_us:.1f} us",
            f"target <= {TARGET_LOOKUP_US} us", verdict(listed_us <= TARGET_LOOKUP_US)),
        Row("password list", "whole new-password check (up to 4 lookups, context words)", f"{check_us:.1f} us",
            f"target <= {TARGET_CHECK_US} us", verdict(check_us <= TARGET_CHECK_US)),
        Row("password list", f"false positives, one lookup, {len(randoms):,} random 16-character passwords",
            f"{false_positives} ({rate:.1e})", f"designed {password_list.FALSE_POSITIVE_RATE:.0e}",
            verdict(rate <= password_list.FALSE_POSITIVE_RATE * 3)),
        Row("password list", "random 16-character passwords refused as breached (all lookups), of 50,000",
            f"{refused}", f"designed <= {4 * password_list.FALSE_POSITIVE_RATE * 50000:.0f}", ""),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--samples", type=int, default=200_000)
    arguments = parser.parse_args(argv)
    rows = measure(arguments.samples)
    print(markdown(rows) if arguments.markdown else text(rows))
    return 0 if all(row.verdict != "MISSED" for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
