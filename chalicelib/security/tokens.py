"""Random tokens and their storage form: tokens are handed out once and stored only as SHA-256."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """256 bits of randomness, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_reference(prefix: str) -> str:
    """A short reference people can read out over the phone (e.g. SR-7KQ2-M9XD)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    body = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"

