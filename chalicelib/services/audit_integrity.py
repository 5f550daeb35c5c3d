"""Tamper evidence for the audit trail: seal the days' events and verify a day.

Each event carries its own HMAC (storage/audit.py, set in the very put that stores it), which shows a
changed event and an event written without the key. What one event cannot show is a missing one:
that is what the seals are for. A sealer (the scheduled function `seal_audit`, or `python -m
chalicelib.manage seal-audit`) appends to each day's chain a link that lists, in id order, every event
of the day up to a cutoff with its MAC; each link carries the previous link's MAC and its own, so a
link cannot be changed, dropped from the middle or reordered either.

The cutoff trails the clock by SETTLE: an event's id is its creation time, and no function runs
longer than Lambda's 900 seconds, so an event created before the cutoff is stored by then or never
will be - a transaction still in flight cannot land behind a link and look inserted.

verify(day) recomputes every MAC and compares the stored events with the links: an event listed but
missing is `deleted`, one present but not listed `inserted`, one whose MAC or content differs
`changed`, one without a MAC `unsigned`; a broken chain is `seal_broken` (a day's first link starts
from the previous day's final one), a settled day without its final link `not_sealed`. Events after
the last link (the last SETTLE minutes) are checked by their MAC only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from chalicelib import clock
from chalicelib.storage import audit as store
from chalicelib.storage.audit import AuditSeal
from chalicelib.storage.keys import get_keys

log = logging.getLogger("portal.audit")

SETTLE = 900 + 60  # seconds: Lambda's longest run plus a minute
# A link lists "<event id> <first 128 bits of its MAC>" lines of 71 bytes: 4000 of them are about
# 280 KB, within an item's 400 KB. (The event's own full MAC is checked too.)
MAX_PER_LINK = 4000
LISTED_MAC = 32  # hex characters
DAY_END = "~"  # sorts after every event id of a day


def _stamp(now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def _seal_content(seal: AuditSeal) -> bytes:
    fields = {"day": seal.partition, "sequence": seal.sequence, "after": seal.after, "upto": seal.upto,
              "count": int(seal.count), "entries": seal.entries, "previous": seal.previous,
              "final": int(seal.final or 0), "sealed_at": int(seal.sealed_at)}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def seal_mac(seal: AuditSeal) -> str:
    return hmac.new(get_keys().audit_key, b"audit-seal v1\n" + _seal_content(seal), hashlib.sha256).hexdigest()


def _previous_day_end(day: str) -> str:
    """The MAC of the previous day's final link ("" when that day was never sealed): the first link of
    a day starts from it, so the days form one chain and a removed day's end shows the next day."""
    previous = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    links = store.seals_of_day(previous)
    return links[-1].mac if links and int(links[-1].final or 0) else ""


def seal_day(day: str, now: float | None = None) -> int:
    """Append links for `day`'s events up to the settled cutoff (the whole day once it has settled).
    Returns the number of events sealed; two sealers at once write each link once (put-if-absent)."""
    now = clock.now() if now is None else now
    cutoff = _stamp(now - SETTLE)
    final = cutoff[:10] > day
    upto_limit = DAY_END if final else cutoff
    if cutoff[:10] < day:
        return 0  # nothing of that day has settled yet
    links = store.seals_of_day(day)
    if links and int(links[-1].final or 0):
        return 0
    sealed = 0
    while True:
        after = links[-1].upto if links else ""
        entries: list[str] = []
        last_id = after
        for event in store.events_of_day(day, after):
            if event.event_id > upto_limit or len(entries) == MAX_PER_LINK:
                break
            entries.append(f"{event.event_id} {(event.mac or '')[:LISTED_MAC]}")
            last_id = event.event_id
        full = len(entries) == MAX_PER_LINK
        if not entries and not final:
            return sealed
        link = AuditSeal(store.SEAL_PREFIX + day, f"{len(links) + 1:06d}", after=after,
                         upto=last_id if full else upto_limit, count=len(entries), entries="\n".join(entries),
                         previous=links[-1].mac if links else _previous_day_end(day),
                         final=0 if full or not final else 1,
                         sealed_at=int(now))
        link.mac = seal_mac(link)
        if not store.append_seal(link):
            return sealed  # another sealer wrote this link: it goes on from there
        _log_link(link)
        links.append(link)
        sealed += len(entries)
        if not full:
            return sealed


def _log_link(link: AuditSeal) -> None:
    """Each link's MAC also goes to the function's log (a store the table's writers do not control).
    It is no secret; written in groups of 16 so that the log's redaction of token-like text keeps it."""
    mac = link.mac or ""
    log.info("audit sealed", extra={
        "day": link.partition.removeprefix(store.SEAL_PREFIX), "link": int(link.sequence), "events": int(link.count),
        "link_mac": ":".join(mac[start:start + 16] for start in range(0, len(mac), 16))})


def seal_due(now: float | None = None) -> int:
    """What the scheduled function runs: yesterday until it is closed, and today up to the cutoff."""
    now = clock.now() if now is None else now
    today = date.fromisoformat(time.strftime("%Y-%m-%d", time.gmtime(now)))
    return sum(seal_day(day.isoformat(), now) for day in (today - timedelta(days=1), today))


@dataclass
class Report:
    day: str
    events: int = 0
    sealed: int = 0
    closed: bool = False
    findings: list[tuple[str, str]] = field(default_factory=list)  # (kind, event id or link)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify(day: str) -> Report:
    """Check one day: every event's MAC, and the stored events against the day's seal chain."""
    report = Report(day)
    listed: dict[str, str] = {}
    previous, after = _previous_day_end(day), ""
    for number, link in enumerate(store.seals_of_day(day), start=1):
        intact = (hmac.compare_digest(link.mac or "", seal_mac(link)) and link.sequence == f"{number:06d}"
                  and link.previous == previous and link.after == after and not report.closed)
        if not intact:
            report.findings.append(("seal_broken", link.sequence))
        for line in filter(None, link.entries.split("\n")):
            event_id, _, mac = line.partition(" ")
            listed[event_id] = mac
        previous, after, report.closed = link.mac, link.upto, bool(int(link.final or 0))
    sealed_upto = after
    present: set[str] = set()
    for event in store.events_of_day(day):
        report.events += 1
        present.add(event.event_id)
        valid = bool(event.mac) and hmac.compare_digest(event.mac, store.event_mac(event))
        if not event.mac:
            report.findings.append(("unsigned", event.event_id))  # written without a MAC
        elif event.event_id in listed:
            report.sealed += 1
            if not valid or listed[event.event_id] != event.mac[:LISTED_MAC]:
                report.findings.append(("changed", event.event_id))
        elif sealed_upto and event.event_id <= sealed_upto:
            report.findings.append(("inserted", event.event_id))
        elif not valid:
            report.findings.append(("changed", event.event_id))
    report.findings += [("deleted", event_id) for event_id in sorted(set(listed) - present)]
    if not report.closed and _stamp(clock.now() - SETTLE)[:10] > day:
        # The day is over and settled, so the sealer has closed it, unless its links were removed (or
        # it never ran): what is missing can no longer be told.
        report.findings.append(("not_sealed", day))
    return report
