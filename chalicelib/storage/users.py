"""The users table: one item per account, keyed by the normalized username."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import meta


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


def get_user(username: str) -> User | None:
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


def create_user(user: User) -> None:
    """Store a new account; refuses (atomically) to overwrite an existing username."""
    try:
        user.save(condition=User.username.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise UsernameTakenError(user.username) from error
        raise
