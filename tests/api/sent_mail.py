"""Reading the mails the app sent, from moto's in-process SES (the emulation's own record)."""

from __future__ import annotations

import re
from urllib.parse import unquote

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses import ses_backends

LINK = re.compile(r"(https?://\S+)#token=(\S+)")


def sent_to(address: str) -> list:
    """Messages to one address, oldest first (moto keeps them per account and region)."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return [message for message in backend.sent_messages if address in message.destinations["ToAddresses"]]


def last_to(address: str):  # type: ignore[no-untyped-def]
    messages = sent_to(address)
    assert messages, f"no mail to {address}"
    return messages[-1]


def link_token(message) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(page URL, token) of the single-use link in a mail."""
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1), unquote(match.group(2))
