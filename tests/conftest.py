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


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    """Groups for `pytest -n 2 --dist loadgroup` (`make test`'s browser, infra and fuzz part): a test
    module stays on one worker, so its module-scoped stage starts once, and so do all tests of the
    packaged template, which `chalice package` builds once per worker that needs it."""
    for item in items:
        group = "packaged" if "packaged" in item.fixturenames else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))


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

        self.s3 = boto3.client("s3", region_name=os.environ["AWS_DEFAULT_REGION"])
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

    def wipe(self) -> None:
        """Emptied in moto's own memory: scanning and deleting through the API cost more than most tests.

        DynamoDB's items are dropped table by table (moto answers index queries from the items, so the
        tables, their indexes and settings stay as provisioned); queues are purged and the sent mails
        forgotten in their backends; the few buckets holding objects are emptied through the API, which
        closes the objects' buffers."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends
        from moto.s3.models import s3_backends
        from moto.ses import ses_backends
        from moto.sqs.models import sqs_backends

        region = os.environ["AWS_DEFAULT_REGION"]
        # Tests may create more tables (another stage's prefix): every existing one is emptied.
        for table in dynamodb_backends[DEFAULT_ACCOUNT_ID][region].tables.values():
            table.items.clear()
        for name, bucket in s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets.items():
            if bucket.keys:
                self._empty_bucket(name)
        sqs = sqs_backends[DEFAULT_ACCOUNT_ID][region]
        for queue in list(sqs.queues.values()):
            sqs.purge_queue(queue.name)
        ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages.clear()

    def _empty_bucket(self, bucket: str) -> None:
        for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
            if versions:
                self.s3.delete_objects(Bucket=bucket, Delete={"Objects": [
                    {"Key": item["Key"], "VersionId": item["VersionId"]} for item in versions]})


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


# argon2id at the design parameters costs 20 to 50 ms of CPU per hash or check, and the in-process
# tests make thousands. They hash with these instead; the parameters themselves are proven where they
# matter: tests/unit/test_passwords.py (with `production_argon2`) checks what every stage's
# configuration and the hasher it builds use, and the end-to-end stage runs with them. They live only
# in this process's memory: no environment variable, configuration file or package carries them.
TEST_ARGON2 = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}


@pytest.fixture(autouse=True)
def _test_argon2(monkeypatch):
    """The in-process tests hash and check passwords with `TEST_ARGON2` (see above); yields the
    service's own functions, which `production_argon2` puts back."""
    from functools import lru_cache

    from argon2 import PasswordHasher

    from chalicelib.security import passwords

    @lru_cache(maxsize=1)
    def cheap_hasher() -> PasswordHasher:
        return PasswordHasher(**TEST_ARGON2)

    @lru_cache(maxsize=1)
    def cheap_dummy_hash() -> str:
        return cheap_hasher().hash("dummy password for equal timing")

    own = {"_hasher": passwords._hasher, "_dummy_hash": passwords._dummy_hash}
    monkeypatch.setattr(passwords, "_hasher", cheap_hasher)
    monkeypatch.setattr(passwords, "_dummy_hash", cheap_dummy_hash)
    return own


@pytest.fixture
def production_argon2(_test_argon2, monkeypatch):
    """The hasher the service builds from its settings, for tests about the parameters themselves."""
    from chalicelib.security import passwords

    for name, function in _test_argon2.items():
        function.cache_clear()  # built from the settings of this test, not of an earlier one
        monkeypatch.setattr(passwords, name, function)
    yield
    for function in _test_argon2.values():
        function.cache_clear()
