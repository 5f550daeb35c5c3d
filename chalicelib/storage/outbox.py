"""The mail outbox: mails SES would not take right now, kept until a retry sends them.

A queued mail's recipient, subject and body are sealed (AES-GCM, bound to the item's id): a body may
hold a single-use link token, so it is never stored in plain text. The item expires (TTL) when its
link would, and is deleted once sent. A retry first *claims* the item with a conditional update
(its attempt count as the runner last read it): two runners at once never both send one mail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.security.crypto import open_sealed, seal
from chalicelib.security.tokens import new_token
from chalicelib.storage.base import Conflict, is_condition_failure, meta
from chalicelib.storage.keys import get_keys

PENDING, FAILED = "pending", "failed"


class StatusIndex(GlobalSecondaryIndex):
    """Pending mails by the time of their next attempt (what a retry run asks for)."""

    class Meta:
        index_name = "status-index"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    next_attempt_at = NumberAttribute(range_key=True)


class OutboxMail(Model):
    Meta = meta("outbox", ttl_attribute="expires_at")

    mail_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    username = UnicodeAttribute()
    sealed = UnicodeAttribute()  # {"to", "subject", "body"} as JSON, AES-GCM sealed with mail_id
    status = UnicodeAttribute(default=PENDING)
    attempts = NumberAttribute(default=1)  # the failed send that queued it counts
    next_attempt_at = NumberAttribute()
    expires_at = NumberAttribute()
    status_index = StatusIndex()


@dataclass(frozen=True)
class Message:
    to_address: str
    subject: str
    body_text: str


def put(kind: str, username: str, message: Message, next_attempt_at: int, expires_at: int) -> OutboxMail:
    """Queue a mail (a new item: its id is random)."""
    mail_id = new_token()
    plain = json.dumps({"to": message.to_address, "subject": message.subject, "body": message.body_text})
    item = OutboxMail(mail_id, kind=kind, username=username, sealed=seal(plain, get_keys().encryption_key, mail_id),
                      next_attempt_at=next_attempt_at, expires_at=expires_at)
    item.save(condition=OutboxMail.mail_id.does_not_exist())
    return item


def message_of(item: OutboxMail) -> Message:
    opened = json.loads(open_sealed(item.sealed, get_keys().encryption_key, item.mail_id))
    return Message(opened["to"], opened["subject"], opened["body"])


def due(now: int, limit: int) -> Iterator[OutboxMail]:
    """Up to `limit` pending mails whose next attempt is due, longest waiting first (an index offers no
    strongly consistent reads: the claim below is what makes a run safe)."""
    return OutboxMail.status_index.query(PENDING, OutboxMail.next_attempt_at <= now, limit=limit)


def claim(item: OutboxMail, lease_until: int) -> None:
    """Take the item for one attempt: Conflict when another run took (or sent) it first. The lease
    keeps it out of other runs until an attempt that died half-way may be retried."""
    try:
        item.update(actions=[OutboxMail.attempts.add(1), OutboxMail.next_attempt_at.set(lease_until)],
                    condition=(OutboxMail.attempts == item.attempts) & (OutboxMail.status == PENDING))
    except UpdateError as error:
        if is_condition_failure(error):
            raise Conflict() from error
        raise


def reschedule(item: OutboxMail, next_attempt_at: int) -> None:
    item.update(actions=[OutboxMail.next_attempt_at.set(next_attempt_at)],
                condition=OutboxMail.attempts == item.attempts)


def mark_failed(item: OutboxMail) -> None:
    item.update(actions=[OutboxMail.status.set(FAILED)], condition=OutboxMail.attempts == item.attempts)


def delete_sent(item: OutboxMail) -> None:
    try:
        item.delete(condition=OutboxMail.attempts == item.attempts)
    except DeleteError as error:
        if is_condition_failure(error):
            raise Conflict() from error
        raise
