"""The sessions table: one item per login, keyed by the SHA-256 of the cookie token (never the token)."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactGet, TransactWrite

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.base import Conflict, is_condition_failure, meta, transaction_connection
from chalicelib.storage.users import User


class UsernameIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "username-index"
        projection = AllProjection()

    username = UnicodeAttribute(hash_key=True)


class Session(Model):
    Meta = meta("sessions", ttl_attribute="expires_at")

    token_hash = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute()
    # "partial": only the password was checked; "full": both factors.
    level = UnicodeAttribute()
    next_step = UnicodeAttribute()  # "totp" | "enroll" | "done"
    epoch = NumberAttribute(default=0)
    created_at = NumberAttribute()
    last_seen = NumberAttribute()
    absolute_expiry = NumberAttribute()
    expires_at = NumberAttribute()  # TTL: DynamoDB deletes expired items eventually; code checks times itself
    ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    # How the second step was made (RFC 8176 method names, e.g. ["pwd", "hwk", "user"] for a passkey
    # that verified the person); absent for logins before passkeys and for TOTP and backup codes.
    amr = UnicodeSetAttribute(null=True)
    # The password this login used is on the breached list (or fails today's policy): the owner must
    # choose a new one before anything else (services/sessions.py Access.RENEW). Carried from the
    # partial session to the full one; a password change's successor session is without it.
    password_change_required = BooleanAttribute(null=True)

    # The login's id towards relying parties (the ID token's `sid`): random, kept when the token is
    # replaced within one login (re-enrollment, a password change's successor); absent on older sessions.
    sid = UnicodeAttribute(null=True)

    username_index = UsernameIndex()


def get_session_with_user(token_hash: str, username: str) -> tuple[Session | None, User | None]:
    """Session and its user in one TransactGetItems request (the hot path of every authenticated call)."""
    with TransactGet(connection=transaction_connection()) as transaction:
        session_future = transaction.get(Session, token_hash)
        user_future = transaction.get(User, username)
    return _result(session_future), _result(user_future)


def _result(future):  # type: ignore[no-untyped-def]
    try:
        return future.get()
    except DoesNotExist:
        return None


def touch(session: Session, now: float, idle_seconds: int) -> bool:
    """Record activity, only while the session is still within its idle window (one conditional update)."""
    try:
        session.update(
            actions=[Session.last_seen.set(int(now)), Session.expires_at.set(int(now) + idle_seconds)],
            condition=Session.last_seen >= int(now) - idle_seconds,
        )
        return True
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise


def delete_with_event(token_hash: str, username: str, event: AuditEvent) -> bool:
    """Delete the stored session `token_hash` of `username` and save `event`, in one transaction; False
    (and nothing written) when no such session exists, so a made-up cookie leaves no trace."""
    try:
        with recorded_transaction(event) as transaction:
            _delete_own(transaction, token_hash, username)
    except Conflict:
        return False
    return True


def _delete_own(transaction: TransactWrite, token_hash: str, username: str) -> None:
    # Equality fails on a missing item too: the session must exist and belong to the name.
    transaction.delete(Session(token_hash), condition=Session.username == username)


def end_one(token_hash: str, username: str) -> None:
    """Delete one session, only ever one of `username`'s (gone already: nothing to do)."""
    try:
        Session(token_hash).delete(condition=Session.username == username)
    except DeleteError as error:
        if not is_condition_failure(error):
            raise


@dataclass(frozen=True)
class Replacement:
    """The caller's session replaced by `fresh` (in a new epoch) inside a transaction that ends all of
    an account's sessions, so the caller's own survives it."""

    old_token_hash: str
    username: str
    fresh: Session

    def write(self, transaction: TransactWrite) -> None:
        _delete_own(transaction, self.old_token_hash, self.username)
        transaction.save(self.fresh, condition=Session.token_hash.does_not_exist())


def sessions_of(username: str) -> list[Session]:
    return list(Session.username_index.query(username))
