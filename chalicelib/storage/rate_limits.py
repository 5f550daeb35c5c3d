"""Fixed-window request counters (forgotten-password requests, support requests, per name and per IP).

They live in the lockouts table under their own key prefixes. The window number is part of the key,
so counting is ONE conditional ADD per key: parallel requests can never get more than `limit` hits
into a window, and a new window simply starts a new item. TTL removes old counters (housekeeping
only: an old window's item is never read again).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.storage.base import is_condition_failure, meta


class RateCounter(Model):
    Meta = meta("lockouts", ttl_attribute="expires_at")

    key = UnicodeAttribute(hash_key=True)  # "<purpose>#<what is counted>#<window number>"
    hits = NumberAttribute(default=0)
    expires_at = NumberAttribute()


def window_end(now: int, window_seconds: int) -> int:
    """When the fixed window that contains `now` ends (epoch seconds)."""
    return (now // window_seconds + 1) * window_seconds


def window_key(key: str, now: int, window_seconds: int) -> str:
    """The item key of the window that contains `now`."""
    return f"{key}#{now // window_seconds}"


def hit(key: str, now: int, window_seconds: int, limit: int) -> bool:
    """Count one request under `key` in the current window; False (nothing counted) once `limit` is reached."""
    expires_at = window_end(now, window_seconds) + window_seconds
    try:
        RateCounter(window_key(key, now, window_seconds)).update(
            actions=[RateCounter.hits.add(1), RateCounter.expires_at.set(expires_at)],
            condition=RateCounter.hits.does_not_exist() | (RateCounter.hits < limit),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
