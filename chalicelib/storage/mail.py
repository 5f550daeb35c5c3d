"""Sending e-mail through SES (the only place that talks to SES)."""

from __future__ import annotations

from functools import lru_cache

from chalicelib.settings import get_settings


@lru_cache(maxsize=1)
def _client():  # type: ignore[no-untyped-def]
    import boto3

    return boto3.client("ses", region_name=get_settings().region)


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
    return response["MessageId"]
