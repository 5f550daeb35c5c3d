"""The users table and the account's operations: one item per account, keyed by the normalized
username, and one reservation item per CRIB number (key `crib#<number>`) and per e-mail address (key
`email#<normalized address>`) bound to an account. Reservations make "a CRIB, an address belongs to at
most one account" a put-if-absent in the same transaction as the change, instead of a read-then-write.

Reservation items share the table rather than having one of their own: no username can contain `#`
(accounts.USERNAME_PATTERN), they carry neither `email_normalized` nor `crib`, so neither index lists
them, and get_user() never returns one.

Every write of an account goes through a named operation below; a refused condition raises
`Conflict` (or the subclass that tells the reason), never a pynamodb error. An operation that changes
a credential takes the `Transition` it makes and voids what that names (services/transitions.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.base import Conflict, is_condition_failure, meta
from chalicelib.storage.lockouts import Lockout, reset_actions

if TYPE_CHECKING:
    from chalicelib.storage.approvals import Decision
    from chalicelib.storage.sessions import Replacement

CRIB_KEY_PREFIX = "crib#"
EMAIL_KEY_PREFIX = "email#"


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
    # The pending secret replaced an earlier pending one, which the owner's app may hold already.
    pending_totp_replaces = BooleanAttribute(default=False)
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
    # When the account first logged in to a tax application (OpenID Connect, storage/oidc.py): from
    # then on the places that end its sessions look for client logins to end (services/oidc_logout.py);
    # an account that never did costs them no extra request.
    client_logins_since = NumberAttribute(null=True)
    # Self-service (services/account.py, services/password_reset.py): single-use link tokens, stored
    # only as SHA-256 with their expiry; the pending address becomes `email` when its link is used.
    pending_email = UnicodeAttribute(null=True)
    email_token_hash = UnicodeAttribute(null=True)
    email_token_expires = NumberAttribute(null=True)
    reset_token_hash = UnicodeAttribute(null=True)
    reset_token_expires = NumberAttribute(null=True)
    reset_purpose = UnicodeAttribute(null=True)  # "reset" | "activation"
    # The devices the account logged in from and the last new-device notice per kind of device
    # (storage/devices.py); written by the login's own update of this item.
    known_devices = MapAttribute(null=True)
    device_notices = MapAttribute(null=True)

    email_index = EmailIndex()
    crib_index = CribIndex()


class Reservation(Model):
    """A CRIB number or e-mail address -> the one account it is bound to (an item of the users table)."""

    Meta = meta("users")

    key = UnicodeAttribute(hash_key=True, attr_name="username")
    owner = UnicodeAttribute()
    reserved_at = NumberAttribute()


def crib_key(crib: str) -> str:
    return CRIB_KEY_PREFIX + crib


def email_key(email_normalized: str) -> str:
    return EMAIL_KEY_PREFIX + email_normalized


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


def _owner(key: str) -> str | None:
    try:
        return Reservation.get(key, consistent_read=True).owner
    except DoesNotExist:
        return None


def crib_owner(crib: str) -> str | None:
    """The username a CRIB is reserved for, if any (a strongly consistent read)."""
    return _owner(crib_key(crib))


def email_owner(email_normalized: str) -> str | None:
    """The username an e-mail address is reserved for, if any (a strongly consistent read)."""
    return _owner(email_key(email_normalized))


# ---------------------------------------------------------------- refusals


class UsernameTakenError(Conflict):
    """A user with that username exists already."""


class CribTakenError(Conflict):
    """The CRIB number is bound to another account already."""


class EmailTakenError(Conflict):
    """The e-mail address is bound to another account already."""


class ConcurrentChangeError(Conflict):
    """The account changed between reading it and the conditional write."""


# ---------------------------------------------------------------- transitions and what they void


class Void(str, Enum):
    SESSIONS = "sessions"  # every session of the account (the session epoch)
    EMAIL_CHANGE = "email_change"  # the pending address and its verification link
    RESET_LINKS = "reset_links"  # password reset and account activation links
    ENROLLMENT = "enrollment"  # a pending, not yet active TOTP secret


@dataclass(frozen=True)
class Transition:
    """A security-relevant change of an account and what it voids; services/transitions.py names them."""

    name: str
    voids: tuple[Void, ...]


# Each group names disjoint attributes, so any combination of them is one valid UpdateItem.
_VOIDED = {
    # Sessions carry the epoch they were made in: one increment ends all of them at once.
    Void.SESSIONS: lambda: [User.session_epoch.add(1)],
    # The link checks the stored hash: without it, the link is dead.
    Void.EMAIL_CHANGE: lambda: [User.pending_email.remove(), User.email_token_hash.remove(),
                                User.email_token_expires.remove()],
    Void.RESET_LINKS: lambda: [User.reset_token_hash.remove(), User.reset_token_expires.remove(),
                               User.reset_purpose.remove()],
    # A pending secret and the session it was bound to.
    Void.ENROLLMENT: lambda: [User.pending_totp_secret.remove(), User.pending_totp_expires.remove(),
                              User.pending_totp_confirmed.set(False), User.pending_totp_step.remove(),
                              User.pending_totp_session.remove()],
}


def void_actions(transition: Transition) -> list[Action]:
    """The update actions on the user item that void what `transition` voids."""
    return [action for void in transition.voids for action in _VOIDED[void]()]


def _same_epoch(user: User) -> Condition:
    """The account's sessions are still those `user` saw (no other transition ended them meanwhile)."""
    epoch = int(user.session_epoch or 0)
    condition = User.session_epoch == epoch
    return condition | User.session_epoch.does_not_exist() if epoch == 0 else condition


