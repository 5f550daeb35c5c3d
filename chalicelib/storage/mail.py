"""Sending e-mail through SES (the only place that talks to SES).

In the local stage a copy of every mail sent is also kept in this process (newest first, bounded), so
the local mailbox page (/dev/mailbox) can show them: with `make run` SES is moto's server in another
process, whose sent messages the app cannot read through any SES API. Other stages keep nothing.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from functools import lru_cache

from chalicelib import clock
from chalicelib.settings import get_settings

LOCAL_COPIES_KEPT = 200


@dataclass(frozen=True)
class SentMail:
    message_id: str
    to_address: str
    subject: str
    body_text: str
    sent_at: float


_local_copies: deque[SentMail] = deque(maxlen=LOCAL_COPIES_KEPT)
_local_lock = threading.Lock()


@lru_cache(maxsize=1)
def _client():  # type: ignore[no-untyped-def]
    import boto3

    from chalicelib.storage.base import client_config

    return boto3.client("ses", region_name=get_settings().region, config=client_config())


def send(to_address: str, subject: str, body_text: str) -> str:
    """Send a plain-text mail; returns SES's message id."""
    response = _client().send_email(
        Source=get_settings().mail_sender,
        Destination={"ToAddresses": [to_address]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": body_text, "Charset": "UTF-8"}},
        },
    )
    message_id = response["MessageId"]
    if get_settings().is_local:
        with _local_lock:
            _local_copies.appendleft(SentMail(message_id, to_address, subject, body_text, clock.now()))
    return message_id


def local_mailbox() -> list[SentMail]:
    """The mails this process sent, newest first; always empty outside the local stage."""
    if not get_settings().is_local:
        return []
    with _local_lock:
        return list(_local_copies)
