"""What every pynamodb model of the service shares: table names and region resolved lazily from settings.

Models are defined at import time, but nothing is read from AWS (or even from the settings) until
a model is used, so importing the app stays cheap and tests can set the environment first.
"""

from __future__ import annotations

import threading

import botocore.exceptions
import botocore.session
from botocore.config import Config
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


# Retries and timeouts, chosen so a request stays well inside API Gateway's 29 s even when AWS is
# having a bad day: each call is tried at most 3 times (standard mode: exponential backoff with
# jitter, retrying throttling, 5xx and connection errors), connects within 1 s and reads within 3 s.
# The few calls of one request then end, in the worst case, after some seconds with a 503, never
# with API Gateway's own timeout. pynamodb takes the same figures per model (Meta) and connection.
MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 3.0
PYNAMODB_OPTIONS = {"max_retry_attempts": MAX_ATTEMPTS - 1, "connect_timeout_seconds": CONNECT_TIMEOUT_SECONDS,
                    "read_timeout_seconds": READ_TIMEOUT_SECONDS}


def client_config(**options: object) -> Config:
    """The botocore Config of every boto3 client (S3, SES) of the service; `options` add to it."""
    return Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
                  connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=READ_TIMEOUT_SECONDS, **options)


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
        {"table": table, "billing_mode": "PAY_PER_REQUEST", "host": None, "ttl_attribute": ttl_attribute,
         **PYNAMODB_OPTIONS},
    )


class Conflict(Exception):  # noqa: N818 (the domain word: a write found its item changed)
    """A conditional write found its item not as expected: another request changed it first, it is gone,
    or it was never there. Storage raises it in place of pynamodb's errors; each service says what it
    means for its flow (a refusal, a lost race, a retry that already happened)."""


def is_condition_failure(error: Exception) -> bool:
    """True when a pynamodb write failed because its condition did not hold (not an outage).

    A cancelled transaction is a condition failure only if a condition was the reason: a
    TransactionConflict (another writer on one of its items) is temporary trouble instead."""
    cause = getattr(error, "cause_response_code", None)
    if cause == "TransactionCanceledException":
        reasons = {reason.code for reason in getattr(error, "cancellation_reasons", None) or () if reason}
        return not reasons or "ConditionalCheckFailed" in reasons
    return cause == "ConditionalCheckFailedException"


# Error codes AWS uses for "not now": throttling, and the transient ones of DynamoDB, S3 and SES.
_TEMPORARY_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "ThrottledException",
    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown", "TooManyRequestsException",
    "InternalServerError", "InternalError", "InternalFailure", "ServiceUnavailable", "TransactionInProgressException",
    "TransactionConflict", "TransactionConflictException", "LimitExceededException",
})


def is_temporary_trouble(error: BaseException) -> bool:
    """True when `error` (or what it wraps: pynamodb keeps botocore's error as `cause`) means AWS is
    throttling, failing or unreachable right now: worth a 503 and a retry later, not a 500."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)):
            return True
        if isinstance(current, botocore.exceptions.ClientError):
            details = current.response or {}
            status = int((details.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
            if status >= 500 or (details.get("Error") or {}).get("Code") in _TEMPORARY_CODES:
                return True
        code = getattr(current, "cause_response_code", None)
        if code in _TEMPORARY_CODES:
            return True
        if code == "TransactionCanceledException" and not is_condition_failure(current):  # type: ignore[arg-type]
            return True
        current = getattr(current, "cause", None) or current.__cause__ or current.__context__
    return False


_connection: Connection | None = None


def transaction_connection() -> Connection:
    """The connection used for TransactWrite/TransactGet across tables (built once per container)."""
    global _connection
    if _connection is None or _connection.region != get_settings().region:
        _connection = Connection(region=get_settings().region, **PYNAMODB_OPTIONS)
    return _connection
