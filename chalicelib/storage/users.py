"""The users table: one item per account, keyed by the normalized username, and one reservation item
per CRIB number bound to an account (key `crib#<number>`), which makes "a CRIB belongs to at most one
account" a put-if-absent instead of a read-then-write.

Reservation items share the table rather than having one of their own: no username can contain `#`
(accounts.USERNAME_PATTERN), they carry neither `email_normalized` nor `crib`, so neither index lists
them, and get_user() never returns one.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.storage.base import is_condition_failure, meta, transaction_connection

CRIB_KEY_PREFIX = "crib#"


class EmailIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "email-index"
        projection = AllProjection()

    email_normalized = UnicodeAttribute(hash_key=True)


class CribIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "crib-index"
        projection = AllProjection()

    crib = UnicodeAttribute(hash_key=True)


class User(Model):
    Meta = meta("users")

    username = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    email_normalized = UnicodeAttribute()
    crib = UnicodeAttribute(null=True)
    roles = UnicodeSetAttribute(default=set)
    language = UnicodeAttribute(default="nl")
    password_hash = UnicodeAttribute(null=True)
    # Sessions remember the epoch they were made in; bumping it ends every session at once.
    session_epoch = NumberAttribute(default=0)
    created_at = NumberAttribute()
    last_login = NumberAttribute(null=True)
    # Second factor (filled by the enrollment flow).
    mfa_enabled = BooleanAttribute(default=False)
    totp_secret = UnicodeAttribute(null=True)  # AES-GCM sealed, never plaintext
    totp_last_step = NumberAttribute(default=0)
    pending_totp_secret = UnicodeAttribute(null=True)
    pending_totp_expires = NumberAttribute(null=True)
    pending_totp_confirmed = BooleanAttribute(default=False)
    pending_totp_step = NumberAttribute(null=True)  # the confirming code's step: last used once active
    # The stored hash of the session that started the pending enrollment: only it may confirm and
    # activate, so a second session of the account (a stolen cookie) cannot collect the new codes.
    pending_totp_session = UnicodeAttribute(null=True)
    backup_codes_left = NumberAttribute(default=0)
    backup_set_id = UnicodeAttribute(null=True)
    backup_pdf_key = UnicodeAttribute(null=True)
    backup_pdf_handed_out = BooleanAttribute(default=False)
    backup_pdf_handout = UnicodeAttribute(null=True)  # random id of the request that took the hand-out
    # Registered passkeys (storage/passkeys.py), counted here so that the removal rule and the limit are
    # conditions of the same write as the change.
    passkey_count = NumberAttribute(default=0)
    # Representatives: the firm they act for.
    firm_name = UnicodeAttribute(null=True)
    # Self-service (services/account.py, services/password_reset.py): single-use link tokens, stored
    # only as SHA-256 with their expiry; the pending address becomes `email` when its link is used.
    pending_email = UnicodeAttribute(null=True)
    email_token_hash = UnicodeAttribute(null=True)
    email_token_expires = NumberAttribute(null=True)
    reset_token_hash = UnicodeAttribute(null=True)
    reset_token_expires = NumberAttribute(null=True)
    reset_purpose = UnicodeAttribute(null=True)  # "reset" | "activation"

    email_index = EmailIndex()
    crib_index = CribIndex()


class CribReservation(Model):
    """CRIB number -> the one account it is bound to (an item of the users table, see above)."""

    Meta = meta("users")

    key = UnicodeAttribute(hash_key=True, attr_name="username")
    owner = UnicodeAttribute()
    reserved_at = NumberAttribute()


def reservation_key(crib: str) -> str:
    return CRIB_KEY_PREFIX + crib


def get_user(username: str) -> User | None:
    if "#" in username:
        return None  # a reservation item, never an account
    try:
        return User.get(username, consistent_read=True)
    except DoesNotExist:
        return None


def find_by_email(email_normalized: str) -> list[User]:
    return list(User.email_index.query(email_normalized))


def find_by_crib(crib: str) -> list[User]:
    return list(User.crib_index.query(crib))


# ---------------------------------------------------------------- what a credential change voids
# The update actions behind services/transitions.py. Each group names disjoint attributes, so any
# combination of them is one valid UpdateItem.


def end_sessions() -> list[Action]:
    """Sessions carry the epoch they were made in: one increment ends all of them at once."""
    return [User.session_epoch.add(1)]


def void_email_change() -> list[Action]:
    """The pending address and its verification link (the link checks the stored hash)."""
    return [User.pending_email.remove(), User.email_token_hash.remove(), User.email_token_expires.remove()]


def void_reset_links() -> list[Action]:
    """Outstanding password reset and account activation links (they check the stored hash)."""
    return [User.reset_token_hash.remove(), User.reset_token_expires.remove(), User.reset_purpose.remove()]


def void_enrollment() -> list[Action]:
    """A pending (not yet active) TOTP secret and the session it was bound to."""
    return [
        User.pending_totp_secret.remove(),
        User.pending_totp_expires.remove(),
        User.pending_totp_confirmed.set(False),
        User.pending_totp_step.remove(),
        User.pending_totp_session.remove(),
    ]


class UsernameTakenError(Exception):
    """A user with that username exists already."""


class CribTakenError(Exception):
    """The CRIB number is bound to another account already."""


class ConcurrentChangeError(Exception):
    """The account changed between reading it and the conditional write."""


def crib_owner(crib: str) -> str | None:
    """The username a CRIB is reserved for, if any (a strongly consistent read)."""
    try:
        return CribReservation.get(reservation_key(crib), consistent_read=True).owner
    except DoesNotExist:
        return None


def create_user(user: User, *also: Model) -> None:
    """Store a new account, its CRIB reservation and `also` (new items such as its audit event) in one
    TransactWriteItems: refuses atomically an existing username or a CRIB bound to another account."""
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            transaction.save(user, condition=User.username.does_not_exist())
            if user.crib:
                transaction.save(CribReservation(reservation_key(user.crib), owner=user.username,
                                                 reserved_at=user.created_at),
                                 condition=CribReservation.key.does_not_exist())
            for item in also:
                transaction.save(item, condition=type(item)._hash_key_attribute().does_not_exist())
    except TransactWriteError as error:
        # Only puts: pynamodb sends them in the order above.
        if _failed_at(error, 0):
            raise UsernameTakenError(user.username) from error
        if user.crib and _failed_at(error, 1):
            raise CribTakenError(user.crib) from error
        raise


def bind_crib(user: User, crib: str | None, *, now: int, actions: tuple = (), also: tuple[Model, ...] = ()) -> None:
    """Bind `crib` (None: no CRIB) to an existing account in one TransactWriteItems: the account's CRIB
    is set only if it is still what `user` says, a new CRIB is reserved only if free (or already this
    account's), the old reservation is released, and `actions` (more updates of the account) and `also`
    (new items, e.g. the audit event) happen in the same transaction.

    Raises CribTakenError when the CRIB belongs to another account, ConcurrentChangeError when the
    account changed (or vanished) meanwhile."""
    old = user.crib
    current = User.crib.does_not_exist() if old is None else (User.crib == old)
    update = [User.crib.set(crib) if crib else User.crib.remove(), *actions]
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            transaction.update(User(user.username), actions=update, condition=User.username.exists() & current)
            if crib and crib != old:
                transaction.save(CribReservation(reservation_key(crib), owner=user.username, reserved_at=now),
                                 condition=CribReservation.key.does_not_exist()
                                 | (CribReservation.owner == user.username))
            if old and old != crib:
                # An account bound before reservations existed has none to release.
                transaction.delete(CribReservation(reservation_key(old)),
                                   condition=CribReservation.key.does_not_exist()
                                   | (CribReservation.owner == user.username))
            for item in also:
                transaction.save(item, condition=type(item)._hash_key_attribute().does_not_exist())
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise
        # The refusal was atomic; this read only says which one it was (pynamodb reorders the items).
        if crib and crib_owner(crib) not in (None, user.username):
            raise CribTakenError(crib) from error
        raise ConcurrentChangeError(user.username) from error


def _failed_at(error: TransactWriteError, position: int) -> bool:
    reasons = error.cancellation_reasons or []
    return position < len(reasons) and reasons[position] is not None and \
        reasons[position].code == "ConditionalCheckFailed"
