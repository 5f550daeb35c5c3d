"""Account rules shared by every flow: username and e-mail normalization, the public view of a user."""

from __future__ import annotations

import binascii
import re
from typing import Any

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.roles import Role
from chalicelib.storage import users
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.users import User

# The longest name an account can have; anything longer is refused before it reaches a storage key.
USERNAME_MAX = 64
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"'`,;:()\[\]\\]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
CRIB_PATTERN = re.compile(r"^[0-9]{9}$")
ROLES = tuple(Role)
STAFF_ROLES = frozenset({Role.SUPPORT, Role.ADMIN})


def normalize_username(username: str) -> str:
    """Usernames are case-insensitive; lockouts and lookups use this form."""
    return username.strip().lower()


def validate_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME_PATTERN.match(name):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="username")
    return name


def normalize_email(email: str) -> str:
    return email.strip().lower()


def validate_email(email: str) -> str:
    address = email.strip()
    if len(address) > 254 or not EMAIL_PATTERN.match(address):
        raise PortalError(ErrorCode.INVALID_EMAIL, field="email")
    return address


def validate_crib(crib: str, field: str = "crib") -> str:
    if not CRIB_PATTERN.match(crib or ""):
        raise PortalError(ErrorCode.INVALID_REQUEST, field=field)
    return crib


def mask_crib(crib: str | None) -> str | None:
    """Logs and mails never carry a whole CRIB number: ******789."""
    return None if not crib else "******" + crib[-3:]


def profile(user: User) -> dict:
    """What GET /me returns."""
    return {
        "username": user.username,
        "email": user.email,
        "roles": sorted(user.roles or []),
        "crib": user.crib,
        "language": user.language,
        "firm_name": user.firm_name,
        "mfa": {"enabled": bool(user.mfa_enabled), "backup_codes_left": int(user.backup_codes_left or 0),
                "passkeys": int(user.passkey_count or 0)},
    }


def seal_totp_secret(username: str, secret: str) -> str:
    """TOTP secrets are stored only sealed with AES-GCM, bound to their owner."""
    from chalicelib.security.crypto import seal
    from chalicelib.storage.keys import get_keys

    return seal(secret, get_keys().encryption_key, f"totp:{username}")


def open_totp_secret(username: str, sealed: str) -> str:
    from chalicelib.security.crypto import open_sealed
    from chalicelib.storage.keys import get_keys

    return open_sealed(sealed, get_keys().encryption_key, f"totp:{username}")


def create_account(username: str, email: str, password: str | None, **options: Any) -> User:
    """Create an account (`options` as `new_account`'s). Without a password, the owner sets one through
    an activation link.

    Raises PortalError: invalid_request (username, crib, roles, totp_secret), invalid_email,
    weak_password, username_taken, email_taken, crib_taken.
    """
    user = new_account(username, email, password, **options)
    save_new_account(user)
    return user


def save_new_account(user: User, event: AuditEvent | None = None) -> None:
    """Store a new account with its e-mail and CRIB reservations and its audit event in one transaction;
    an existing username, or an address or CRIB bound to another account, is refused atomically."""
    try:
        users.create_user(user, event)
    except users.UsernameTakenError:
        raise PortalError(ErrorCode.USERNAME_TAKEN, field="username") from None
    except users.EmailTakenError:
        raise PortalError(ErrorCode.EMAIL_TAKEN, field="email") from None
    except users.CribTakenError:
        raise PortalError(ErrorCode.CRIB_TAKEN, field="crib") from None


def backfill_reservations() -> dict:
    """Reserve the e-mail address and CRIB of every existing account that has none (accounts made before
    reservations existed). Idempotent: a second run finds everything held. Returns the counts per
    outcome and the clashes ("<account> <what>: taken by <owner>"), which need a person to decide."""
    counts = {"reserved": 0, "held": 0}
    clashes = []
    for user in users.accounts():
        for what, outcome in users.reserve_existing(user).items():
            if outcome in counts:
                counts[outcome] += 1
            else:
                clashes.append(f"{user.username} {what}: {outcome}")
    return {**counts, "clashes": sorted(clashes)}


def validate_totp_secret(secret: str) -> str:
    """An imported authenticator's base32 secret, normalized. At least 160 bits, the key length of RFC
    4226 and of the secrets the portal makes itself: a shorter key is within reach of a brute force."""
    from chalicelib.security import totp

    cleaned = secret.replace(" ", "").upper()
    try:
        key = totp.decode_secret(cleaned) if re.fullmatch(r"[A-Z2-7]+=*", cleaned) else b""
    except binascii.Error:
        key = b""
    if not key:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="totp_secret")
    if len(key) < totp.SECRET_BYTES:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="totp_secret", reason="totp.secret_too_short")
    return cleaned


def new_account(
    username: str,
    email: str,
    password: str | None,
    roles: list[str] | tuple[str, ...] = (Role.TAXPAYER,),
    crib: str | None = None,
    totp_secret: str | None = None,
    firm_name: str | None = None,
    language: str = "nl",
) -> User:
    """Validate and build an account without saving it (for callers that save it in one transaction
    with its audit event). Raises as create_account, except username_taken."""
    from chalicelib import clock
    from chalicelib.security import passwords

    name = validate_username(username)
    address = validate_email(email)
    if crib is not None:
        validate_crib(crib)
    unknown_roles = set(roles) - set(ROLES)
    if unknown_roles or not roles:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="roles")
    if password is not None:
        problem = passwords.password_problem(password, username=name, email=address)
        if problem:
            raise PortalError(ErrorCode.WEAK_PASSWORD, field="password", reason=problem)
    if totp_secret is not None:
        totp_secret = validate_totp_secret(totp_secret)
    return User(
        name,
        email=address,
        email_normalized=normalize_email(address),
        crib=crib,
        roles=set(roles),
        language=language,
        password_hash=passwords.hash_password(password) if password is not None else None,
        created_at=int(clock.now()),
        firm_name=firm_name,
        mfa_enabled=totp_secret is not None,
        totp_secret=seal_totp_secret(name, totp_secret) if totp_secret else None,
    )
