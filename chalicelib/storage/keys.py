"""Key material: the TOTP-secret encryption key, the backup-code HMAC key and the audit-event HMAC key.

On AWS both come from one Secrets Manager secret, read once per container; in the local stage
from settings. The deployment template generates the secret as {"key_material": <64 random
characters>} (Secrets Manager cannot generate raw bytes), and the two 32-byte keys are derived
from it with HKDF-SHA-256 under distinct labels. A secret that carries explicit base64 keys
(`totp_encryption_key`, `backup_code_hmac_key`, e.g. from an earlier installation) is used as is.
The audit-event key (storage/audit.py: each event's HMAC, the day seals) is derived from the same
material under its own label; with explicit keys, from the HMAC key (or `audit_hmac_key` if given).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.settings import get_settings

AUDIT_LABEL = b"digitaal-portaal audit-event hmac"


@dataclass(frozen=True)
class Keys:
    encryption_key: bytes
    hmac_key: bytes
    # Derived from hmac_key when not given (an explicit pair without an audit key).
    audit_key: bytes = b""

    def __post_init__(self) -> None:
        if not self.audit_key:
            object.__setattr__(self, "audit_key", _derive_bytes(self.hmac_key, AUDIT_LABEL))


# The field of the generated secret (infra/template.py generates it under this name).
KEY_MATERIAL = "key_material"


def _derive(material: str, label: bytes) -> bytes:
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=SHA256(), length=32, salt=None, info=label).derive(material.encode("utf-8"))


def _derive_bytes(key: bytes, label: bytes) -> bytes:
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=SHA256(), length=32, salt=None, info=label).derive(key)


def _decoded(encryption_key: str, hmac_key: str, audit_key: str | None = None) -> Keys:
    return Keys(base64.b64decode(encryption_key), base64.b64decode(hmac_key),
                base64.b64decode(audit_key) if audit_key else b"")


def keys_from_secret(secret: dict) -> Keys:
    """The keys in a secret: derived from generated key material, or the explicit base64 pair."""
    if KEY_MATERIAL in secret:
        material = secret[KEY_MATERIAL]
        return Keys(_derive(material, b"digitaal-portaal totp-secret encryption"),
                    _derive(material, b"digitaal-portaal backup-code hmac"), _derive(material, AUDIT_LABEL))
    return _decoded(secret["totp_encryption_key"], secret["backup_code_hmac_key"], secret.get("audit_hmac_key"))


@lru_cache(maxsize=1)
def get_keys() -> Keys:
    settings = get_settings()
    if settings.secrets_arn:
        import boto3

        from chalicelib.storage.base import client_config

        client = boto3.client("secretsmanager", region_name=settings.region, config=client_config())
        keys = keys_from_secret(json.loads(client.get_secret_value(SecretId=settings.secrets_arn)["SecretString"]))
    else:
        if not settings.is_local:
            raise RuntimeError("PORTAL_SECRETS_ARN must be set outside the local stage")
        keys = _decoded(settings.local_encryption_key, settings.local_hmac_key)
    if len(keys.encryption_key) != 32 or len(keys.hmac_key) < 32:
        raise RuntimeError("key material has the wrong length")
    return keys
