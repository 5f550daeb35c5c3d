"""Shared test set-up: the local stage's settings, an in-process AWS (moto) per test, a pinned clock."""

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
                       "AWS_DEFAULT_REGION": "us-east-1"})


_local_stage_environment()


@pytest.fixture
def aws():
    """A fresh in-process AWS with every table, bucket and the SES sender of the local stage."""
    from moto import mock_aws

    from chalicelib.settings import reset_settings

    reset_settings()
    with mock_aws():
        from infra.local import provision

        provision()
        yield


@pytest.fixture
def clock_pinned():
    from chalicelib import clock

    clock.pin(1_800_000_000.0)
    yield clock
    clock.pin(None)
