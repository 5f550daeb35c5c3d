"""Bulk-import processing in the local stage, started by the upload exactly as on AWS.

On AWS the imports bucket's S3 event invokes the processing function. The emulation cannot invoke a
Lambda function, but it does deliver S3 event notifications to SQS: `provision_import_events` points
the bucket's ObjectCreated events (prefix uploads/) at a queue, and the worker thread that `make run`
starts polls that queue and hands each event to the same function, chalicelib.api.import_events.
process_import. A message whose processing fails stays on the queue and comes back after the
visibility timeout: the local counterpart of Lambda's retries.

The bucket also gets the CORS rule browsers need to POST the CSV to it (infra/ sets the same on AWS).
"""

from __future__ import annotations

import json
import logging
import threading

log = logging.getLogger("portal.local_imports")

VISIBILITY_TIMEOUT = 30


def _queue_name() -> str:
    from chalicelib.settings import get_settings

    return f"{get_settings().table_prefix}import-events"


def provision_import_events() -> None:
    """Queue, bucket notification and upload CORS for the imports bucket (idempotent)."""
    import boto3

    from chalicelib.settings import get_settings
    from chalicelib.storage.uploads import UPLOAD_PREFIX

    settings = get_settings()
    sqs = boto3.client("sqs", region_name=settings.region)
    queue_url = sqs.create_queue(QueueName=_queue_name(),
                                 Attributes={"VisibilityTimeout": str(VISIBILITY_TIMEOUT)})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3 = boto3.client("s3", region_name=settings.region)
    s3.put_bucket_notification_configuration(Bucket=settings.imports_bucket, NotificationConfiguration={
        "QueueConfigurations": [{
            "Id": "process-import", "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": UPLOAD_PREFIX}]}},
        }],
    })
    s3.put_bucket_cors(Bucket=settings.imports_bucket, CORSConfiguration={"CORSRules": [{
        "AllowedMethods": ["POST"], "AllowedOrigins": ["http://127.0.0.1:*", "http://localhost:*"],
        "AllowedHeaders": ["*"], "MaxAgeSeconds": 600,
    }]})


def deliver_once(wait_seconds: int = 0) -> int:
    """Hand every waiting upload event to the processing function; the number of uploads handled."""
    import boto3

    from chalicelib.api.import_events import process_import
    from chalicelib.settings import get_settings

    sqs = boto3.client("sqs", region_name=get_settings().region)
    queue_url = sqs.get_queue_url(QueueName=_queue_name())["QueueUrl"]
    handled = 0
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=wait_seconds).get("Messages", [])
        if not messages:
            return handled
        for message in messages:
            try:
                outcomes = process_import(json.loads(message["Body"]), None)
            except Exception:  # noqa: BLE001 - left on the queue: delivered again, as Lambda retries
                log.exception("import event failed; it will be delivered again")
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            handled += len(outcomes)
        wait_seconds = 0


def start_import_worker() -> threading.Event:
    """Poll the queue on a daemon thread until the returned event is set."""
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                deliver_once(wait_seconds=1)
            except Exception:  # noqa: BLE001 - keep the local stage's worker alive
                log.exception("import worker")
                stop.wait(1)

    threading.Thread(target=work, name="import-worker", daemon=True).start()
    return stop


# (client CRIB, tax type, start, end, status) registered by demo.adviseur for demo.klant.
DEMO_AUTHORIZATIONS = [
    ("100000002", "IB", "2026-01-01", None, "active"),
    ("100000002", "OB", "2026-01-01", "2027-12-31", "pending"),
]


def seed_demo_authorizations(representative: str = "demo.adviseur") -> None:
    """A couple of authorizations of the demo representative for the demo client (once)."""
    from datetime import date

    from pynamodb.exceptions import PutError

    from chalicelib import clock
    from chalicelib.services.authorizations import new_item
    from chalicelib.services.import_rows import Row
    from chalicelib.storage.authorizations import Authorization
    from chalicelib.storage.base import is_condition_failure
    from chalicelib.storage.users import get_user

    firm = get_user(representative)
    if firm is None or not firm.crib:
        return
    for client, tax_type, start, end, status in DEMO_AUTHORIZATIONS:
        row = Row(0, client, tax_type, date.fromisoformat(start), date.fromisoformat(end) if end else None)
        item = new_item(row, representative=firm.crib, firm_name=firm.firm_name, status=status,
                        created_by=representative, now=int(clock.now()))
        try:
            item.save(condition=Authorization.authorization_id.does_not_exist())
        except PutError as error:
            if not is_condition_failure(error):  # otherwise: seeded before (same emulation)
                raise
