"""The one clock of the service, so tests can pin time (TOTP steps, lockouts, session expiry)."""

from __future__ import annotations

import time

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