def _reserve(transaction: TransactWrite, key: str, owner: str, now: int) -> None:
    """Take a reservation unless another account holds it (holding it already is fine)."""
    transaction.save(Reservation(key, owner=owner, reserved_at=now),
                     condition=Reservation.key.does_not_exist() | (Reservation.owner == owner))


def _release(transaction: TransactWrite, key: str, owner: str) -> None:
    """Give up `owner`'s reservation (an account bound before reservations existed has none)."""
    transaction.delete(Reservation(key), condition=Reservation.key.does_not_exist() | (Reservation.owner == owner))


def _reset_lockouts(transaction: TransactWrite, keys: tuple[str, ...], first_threshold: int) -> None:
    for key in keys:
        transaction.update(Lockout(key), actions=reset_actions(first_threshold))


# ---------------------------------------------------------------- creating accounts and binding numbers


def create_user(user: User, event: AuditEvent | None = None) -> None:
    """Store a new account, its e-mail and CRIB reservations and its audit event in one
    TransactWriteItems: refuses atomically an existing username (UsernameTakenError), or an address or
    CRIB bound to another account (EmailTakenError, CribTakenError)."""
    try:
        with recorded_transaction(event) as transaction:
            transaction.save(user, condition=User.username.does_not_exist())
            _reserve(transaction, email_key(user.email_normalized), user.username, int(user.created_at))
            if user.crib:
                _reserve(transaction, crib_key(user.crib), user.username, int(user.created_at))
    except Conflict as refusal:
        # The refusal was atomic; these reads only say which one it was (pynamodb reorders the items).
        if get_user(user.username) is not None:
            raise UsernameTakenError(user.username) from refusal
        if email_owner(user.email_normalized) not in (None, user.username):
            raise EmailTakenError(user.email_normalized) from refusal
        if user.crib and crib_owner(user.crib) not in (None, user.username):
            raise CribTakenError(user.crib) from refusal
        raise


