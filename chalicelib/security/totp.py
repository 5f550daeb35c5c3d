"""Time-based one-time passwords (RFC 6238) through pyotp, with the rules this portal adds: codes as
apps show them ("123 456"), only six ASCII digits, and the matching time step returned so the caller
can refuse any code not later than the last accepted one (the replay guard lives in
services/second_factor.py). Parameters are those authenticator apps assume: SHA-1, 6 digits, 30 s.
"""

from __future__ import annotations

import base64

import pyotp
from pyotp import OTPVerificationError

DIGITS = 6
PERIOD = 30
# One step either side absorbs clock drift between phone and server (RFC 6238 section 5.2).
WINDOW = 1
SECRET_BYTES = 20  # 160 bits, the length RFC 4226 recommends


def new_secret() -> str:
    """A fresh random secret in base32 without padding (32 characters = 160 bits), as apps expect it."""
    return pyotp.random_base32(length=SECRET_BYTES * 8 // 5)


def decode_secret(secret: str) -> bytes:
    """Base32 secret to key bytes; tolerates lower case, spaces and missing padding."""
    cleaned = secret.replace(" ", "").upper().rstrip("=")
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def time_step(timestamp: float, period: int = PERIOD) -> int:
    """RFC 6238 T: whole periods since the Unix epoch (T0 = 0)."""
    return int(timestamp // period)


def normalize(code: str) -> str:
    """Apps show codes as "123 456"; people paste them with spaces."""
    return "".join(code.split())


def is_well_formed(code: str) -> bool:
    # isdigit() alone also accepts other scripts' digits ("١٢٣"), which no app shows.
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def matching_step(key: bytes, code: str, timestamp: float, window: int = WINDOW) -> int | None:
    """The time step within `window` steps of `timestamp` whose code equals `code`, or None.

    Steps are tried newest first: when a code matches two steps (a one-in-a-million coincidence) the
    later one is returned, so a replay guard that stores it can never accept the same code again at a
    later step. pyotp compares in constant time."""
    code = normalize(code)
    if not is_well_formed(code):
        return None
    generator = pyotp.TOTP(base64.b32encode(key).decode("ascii"), digits=DIGITS, interval=PERIOD)
    for offset in range(window, -window - 1, -1):
        try:
            return generator.verify_and_get_timecode(code, for_time=timestamp + offset * PERIOD)
        except OTPVerificationError:
            continue
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI of the Key URI Format: label `issuer:account`, issuer repeated as parameter.
    A ':' inside either part would make the label ambiguous, so it is dropped (pyotp does not)."""
    issuer_part = issuer.replace(":", "").strip()
    account_part = account.replace(":", "").strip()
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).provisioning_uri(
        name=account_part, issuer_name=issuer_part)
