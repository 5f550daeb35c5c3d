"""The processing function of bulk imports: started by the imports bucket's S3 event (ObjectCreated
under uploads/), never by an API request.

On AWS this is the Lambda function `process_import` (`chalice package` names it ProcessImport; its
handler is chalicelib.api.import_events.process_import). `chalice package` cannot attach S3 events,
so infra/ wires the bucket notification (s3:ObjectCreated:*, prefix uploads/) straight to it, or
through an SQS queue: both event shapes are accepted. Locally, `make run` feeds it the same S3
events through a queue (infra/local_authorizations.py).

An exception (including "another run is busy with this job") makes the invocation fail, so the
event is delivered again: processing is idempotent, a retry restarts the job without duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from chalice import Blueprint

blueprint = Blueprint(__name__)


def uploads_in(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(bucket, key) of every object in an S3 event, also when it arrives wrapped in SQS messages."""
    for record in event.get("Records") or []:
        if record.get("eventSource") == "aws:sqs":
            yield from uploads_in(json.loads(record.get("body") or "{}"))
        elif record.get("eventSource") == "aws:s3" and "s3" in record:
            yield record["s3"]["bucket"]["name"], record["s3"]["object"]["key"]


@blueprint.lambda_function(name="process_import")
def process_import(event: dict[str, Any], context: Any) -> dict[str, str]:
    # Imported here: the API's cold starts import this module too, and never process a file.
    from chalicelib.services import import_processing

    return {key: import_processing.handle_upload(bucket, key) for bucket, key in uploads_in(event)}


OPENAPI: dict = {}
