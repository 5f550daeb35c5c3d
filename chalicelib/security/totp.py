"""Time-based one-time passwords (RFC 6238 on top of RFC 4226's HOTP): the algorithm only, no storage.

Verification returns the time step a code belongs to, so the caller can keep the last accepted step
and refuse anything not later than it (the replay guard lives in services/second_factor.py).
Parameters are those authenticator apps assume: SHA-1, 6 digits, 30-second steps.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

DIGITS = 6
PERIOD = 30
# One step either side absorbs clock drift between phone and server (RFC 6238 section 5.2).
WINDOW = 1
SECRET_BYTES = 20  # 160 bits, the length RFC 4226 recommends


def new_secret() -> str:
    """A fresh random secret in base32 without padding (32 characters), as apps expect it."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def decode_secret(secret: str) -> bytes:
    """Base32 secret to key bytes; tolerates lower case, spaces and missing padding."""
    cleaned = secret.replace(" ", "").upper().rstrip("=")
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 section 5.3: HMAC of the counter, dynamically truncated to `digits` decimal digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def time_step(timestamp: float, period: int = PERIOD) -> int:
    """RFC 6238 T: whole periods since the Unix epoch (T0 = 0)."""
    return int(timestamp // period)


def code_at(key: bytes, timestamp: float, digits: int = DIGITS, digest: str = "sha1") -> str:
    return hotp(key, time_step(timestamp), digits, digest)


def normalize(code: str) -> str:
    """Apps show codes as "123 456"; people paste them with spaces."""
    return "".join(code.split())


def is_well_formed(code: str) -> bool:
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def matching_step(key: bytes, code: str, timestamp: float, window: int = WINDOW) -> int | None:
    """The time step within `window` steps of `timestamp` whose code equals `code`, or None.

    When a code matches several steps (a one-in-a-million coincidence) the latest one is returned,
    so a replay guard that stores it is never weaker. Every candidate is compared in constant time.
    """
    code = normalize(code)
    if not is_well_formed(code):
        return None
    current = time_step(timestamp)
    found = None
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(hotp(key, step), code):
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI of the Key URI Format (Google Authenticator wiki): label `issuer:account`,
    issuer repeated as parameter. A ':' inside either part would make the label ambiguous, so it is
    dropped; both parts are percent-encoded (spaces as %20, which every app reads)."""
    issuer_part = issuer.replace(":", "").strip()
    account_part = account.replace(":", "").strip()
    label = quote(f"{issuer_part}:{account_part}", safe=":@")
    query = urlencode(
        {"secret": secret, "issuer": issuer_part, "algorithm": "SHA1", "digits": DIGITS, "period": PERIOD},
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str, size: int = 4) -> str:
    """The secret in groups of four for typing it into an app by hand."""
    return " ".join(secret[index:index + size] for index in range(0, len(secret), size))
