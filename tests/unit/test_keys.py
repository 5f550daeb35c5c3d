"""Key material on AWS: the secret the deployment template generates gives two distinct 32-byte keys."""

from __future__ import annotations

import base64
import json
import os

import boto3
import pytest
from moto import mock_aws

from chalicelib.settings import reset_settings
from chalicelib.storage import keys
from infra import template


@pytest.fixture
def deployed_secret(monkeypatch):
    """A Secrets Manager secret shaped like the template's, and the prod stage pointing at it.

    The secret is deleted afterwards: when the package's shared AWS emulation is already running,
    this block's mock_aws joins it instead of starting empty, and the next test would find it."""
    created: list[str] = []

    def use(secret: dict) -> None:
        arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="portal-keys", SecretString=json.dumps(secret))["ARN"]
        created.append(arn)
        monkeypatch.setenv("PORTAL_STAGE", "prod")
        monkeypatch.setenv("PORTAL_SECRETS_ARN", arn)
        reset_settings()
        keys.get_keys.cache_clear()

    with mock_aws():
        yield use
        for arn in created:
            boto3.client("secretsmanager", region_name="us-east-1").delete_secret(
                SecretId=arn, ForceDeleteWithoutRecovery=True)
    keys.get_keys.cache_clear()
    os.environ.pop("PORTAL_SECRETS_ARN", None)
    reset_settings()


def test_generated_key_material_gives_two_distinct_32_byte_keys(deployed_secret):
    deployed_secret({"key_material": "x" * 20 + "Kq93vTz0LmPwY1sRb7Nc4Hd8Gf2Je6Ua5Xo"})
    derived = keys.get_keys()
    assert len(derived.encryption_key) == 32
    assert len(derived.hmac_key) == 32
    assert derived.encryption_key != derived.hmac_key
    keys.get_keys.cache_clear()
    assert keys.get_keys() == derived  # deterministic: every container derives the same keys


def test_other_key_material_gives_other_keys():
    first = keys.keys_from_secret({"key_material": "a" * 64})
    second = keys.keys_from_secret({"key_material": "b" * 64})
    assert first.encryption_key != second.encryption_key
    assert first.hmac_key != second.hmac_key


def test_explicit_base64_keys_are_used_as_they_are(deployed_secret):
    encryption, hmac_key = bytes(range(32)), bytes(range(32, 64))
    deployed_secret({"totp_encryption_key": base64.b64encode(encryption).decode(),
                     "backup_code_hmac_key": base64.b64encode(hmac_key).decode()})
    assert keys.get_keys() == keys.Keys(encryption, hmac_key)


def test_the_template_generates_the_field_the_service_reads():
    generator = template.secret()["Properties"]["GenerateSecretString"]
    assert generator["GenerateStringKey"] == "key_material"
    assert generator["PasswordLength"] >= 64
    assert json.loads(generator["SecretStringTemplate"]) == {}
