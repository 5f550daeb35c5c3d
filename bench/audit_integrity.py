"""The tamper evidence's cost: signing one event, sealing a day and verifying it, against moto in this
process (moto answers DynamoDB in about a millisecond where AWS takes a few, so the DynamoDB parts are
indicative). Signing adds no request to any flow (tests/api/test_request_budget.py pins them).

    .venv/bin/python -m bench.audit_integrity [EVENTS...]   # default 1000 5000
"""

from __future__ import annotations

import sys
import time

from bench.stage import in_process_stage
from bench.table import Row, text

DAY_START = 1_800_000_000  # 2027-01-15T08:00:00Z


def measure(sizes: list[int]) -> list[Row]:
    from chalicelib import clock
    from chalicelib.services import audit_integrity
    from chalicelib.services.audit import RequestContext, new_event
    from chalicelib.storage import audit as store

    rows: list[Row] = []
    context = RequestContext(ip="192.0.2.7", user_agent="bench")
    with in_process_stage():
        clock.pin(float(DAY_START))
        event = new_event("login.password", actor="jan", target="jan", outcome="failure", context=context,
                          details={"attempt": 3})
        started = time.perf_counter()
        for _ in range(10_000):
            store.sign(event)
        per_event = (time.perf_counter() - started) / 10_000 * 1e6
        rows.append(Row("audit", "HMAC of one event (CPU)", f"{per_event:.1f} µs", "no DynamoDB request", "ok"))
        for number, size in enumerate(sorted(sizes)):
            day_start = DAY_START + (number + 1) * 86_400  # a day of its own per size
            day = time.strftime("%Y-%m-%d", time.gmtime(day_start))
            for index in range(size):
                clock.pin(day_start + index * 0.01)
                store.append(new_event("login.password", actor=f"user{index % 50}", target=f"user{index % 50}",
                                       outcome="failure", context=context, details={"attempt": index % 5}))
            clock.pin(day_start + 86_400 + audit_integrity.SETTLE + 1)  # the day has settled
            started = time.perf_counter()
            audit_integrity.seal_day(day)
            sealed = time.perf_counter() - started
            links = store.seals_of_day(day)
            largest = max(len(link.entries) for link in links)
            started = time.perf_counter()
            report = audit_integrity.verify(day)
            verified = time.perf_counter() - started
            rows.append(Row("audit", f"seal a day of {size} events", f"{sealed:.2f} s, {len(links)} link(s)",
                            f"largest link {largest // 1024} KiB of 400", "ok" if largest < 350_000 else "MISSED"))
            rows.append(Row("audit", f"verify a day of {size} events", f"{verified:.2f} s",
                            "report OK", "ok" if report.ok else "MISSED"))
        clock.pin(None)
    return rows


if __name__ == "__main__":
    print(text(measure([int(size) for size in sys.argv[1:]] or [1000, 5000])))