def bind_crib(user: User, crib: str | None, *, now: int, actions: tuple = (),
              also: tuple[AuditEvent, ...] = ()) -> None:
    """Bind `crib` (None: no CRIB) to an existing account in one TransactWriteItems: the account's CRIB
    is set only if it is still what `user` says, a new CRIB is reserved only if free (or already this
    account's), the old reservation is released, and `actions` (more updates of the account) and the
    audit event in `also` (at most one) happen in the same transaction.

    Raises CribTakenError when the CRIB belongs to another account, ConcurrentChangeError when the
    account changed (or vanished) meanwhile."""
    old = user.crib
    current = User.crib.does_not_exist() if old is None else (User.crib == old)
    update = [User.crib.set(crib) if crib else User.crib.remove(), *actions]
    (event,) = also or (None,)
    try:
        with recorded_transaction(event) as transaction:
            transaction.update(User(user.username), actions=update, condition=User.username.exists() & current)
            if crib and crib != old:
                _reserve(transaction, crib_key(crib), user.username, now)
            if old and old != crib:
                _release(transaction, crib_key(old), user.username)
    except Conflict as refusal:
        if crib and crib_owner(crib) not in (None, user.username):
            raise CribTakenError(crib) from refusal
        raise ConcurrentChangeError(user.username) from refusal


def accounts() -> Iterator[User]:
    """Every account (a scan that skips the reservation items): for operations commands only."""
    return User.scan(filter_condition=User.email_normalized.exists())


def reserve_existing(user: User) -> dict[str, str]:
    """Reserve the address and CRIB of an account made before reservations existed. Idempotent:
    a reservation the account holds already stays as it is. Returns {what: "reserved" | "held" |
    "taken by <owner>"} for "email" and (with a CRIB) "crib"."""
    wanted = {"email": email_key(user.email_normalized)}
    if user.crib:
        wanted["crib"] = crib_key(user.crib)
    outcome = {}
    for what, key in wanted.items():
        try:
            Reservation(key, owner=user.username, reserved_at=int(user.created_at)).save(
                condition=Reservation.key.does_not_exist())
            outcome[what] = "reserved"
        except PutError as error:
            if not is_condition_failure(error):
                raise
            owner = _owner(key)
            outcome[what] = "held" if owner == user.username else f"taken by {owner}"
    return outcome


# ---------------------------------------------------------------- credentials (each names its transition)


def change_password(user: User, password_hash: str, *, transition: Transition, event: AuditEvent,
                    keep: Replacement) -> None:
    """Set a new password hash, void what `transition` voids and replace the caller's session (`keep`)
    by one in the new epoch, in one transaction. A parallel change of the password or the sessions in
    the meantime wins: this one then changes nothing and raises Conflict."""
    _apply_keeping_session(user, transition, event, keep, [User.password_hash.set(password_hash)],
                           User.password_hash == user.password_hash)


def end_other_sessions(user: User, *, transition: Transition, event: AuditEvent, keep: Replacement) -> None:
    """Void what `transition` voids (every session included) and replace the caller's session (`keep`)
    by one in the new epoch, in one transaction. Raises Conflict when the sessions changed meanwhile."""
    _apply_keeping_session(user, transition, event, keep, [], None)


def _apply_keeping_session(user: User, transition: Transition, event: AuditEvent, keep: Replacement,
                           actions: list[Action], condition: Condition | None) -> None:
    same_epoch = _same_epoch(user)
    with recorded_transaction(event) as transaction:
        transaction.update(User(user.username), actions=[*void_actions(transition), *actions],
                           condition=same_epoch if condition is None else same_epoch & condition)
        keep.write(transaction)


def reset_password(username: str, link_hash: str, now: int, password_hash: str, *, transition: Transition,
                   event: AuditEvent, lockouts: tuple[str, ...], first_threshold: int) -> None:
    """Use a live reset or activation link (hash and expiry checked in the write): set the password,
    void what `transition` voids (the link itself included) and reset the `lockouts` counters, in one
    transaction. Raises Conflict when the link is not live (used, replaced or expired)."""
    with recorded_transaction(event) as transaction:
        transaction.update(User(username), actions=[User.password_hash.set(password_hash), *void_actions(transition)],
                           condition=(User.reset_token_hash == link_hash) & (User.reset_token_expires > now))
        _reset_lockouts(transaction, lockouts, first_threshold)


