"""Backup codes: generation, the printed form, normalization of what people type, and the keyed hash
that is the only thing stored.

A code is 16 characters of Crockford's base32 (80 random bits), printed as XXXX-XXXX-XXXX-XXXX.
Crockford's alphabet leaves out I, L, O and U, so reading a code aloud or typing it from paper is
forgiving: case, spaces and hyphens do not matter, I and L are read as 1, O as 0.
"""

from __future__ import annotations

import secrets

from chalicelib.security.crypto import keyed_hash

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
GROUP = 4
COUNT = 10
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_IGNORED = str.maketrans("", "", " -\t")


def new_code() -> str:
    """One code in its printed form."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return formatted(raw)


def new_set(count: int = COUNT) -> list[str]:
    """A fresh set of distinct codes."""
    codes: list[str] = []
    while len(codes) < count:
        code = new_code()
        if code not in codes:
            codes.append(code)
    return codes


def formatted(raw: str) -> str:
    return "-".join(raw[index:index + GROUP] for index in range(0, len(raw), GROUP))


def canonical(printed: str) -> str:
    """A generated code's 16 characters without the hyphens of its printed form."""
    return printed.replace("-", "")


def normalize(typed: str) -> str | None:
    """What someone typed, as the 16 canonical characters; None if it cannot be a backup code."""
    if len(typed) > 64:
        return None
    canonical = typed.translate(_IGNORED).upper().translate(_READ_AS)
    if len(canonical) != LENGTH or any(character not in ALPHABET for character in canonical):
        return None
    return canonical


def digest(hmac_key: bytes, username: str, salt: str, canonical: str) -> str:
    """HMAC-SHA-256 under the server key, salted per user and set: a stolen table reveals no code, and
    the same code in two sets (or for two users) never has the same stored value."""
    return keyed_hash(hmac_key, "backup-code", username, salt, canonical)
