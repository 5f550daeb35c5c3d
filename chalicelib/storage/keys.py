"""Key material: the TOTP-secret encryption key and the backup-code HMAC key.

On AWS both come from one Secrets Manager secret (JSON with base64 values), read once per
container; in the local stage from settings.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.settings import get_settings


@dataclass(frozen=True)
class Keys:
    encryption_key: bytes
    hmac_key: bytes


@lru_cache(maxsize=1)
def get_keys() -> Keys:
    settings = get_settings()
    if settings.secrets_arn:
        import boto3

        client = boto3.client("secretsmanager", region_name=settings.region)
        secret = json.loads(client.get_secret_value(SecretId=settings.secrets_arn)["SecretString"])
        encryption, hmac_key = secret["totp_encryption_key"], secret["backup_code_hmac_key"]
    else:
        if not settings.is_local:
            raise RuntimeError("PORTAL_SECRETS_ARN must be set outside the local stage")
        encryption, hmac_key = settings.local_encryption_key, settings.local_hmac_key
    keys = Keys(base64.b64decode(encryption), base64.b64decode(hmac_key))
    if len(keys.encryption_key) != 32 or len(keys.hmac_key) < 32:
        raise RuntimeError("key material has the wrong length")
    return keys
