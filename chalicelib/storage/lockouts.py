"""The lockouts table: failure counters per normalized username and factor, whether the account exists or not.

Every change is one conditional UpdateItem, so parallel requests cannot evaluate more attempts than
the rules allow (see services/lockout.py for the rules themselves).
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.models import Model

from chalicelib.storage.base import is_condition_failure, meta


class Lockout(Model):
    # TTL only tidies up the fixed-window request counters that share this table; lockout items have
    # no expires_at and stay until reset.
    Meta = meta("lockouts", ttl_attribute="expires_at")

    # "password#<username>" or "second_factor#<username>"
    key = UnicodeAttribute(hash_key=True)
    # Attempts claimed since the last success (claimed before evaluation, so in-flight ones count).
    failures = NumberAttribute(default=0)
    # No attempt may be claimed while failures >= allowed; the evaluator of attempt number
    # `allowed` either locks (and raises `allowed`) or resets the counter.
    allowed = NumberAttribute(default=5)
    locked_until = NumberAttribute(default=0)
    blocked = BooleanAttribute(default=False)
    # When the latest attempt was claimed: an evaluation still unsettled long after it is one whose
    # request died (see services/lockout.py settle_stale).
    claimed_at = NumberAttribute(null=True)


@dataclass(frozen=True)
class LockoutState:
    failures: int
    allowed: int
    locked_until: int
    blocked: bool
    claimed_at: int = 0

    def awaiting_evaluation(self, now: int) -> bool:
        """The claim that reached `allowed` has not been settled (no lock set, no reset) yet."""
        return not self.blocked and self.locked_until <= now and self.failures >= self.allowed


def _state(item: Lockout | None) -> LockoutState:
    if item is None:
        return LockoutState(0, 5, 0, False)
    return LockoutState(int(item.failures), int(item.allowed), int(item.locked_until), bool(item.blocked),
                        int(item.claimed_at or 0))


def read_state(key: str) -> LockoutState:
    try:
        return _state(Lockout.get(key, consistent_read=True))
    except DoesNotExist:
        return _state(None)


def claim_attempt(key: str, now: int, first_threshold: int) -> int | None:
    """Claim the right to evaluate one attempt; the attempt's number, or None when refused.

    One conditional update: not blocked, not locked at `now`, and fewer claims than allowed.
    """
    item = Lockout(key)
    condition = (
        (Lockout.blocked.does_not_exist() | (Lockout.blocked == False))  # noqa: E712 - DynamoDB condition
        & (Lockout.locked_until.does_not_exist() | (Lockout.locked_until <= now))
        & (Lockout.failures.does_not_exist() | (Lockout.failures < Lockout.allowed))
    )
    try:
        item.update(
            actions=[
                Lockout.failures.add(1),
                Lockout.allowed.set(Lockout.allowed | first_threshold),
                Lockout.claimed_at.set(now),
            ],
            condition=condition,
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return None
        raise
    return int(item.failures)


def apply_lock(key: str, attempt: int, locked_until: int, next_allowed: int, block: bool) -> bool:
    """Lock (or block) after the attempt that reached the threshold failed.

    Conditional on the counter not having been reset by a success in the meantime; False then.
    """
    actions = [Lockout.allowed.set(next_allowed), Lockout.locked_until.set(locked_until)]
    if block:
        actions.append(Lockout.blocked.set(True))
    try:
        Lockout(key).update(
            actions=actions,
            condition=(Lockout.allowed == attempt) & (Lockout.failures >= attempt),
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        # The same lock already in place: this very update was applied and its answer lost.
        state = read_state(key)
        return state.allowed == next_allowed and state.locked_until == locked_until and state.blocked == block
    return True


def release_attempt(key: str) -> None:
    """Give back a claim that was never evaluated (the request was refused for another reason)."""
    try:
        Lockout(key).update(actions=[Lockout.failures.add(-1)], condition=Lockout.failures > 0)
    except UpdateError as error:
        if not is_condition_failure(error):
            raise


def reset_actions(first_threshold: int) -> list:
    """The update that starts counting from zero (for use inside a transaction too)."""
    return [
        Lockout.failures.set(0),
        Lockout.allowed.set(first_threshold),
        Lockout.locked_until.set(0),
        Lockout.blocked.set(False),
    ]


def reset(key: str, first_threshold: int) -> None:
    """A success, an unblock or a completed password reset: start counting from zero."""
    Lockout(key).update(actions=reset_actions(first_threshold))
