"""What every pynamodb model of the service shares: table names and region resolved lazily from settings.

Models are defined at import time, but nothing is read from AWS (or even from the settings) until
a model is used, so importing the app stays cheap and tests can set the environment first.
"""

from __future__ import annotations

import threading

import botocore.session
from pynamodb.connection import Connection
from pynamodb.connection import base as pynamodb_connection

from chalicelib.settings import get_settings

_sessions = threading.local()


def _shared_session() -> botocore.session.Session:
    """The botocore session of every pynamodb connection on this thread.

    pynamodb gives each model's connection a session of its own, and every new session loads and
    parses DynamoDB's service description again: tens of milliseconds per table on the first request
    of each new Lambda instance. One session per thread (botocore sessions are not thread-safe) loads
    it once; each connection still builds its own client from it.
    """
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = botocore.session.get_session()
    return session


pynamodb_connection.get_session = _shared_session


class LazyMeta(type):
    """Metaclass for a model's Meta: the table name carries the stage prefix, read when first needed."""

    @property
    def table_name(cls) -> str:
        return get_settings().table_name(cls.table)

    @property
    def region(cls) -> str:
        return get_settings().region


def meta(table: str, ttl_attribute: str | None = None) -> type:
    """A pynamodb Meta class for one of the service's tables (on-demand billing).

    `ttl_attribute` names a number attribute (epoch seconds) that DynamoDB's TTL expires; the local
    set-up and infra/ enable TTL on it. Code never relies on TTL for security: it checks times itself.
    """
    return LazyMeta(
        "Meta",
        (),
        {"table": table, "billing_mode": "PAY_PER_REQUEST", "host": None, "ttl_attribute": ttl_attribute},
    )


def is_condition_failure(error: Exception) -> bool:
    """True when a pynamodb write failed because its condition did not hold (not an outage)."""
    cause = getattr(error, "cause_response_code", None)
    return cause in ("ConditionalCheckFailedException", "TransactionCanceledException")


_connection: Connection | None = None


def transaction_connection() -> Connection:
    """The connection used for TransactWrite/TransactGet across tables (built once per container)."""
    global _connection
    if _connection is None or _connection.region != get_settings().region:
        _connection = Connection(region=get_settings().region)
    return _connection
