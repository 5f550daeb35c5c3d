"""Shared test set-up: the local stage's settings, an in-process AWS (moto) emptied for each test, a pinned clock."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _local_stage_environment() -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    variables = {**config["environment_variables"], **config["stages"]["local"]["environment_variables"]}
    os.environ.update(variables)
    # In-process tests use moto's mock_aws, which an endpoint URL would bypass.
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1",
                       # The emulation is emptied between tests; SQS's once-a-minute purge rule would refuse it.
                       "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false"})


_local_stage_environment()


@pytest.fixture(scope="package")
def aws_world():
    """One in-process AWS per test package with every table, bucket and the SES sender of the local
    stage (building it anew for every test cost most of the API suite's time)."""
    from moto import mock_aws

    from chalicelib.settings import reset_settings

    reset_settings()
    with mock_aws():
        from infra.local import provision

        provision()
        yield _World()


class _World:
    """Empties the in-process AWS between tests: every item, object, queued upload event and sent mail."""

    def __init__(self) -> None:
        import boto3

        self.dynamodb = boto3.client("dynamodb", region_name=os.environ["AWS_DEFAULT_REGION"])
        self.s3 = boto3.client("s3", region_name=os.environ["AWS_DEFAULT_REGION"])
        self.sqs = boto3.client("sqs", region_name=os.environ["AWS_DEFAULT_REGION"])
        self.keys: dict[str, list[str]] = {}
        self.provided: set[tuple[str, ...]] = {self._names()}

    @staticmethod
    def _names() -> tuple[str, ...]:
        from chalicelib.settings import get_settings

        settings = get_settings()
        return (settings.table_prefix, settings.backup_codes_bucket, settings.imports_bucket, settings.mail_sender)

    def provide(self) -> None:
        """Tables and buckets under the names the test's settings give (a test may point them elsewhere)."""
        names = self._names()
        if names not in self.provided:
            from infra.local import provision

            provision()
            self.provided.add(names)

    def _tables(self) -> dict[str, list[str]]:
        # Tests may create more tables (another stage's prefix): every existing one is emptied.
        for name in self.dynamodb.list_tables()["TableNames"]:
            if name not in self.keys:
                schema = self.dynamodb.describe_table(TableName=name)["Table"]["KeySchema"]
                self.keys[name] = [part["AttributeName"] for part in schema]
        return self.keys

    def wipe(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses import ses_backends

        for table, key in self._tables().items():
            for page in self.dynamodb.get_paginator("scan").paginate(
                    TableName=table, ProjectionExpression=", ".join(f"#k{i}" for i in range(len(key))),
                    ExpressionAttributeNames={f"#k{i}": name for i, name in enumerate(key)}):
                for start in range(0, len(page["Items"]), 25):
                    self.dynamodb.batch_write_item(RequestItems={table: [
                        {"DeleteRequest": {"Key": item}} for item in page["Items"][start:start + 25]]})
        for bucket in self.s3.list_buckets()["Buckets"]:
            for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=bucket["Name"]):
                versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
                if versions:
                    self.s3.delete_objects(Bucket=bucket["Name"], Delete={"Objects": [
                        {"Key": item["Key"], "VersionId": item["VersionId"]} for item in versions]})
        for queue_url in self.sqs.list_queues().get("QueueUrls", []):
            self.sqs.purge_queue(QueueUrl=queue_url)
        ses_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]].sent_messages.clear()


@pytest.fixture
def aws(aws_world):
    """Every table, bucket and the SES sender of the local stage, empty at the start of each test."""
    from chalicelib.settings import reset_settings

    reset_settings()
    aws_world.provide()
    aws_world.wipe()
    yield


@pytest.fixture
def clock_pinned():
    from chalicelib import clock

    clock.pin(1_800_000_000.0)
    yield clock
    clock.pin(None)
