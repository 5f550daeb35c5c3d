"""Fixed-window request counters (e.g. forgotten-password requests per name and per IP address).

They live in the lockouts table under their own key prefixes (`rate#...`), so they need no table of
their own. Every decision is one conditional UpdateItem: parallel requests can never get more than
`limit` hits into one window.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.storage.base import is_condition_failure, meta


class RateCounter(Model):
    Meta = meta("lockouts")

    key = UnicodeAttribute(hash_key=True)  # "rate#<purpose>#<what is counted>"
    window_start = NumberAttribute()
    hits = NumberAttribute()


def _conditional_update(key: str, actions: list[Action], condition: Condition) -> bool:
    try:
        RateCounter(key).update(actions=actions, condition=condition)
        return True
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise


def hit(key: str, now: int, window_seconds: int, limit: int) -> bool:
    """Count one request; False when the window's limit is reached."""
    # Within the current window: one more hit while under the limit.
    if _conditional_update(key, [RateCounter.hits.add(1)],
                           (RateCounter.window_start > now - window_seconds) & (RateCounter.hits < limit)):
        return True
    # No window yet, or the last one is over: this request starts a new one.
    return _conditional_update(
        key,
        [RateCounter.window_start.set(now), RateCounter.hits.set(1)],
        RateCounter.window_start.does_not_exist() | (RateCounter.window_start <= now - window_seconds),
    )
