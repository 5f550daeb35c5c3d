"""Password hashing (argon2id, OWASP/NIST parameters) and the password policy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 12
MAX_LENGTH = 128
_COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    # Imported here, once per container: most requests (a session, a page) never check a password.
    from argon2 import PasswordHasher

    settings = get_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against this costs what a real verification costs, so unknown usernames take as
    # long as known ones.
    return _hasher().hash("dummy password for equal timing")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant-cost check; a missing hash (unknown user, no password set) verifies a dummy and fails."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        if stored_hash is None:
            _hasher().verify(_dummy_hash(), password)
            return False
        return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    lines = _COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, username: str = "", email: str = "") -> str | None:
    """Why a new password is refused (a translation key), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "password.too_short"
    if len(password) > MAX_LENGTH:
        return "password.too_long"
    lowered = password.lower()
    if lowered in _common_passwords():
        return "password.common"
    if username and username.lower() in lowered or email and email.lower() in lowered:
        return "password.contains_identity"
    if len(set(password)) < 4:
        return "password.common"
    return None
