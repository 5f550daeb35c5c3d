"""The in-process stage the measurements run against: the local stage's settings, moto's mock_aws
with every table and bucket, and chalice's test client over the real app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def use_local_settings() -> None:
    """The local stage's environment, with moto in this process instead of an endpoint URL."""
    from infra.local import local_environment

    variables = local_environment(moto_port=0)
    for name in ("AWS_ENDPOINT_URL", "MOTO_PORT"):
        variables.pop(name)
    os.environ.update(variables)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        os.environ.pop(name, None)
    from chalicelib.settings import reset_settings

    reset_settings()


@contextmanager
def in_process_stage() -> Iterator[Any]:
    """Yields chalice's test client for the app, against a fresh in-process AWS."""
    use_local_settings()
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from infra.local import provision

    with mock_aws():
        provision()
        with Client(app, stage_name="local") as client:
            yield client