def reset_second_factor(username: str, *, transition: Transition, event: AuditEvent, lockouts: tuple[str, ...],
                        first_threshold: int, passkeys: Sequence[Model] = (),
                        approval: Decision | None = None) -> None:
    """Remove the TOTP secret and the backup-code set (which voids its codes) and delete the account's
    `passkeys` (storage/passkeys.py items), void what `transition` voids and reset the `lockouts`
    counters, in one transaction. The account's passkey count must still be len(passkeys), so a passkey
    registered after they were read cannot survive the reset. A second staff member's `approval`
    (storage/approvals.py) is written in the same transaction, conditional on the request still being
    pending. Raises Conflict when the account is gone, its passkeys changed or the approval was refused
    meanwhile."""
    removal = [
        User.mfa_enabled.set(False),
        User.totp_secret.remove(),
        User.totp_last_step.set(0),
        User.backup_codes_left.set(0),
        User.backup_set_id.remove(),
        User.backup_pdf_key.remove(),
        User.backup_pdf_handed_out.set(False),
        User.passkey_count.set(0),
        *void_actions(transition),
    ]
    same_passkeys = User.passkey_count == len(passkeys)
    if not passkeys:
        same_passkeys = same_passkeys | User.passkey_count.does_not_exist()
    with recorded_transaction(event) as transaction:
        transaction.update(User(username), actions=removal, condition=User.username.exists() & same_passkeys)
        for passkey in passkeys:
            transaction.delete(passkey)
        _reset_lockouts(transaction, lockouts, first_threshold)
        if approval is not None:
            approval.write(transaction)


def unblock(*, event: AuditEvent, lockouts: tuple[str, ...], first_threshold: int) -> None:
    """Reset the account's `lockouts` counters (lock and block alike) with the event, in one transaction."""
    with recorded_transaction(event) as transaction:
        _reset_lockouts(transaction, lockouts, first_threshold)


# ---------------------------------------------------------------- links and the recovery address


def issue_reset_link(username: str, link_hash: str, expires: int, purpose: str) -> None:
    """Store a new reset or activation link (any older one stops working). Conflict: no such account."""
    _update(username, [User.reset_token_hash.set(link_hash), User.reset_token_expires.set(expires),
                       User.reset_purpose.set(purpose)])


def start_email_change(username: str, address: str, link_hash: str, expires: int) -> None:
    """Store a pending address with its verification link (replacing any earlier one)."""
    _update(username, [User.pending_email.set(address), User.email_token_hash.set(link_hash),
                       User.email_token_expires.set(expires)])


def verify_email(user: User, address: str, address_normalized: str, link_hash: str, now: int, *,
                 transition: Transition, event: AuditEvent) -> None:
    """Use a live verification link: the pending `address` becomes the account's, its reservation is
    taken and the old address's released, and what `transition` voids is voided, in one transaction.

    Raises EmailTakenError when another account holds the address (the loser of two accounts verifying
    one address at once), Conflict when the link is not live (used, replaced or expired)."""
    try:
        with recorded_transaction(event) as transaction:
            transaction.update(
                User(user.username),
                actions=[User.email.set(address), User.email_normalized.set(address_normalized),
                         *void_actions(transition)],
                condition=(User.email_token_hash == link_hash) & (User.email_token_expires > now)
                & (User.pending_email == address),
            )
            _reserve(transaction, email_key(address_normalized), user.username, now)
            if user.email_normalized != address_normalized:
                _release(transaction, email_key(user.email_normalized), user.username)
    except Conflict as refusal:
        if email_owner(address_normalized) not in (None, user.username):
            raise EmailTakenError(address_normalized) from refusal
        raise


def set_language(username: str, language: str) -> None:
    _update(username, [User.language.set(language)])


def _update(username: str, actions: list[Action]) -> None:
    """One UpdateItem on an existing account; Conflict when it is gone."""
    try:
        User(username).update(actions=actions, condition=User.username.exists())
    except UpdateError as error:
        if is_condition_failure(error):
            raise Conflict() from error
        raise
