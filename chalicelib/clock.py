"""The one clock of the service, so tests can pin time (TOTP steps, lockouts, session expiry)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

# Curaçao keeps UTC-4 all year (no daylight saving), so a fixed offset is exact. Pages, mails and the
# backup-code sheet show every moment in it, written as "(UTC-4)".
PORTAL_TIME = timezone(timedelta(hours=-4))

_pinned: float | None = None


def now() -> float:
    """Seconds since the epoch, or the pinned time in tests."""
    return _pinned if _pinned is not None else time.time()


def pin(timestamp: float | None) -> None:
    """Pin the clock to a timestamp (None releases it). For tests and benchmarks only."""
    global _pinned
    _pinned = timestamp


def advance(seconds: float) -> None:
    """Move a pinned clock forward."""
    global _pinned
    _pinned = now() + seconds


def portal_time(timestamp: float | None = None) -> str:
    """A moment as people on the island read it: "03-12-2026 09:15 (UTC-4)" (now without `timestamp`)."""
    moment = datetime.fromtimestamp(now() if timestamp is None else timestamp, PORTAL_TIME)
    return moment.strftime("%d-%m-%Y %H:%M") + " (UTC-4)"
