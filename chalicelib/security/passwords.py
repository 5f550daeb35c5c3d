"""Password hashing (argon2id, OWASP/NIST parameters) and the password policy."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 12
MAX_LENGTH = 128


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


# Context words (NIST SP 800-63B-4 3.1.1.2, ASVS 5.0 6.2.11): the service's own names. A password made
# only of these (with the account's username and e-mail local part), after normalisation, is refused.
CONTEXT_WORDS = ("belastingdienst", "curacao", "korsou", "digitaalportaal", "digitaal", "portaal")
# Leetspeak-lite: the usual look-alike digits and symbols read as the letters they stand for. A "1"
# is tried as both "i" and "l".
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_L = str.maketrans({"1": "l"})
_SURROUNDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SEPARATORS = re.compile(r"[\W_]+")
# A core this short is no word worth looking up (and a name this short is not looked for inside).
MIN_CORE = 4


def fold(text: str) -> str:
    """Lower case without diacritics: "Curaçao" -> "curacao"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _deleet(text: str) -> set[str]:
    return {text.translate(_LEET), text.translate(_LEET_L).translate(_LEET)}


def core(text: str) -> str:
    """The folded text without the digits and symbols around it: "2024-Curaçao!!" -> "curacao"."""
    return _SURROUNDING.sub("", fold(text))


def list_candidates(password: str) -> set[str]:
    """What is looked up in the breached list: the password itself (lower-cased) and its core, as
    typed and de-leeted ("P@ssw0rd-2024!" -> "p@ssw0rd-2024!", "p@ssw0rd", "password")."""
    stripped = core(password)
    candidates = {password.lower()}
    if len(stripped) >= MIN_CORE:
        candidates |= {stripped} | _deleet(stripped)
    return candidates


def _squeezed(text: str) -> set[str]:
    """The core de-leeted, without separators: "B3lasting-Dienst 2024" -> "belastingdienst"."""
    return {_SEPARATORS.sub("", variant) for variant in _deleet(core(text))}


def _identity_words(username: str, email: str) -> list[str]:
    words = [_SEPARATORS.sub("", fold(username)), _SEPARATORS.sub("", fold(email.partition("@")[0]))]
    return [word for word in words if word]


def is_breached(password: str) -> bool:
    """On the bundled list of breached and common passwords (security/password_list.py), also once
    normalised (case, digits and symbols around it, leetspeak-lite)."""
    from chalicelib.security import password_list

    return any(password_list.is_listed(candidate) for candidate in list_candidates(password))


def _only_context_words(password: str, identity: list[str]) -> bool:
    words = sorted({*CONTEXT_WORDS, *identity}, key=len, reverse=True)
    pattern = re.compile("(?:" + "|".join(re.escape(word) for word in words) + ")+")
    return any(variant and pattern.fullmatch(variant) for variant in _squeezed(password))


def _contains_identity(password: str, username: str, email: str, identity: list[str]) -> bool:
    lowered = password.lower()
    if username and username.lower() in lowered or email and email.lower() in lowered:
        return True
    squeezed = {_SEPARATORS.sub("", variant) for variant in _deleet(fold(password))}
    return any(len(word) >= MIN_CORE and any(word in variant for variant in squeezed) for word in identity)


def password_problem(password: str, *, username: str = "", email: str = "") -> str | None:
    """Why a new password is refused (a translation key), or None when it is acceptable. No
    composition rules: length, the breached list, context words, the account's own names."""
    if len(password) < MIN_LENGTH:
        return "password.too_short"
    if len(password) > MAX_LENGTH:
        return "password.too_long"
    identity = _identity_words(username, email)
    if _contains_identity(password, username, email, identity):
        return "password.contains_identity"
    if _only_context_words(password, identity):
        return "password.context"
    if len(set(password)) < 4 or is_breached(password):
        return "password.common"
    return None
