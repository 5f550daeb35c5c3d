"""storage/base.py: which AWS errors are temporary trouble (503, retry later) and which are refusals."""

from __future__ import annotations

import botocore.exceptions
from pynamodb.exceptions import CancellationReason, PutError, TransactWriteError, UpdateError, VerboseClientError

from chalicelib.storage.base import is_condition_failure, is_temporary_trouble


def _client_error(code: str, status: int, reasons: tuple[str, ...] = ()) -> VerboseClientError:
    """The error as pynamodb's connection builds it from DynamoDB's answer ("None": not a reason)."""
    return VerboseClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                              "TransactWriteItems" if reasons else "UpdateItem",
                              cancellation_reasons=[CancellationReason(code=reason) if reason != "None" else None
                                                    for reason in reasons])


def _wrapped(kind, code: str, status: int, reasons: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    cause = _client_error(code, status, reasons)
    try:
        raise kind("failed", cause=cause) from cause
    except kind as error:
        return error


def test_throttling_server_errors_and_connection_trouble_are_temporary():
    assert is_temporary_trouble(_wrapped(UpdateError, "ProvisionedThroughputExceededException", 400))
    assert is_temporary_trouble(_wrapped(PutError, "ThrottlingException", 400))
    assert is_temporary_trouble(_wrapped(UpdateError, "InternalServerError", 500))
    assert is_temporary_trouble(_client_error("SlowDown", 503))
    assert is_temporary_trouble(botocore.exceptions.ClientError(
        {"Error": {"Code": "InternalFailure"}, "ResponseMetadata": {"HTTPStatusCode": 500}}, "SendEmail"))
    assert is_temporary_trouble(botocore.exceptions.ConnectionClosedError(endpoint_url="http://127.0.0.1"))
    assert is_temporary_trouble(botocore.exceptions.ReadTimeoutError(endpoint_url="http://127.0.0.1"))
    assert is_temporary_trouble(botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1"))


def test_refusals_and_bugs_are_not_temporary():
    assert not is_temporary_trouble(_wrapped(UpdateError, "ConditionalCheckFailedException", 400))
    assert not is_temporary_trouble(_wrapped(UpdateError, "ValidationException", 400))
    assert not is_temporary_trouble(KeyError("x"))


def test_a_transaction_cancelled_by_a_conflicting_writer_is_temporary_not_a_failed_condition():
    conflict = _wrapped(TransactWriteError, "TransactionCanceledException", 400, ("None", "TransactionConflict"))
    assert not is_condition_failure(conflict)
    assert is_temporary_trouble(conflict)
    condition = _wrapped(TransactWriteError, "TransactionCanceledException", 400, ("ConditionalCheckFailed", "None"))
    assert is_condition_failure(condition)
    assert not is_temporary_trouble(condition)
