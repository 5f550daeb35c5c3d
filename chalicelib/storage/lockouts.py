"""The lockouts table: failure counters per normalized username and factor, whether the account exists or not.

Every change is one conditional write, so parallel requests cannot evaluate more attempts than the
rules allow (see services/lockout.py for the rules themselves). A claim is an UpdateItem that returns
the attempt's number, or, when the caller has read the counter already (the login reads it with the
account), a TransactWriteItems conditional on the counter as read, which also claims the source
address's slot; a lock is one transaction with its audit events.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.storage.audit import AuditEvent, put_in, recorded_transaction
from chalicelib.storage.base import Conflict, is_condition_failure, meta, transaction_connection
from chalicelib.storage.rate_limits import RateCounter


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
    # The request token of the latest claim_seen: a resend refused after a lost answer finds its own.
    claim_token = UnicodeAttribute(null=True)


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


def state_of(item: Lockout | None) -> LockoutState:
    if item is None:
        return LockoutState(0, 5, 0, False)
    return LockoutState(int(item.failures), int(item.allowed), int(item.locked_until), bool(item.blocked),
                        int(item.claimed_at or 0))


def read_state(key: str) -> LockoutState:
    try:
        return state_of(Lockout.get(key, consistent_read=True))
    except DoesNotExist:
        return state_of(None)


def _claimable(now: int):  # type: ignore[no-untyped-def]
    """Not blocked, not locked at `now`, and fewer claims than allowed: the in-flight check (attempts
    claimed but not yet evaluated count, so parallel requests cannot evaluate more than allowed)."""
    return (
        (Lockout.blocked.does_not_exist() | (Lockout.blocked == False))  # noqa: E712 - DynamoDB condition
        & (Lockout.locked_until.does_not_exist() | (Lockout.locked_until <= now))
        & (Lockout.failures.does_not_exist() | (Lockout.failures < Lockout.allowed))
    )


def _claim_actions(now: int, first_threshold: int) -> list[Action]:
    return [
        Lockout.failures.add(1),
        Lockout.allowed.set(Lockout.allowed | first_threshold),
        Lockout.claimed_at.set(now),
    ]


def claim(key: str, now: int, first_threshold: int) -> int | None:
    """Claim the right to evaluate one attempt; the attempt's number, or None when refused.

    One conditional UpdateItem that returns the new count.
    """
    item = Lockout(key)
    try:
        item.update(actions=_claim_actions(now, first_threshold), condition=_claimable(now))
    except UpdateError as error:
        if is_condition_failure(error):
            return None
        raise
    return int(item.failures)


@dataclass(frozen=True)
class AddressSlot:
    """One failed-evaluation slot of a source address's fixed window (a rate counter item)."""

    key: str  # the window's item key (rate_limits.window_key)
    limit: int
    expires_at: int


class AddressLimitReached(Conflict):
    """The source address has no slot left in this window; nothing was claimed."""


def claim_seen(key: str, seen: LockoutState, now: int, first_threshold: int,
               slot: AddressSlot | None = None) -> int | None:
    """Claim attempt number `seen.failures + 1`, and `slot` with it, in one TransactWriteItems.

    The caller read `seen` already (with the account, see storage/second_factors.read_login), so the
    claim needs no answer from DynamoDB: it is conditional on the counter being exactly as seen and
    still claimable. None when it is not (another request claimed or settled meanwhile: read again);
    AddressLimitReached when only the slot was refused. The client request token makes botocore's
    resend after a lost answer the same request for DynamoDB, and the claim records it, so a resend
    refused by the claim it repeats is still this request's claim, not a second one.
    """
    token = secrets.token_hex(16)
    same = Lockout.failures == seen.failures
    if seen.failures == 0:
        same = Lockout.failures.does_not_exist() | same
    try:
        with TransactWrite(connection=transaction_connection(), client_request_token=token) as writes:
            writes.update(Lockout(key), actions=[*_claim_actions(now, first_threshold), Lockout.claim_token.set(token)],
                          condition=same & _claimable(now))
            if slot is not None:
                writes.update(RateCounter(slot.key),
                              actions=[RateCounter.hits.add(1), RateCounter.expires_at.set(slot.expires_at)],
                              condition=RateCounter.hits.does_not_exist() | (RateCounter.hits < slot.limit))
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise
        # Both items are updates, sent in this order: the reasons say which condition refused.
        reasons = [reason.code if reason else None for reason in error.cancellation_reasons or []]
        if slot is not None and reasons[:2] == [None, "ConditionalCheckFailed"]:
            raise AddressLimitReached() from error
        if not _claimed_by(key, token):
            return None
    return seen.failures + 1


def _claimed_by(key: str, token: str) -> bool:
    try:
        return Lockout.get(key, consistent_read=True).claim_token == token
    except DoesNotExist:
        return False


@dataclass(frozen=True)
class Lock:
    """What a failed threshold attempt sets: the next allowance and the lock's end (0 with a block)."""

    attempt: int
    locked_until: int
    next_allowed: int
    blocked: bool


def lock(key: str, lock: Lock, event: AuditEvent, *also: AuditEvent) -> bool:
    """Lock (or block) after the attempt that reached the threshold failed, with `event` (the lock's
    audit event) and `also` (e.g. the failed attempt's own event) in the same transaction.

    Conditional on the counter not having been reset by a success in the meantime: False then, and
    nothing is written. A resend after a lost answer is recognised by its stored event.
    """
    actions = [Lockout.allowed.set(lock.next_allowed), Lockout.locked_until.set(lock.locked_until)]
    if lock.blocked:
        actions.append(Lockout.blocked.set(True))
    try:
        with recorded_transaction(event) as writes:
            writes.update(Lockout(key), actions=actions,
                          condition=(Lockout.allowed == lock.attempt) & (Lockout.failures >= lock.attempt))
            for other in also:
                put_in(writes, other)
    except Conflict:
        return False
    return True


@dataclass(frozen=True)
class CounterReset:
    """Start counting from zero (a success, an unblock, a completed password reset)."""

    key: str
    first_threshold: int


def reset_actions(first_threshold: int) -> list:
    """The update that starts counting from zero (for use inside a transaction too)."""
    return [
        Lockout.failures.set(0),
        Lockout.allowed.set(first_threshold),
        Lockout.locked_until.set(0),
        Lockout.blocked.set(False),
    ]


def add_reset(writes: TransactWrite, reset: CounterReset) -> None:
    """Within a storage operation's transaction: the counter reset joins the flow's own writes."""
    writes.update(Lockout(reset.key), actions=reset_actions(reset.first_threshold))


def reset(key: str, first_threshold: int) -> None:
    """A success, an unblock or a completed password reset: start counting from zero."""
    Lockout(key).update(actions=reset_actions(first_threshold))
