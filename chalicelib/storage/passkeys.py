"""Passkeys (WebAuthn credentials) and the challenges their ceremonies answer.

The passkeys table holds one item per registered credential, keyed by owner and credential id: the
login step looks a credential up under the account that passed the password, so another account's
credential is simply not found. Only public keys are stored.

The challenges table holds at most one outstanding challenge per session, keyed by the SHA-256 of the
session's token (the session that asked): a ceremony is finished by deleting that item under the
condition that it still holds the very challenge the browser signed and has not expired. That delete
sits in the same transaction as the change it allows, so a challenge is used once, also when the same
answer arrives many times at once.

Each change is one storage operation with its audit event in its transaction (register, rename,
remove); the login's commit is storage/second_factors.commit_passkey_login, beside the other login
commits. A write that a condition refuses raises `Conflict` (storage/base.py).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.base import meta
from chalicelib.storage.users import User

REGISTER = "register"
LOGIN = "login"


class Passkey(Model):
    Meta = meta("passkeys")

    username = UnicodeAttribute(hash_key=True)
    credential_id = UnicodeAttribute(range_key=True)  # base64url, as the browser reports it
    public_key = UnicodeAttribute()  # COSE key, base64url
    sign_count = NumberAttribute(default=0)
    transports = UnicodeSetAttribute(default=set)
    name = UnicodeAttribute()
    created_at = NumberAttribute()
    last_used = NumberAttribute(null=True)
    user_verified = NumberAttribute(default=0)  # 1 when the authenticator verified the person at registration


class PasskeyChallenge(Model):
    Meta = meta("passkey_challenges", ttl_attribute="expires_at")

    session_hash = UnicodeAttribute(hash_key=True)  # the asking session's stored token hash
    username = UnicodeAttribute()
    purpose = UnicodeAttribute()  # REGISTER | LOGIN
    challenge = UnicodeAttribute()  # base64url
    expires_at = NumberAttribute()  # checked in the consuming condition; TTL only tidies up


def passkeys_of(username: str) -> list[Passkey]:
    return list(Passkey.query(username, consistent_read=True))


def get_passkey(username: str, credential_id: str) -> Passkey | None:
    try:
        return Passkey.get(username, credential_id, consistent_read=True)
    except DoesNotExist:
        return None


def save_challenge(challenge: PasskeyChallenge) -> None:
    """A new challenge replaces the session's previous one (only the latest options can be answered)."""
    challenge.save()


def get_challenge(session_hash: str) -> PasskeyChallenge | None:
    try:
        return PasskeyChallenge.get(session_hash, consistent_read=True)
    except DoesNotExist:
        return None


def discard_challenge(session_hash: str) -> None:
    """A failed ceremony uses its challenge up too: the next try needs new options."""
    PasskeyChallenge(session_hash).delete()


def consume_in(writes: TransactWrite, challenge: PasskeyChallenge, now: int) -> None:
    """Within a storage operation's transaction: use `challenge`, deleted only if it is still stored
    unchanged for this purpose and account, and not expired."""
    writes.delete(PasskeyChallenge(challenge.session_hash), condition=(
        (PasskeyChallenge.challenge == challenge.challenge) & (PasskeyChallenge.purpose == challenge.purpose)
        & (PasskeyChallenge.username == challenge.username) & (PasskeyChallenge.expires_at > now)))


def record_use_in(writes: TransactWrite, passkey: Passkey, sign_count: int, now: int) -> None:
    """Within a login's transaction (storage/second_factors.commit_passkey_login): the new signature
    counter and time of use, written only if the counter is still the one the assertion was checked
    against."""
    writes.update(Passkey(passkey.username, passkey.credential_id),
                  actions=[Passkey.sign_count.set(sign_count), Passkey.last_used.set(now)],
                  condition=Passkey.sign_count == int(passkey.sign_count or 0))


def register(challenge: PasskeyChallenge, passkey: Passkey, limit: int, now: int, event: AuditEvent) -> None:
    """Store a new credential for the registration `challenge` (used up) and count it on the account
    (at most `limit`, and only while 2FA is active: registration re-asked the current second factor),
    with the audit event, in one transaction. Conflict when the challenge was used meanwhile (a
    parallel answer), the limit was reached or 2FA was reset in between."""
    with recorded_transaction(event) as writes:
        consume_in(writes, challenge, now)
        writes.save(passkey, condition=Passkey.credential_id.does_not_exist())
        writes.update(User(passkey.username), actions=[User.passkey_count.add(1)],
                      condition=(User.mfa_enabled == True)  # noqa: E712 - DynamoDB condition
                      & (User.passkey_count.does_not_exist() | (User.passkey_count < limit)))


def rename(passkey: Passkey, name: str, event: AuditEvent) -> None:
    """A new name for a stored credential, with the audit event. Conflict when it was removed."""
    with recorded_transaction(event) as writes:
        writes.update(Passkey(passkey.username, passkey.credential_id), actions=[Passkey.name.set(name)],
                      condition=Passkey.credential_id.exists())


def remove(passkey: Passkey, event: AuditEvent) -> None:
    """Delete a credential and count it off the account, with the audit event, in one transaction;
    never the account's last second factor: another passkey must remain or TOTP be active
    (docs/security.md "Passkeys"). Conflict when it is gone or is the last second factor."""
    with recorded_transaction(event) as writes:
        writes.delete(Passkey(passkey.username, passkey.credential_id), condition=Passkey.credential_id.exists())
        writes.update(User(passkey.username), actions=[User.passkey_count.add(-1)],
                      condition=(User.passkey_count > 0) & ((User.mfa_enabled == True)  # noqa: E712
                                                           | (User.passkey_count > 1)))

