"""Encryption of secrets at rest (AES-256-GCM) and keyed hashing (HMAC-SHA-256).

Keys come from storage/keys.py (Secrets Manager on AWS, local settings in the local stage).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

_VERSION = "v1"


def seal(plaintext: str, key: bytes, associated_data: str) -> str:
    """Encrypt and authenticate; `associated_data` binds the ciphertext to its owner (e.g. the username)."""
    # Imported here: cryptography costs tens of milliseconds per cold start, and only the requests
    # that seal or open a TOTP secret need it (keyed_hash below does not).
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), associated_data.encode("utf-8"))
    return f"{_VERSION}:{base64.b64encode(nonce + ciphertext).decode('ascii')}"


def open_sealed(sealed: str, key: bytes, associated_data: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    version, _, payload = sealed.partition(":")
    if version != _VERSION:
        raise ValueError("unknown sealed format")
    raw = base64.b64decode(payload)
    return AESGCM(key).decrypt(raw[:12], raw[12:], associated_data.encode("utf-8")).decode("utf-8")


def keyed_hash(key: bytes, *parts: str) -> str:
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
