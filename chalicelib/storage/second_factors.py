"""The operations on the users table that concern the login and the second factor: reading an account
with its password counter, committing a login step (password, TOTP code, backup code or passkey), the
TOTP replay guard, the pending enrollment and its activation.

Each is one request. A write that a condition refuses raises `Conflict` (storage/base.py); the
services say what it means for their flow. The audit event of a write is in its transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.transactions import TransactGet, TransactWrite

from chalicelib.storage import backup_codes, devices, passkeys
from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.base import Conflict, is_condition_failure, transaction_connection
from chalicelib.storage.devices import DeviceMemory
from chalicelib.storage.lockouts import CounterReset, Lockout, LockoutState, add_reset, state_of
from chalicelib.storage.passkeys import Passkey, PasskeyChallenge
from chalicelib.storage.rate_limits import RateCounter
from chalicelib.storage.sessions import Session
from chalicelib.storage.users import User

# How a login's second step was made, as RFC 8176 method names on the session (the ID token's `amr`).
# A printed backup code is a look-up secret: no registered name fits it ("otp" means HOTP/TOTP, "kba"
# knowledge questions), so it is "mfa" (several factors) beside "pwd" and the provider's own
# collision-resistant name for it.
TOTP_LOGIN_AMR = ("pwd", "otp", "mfa")
BACKUP_CODE_LOGIN_AMR = ("pwd", "mfa", "urn:digitaal-portaal:amr:lookup-secret")


def read_login(username: str, lockout_key: str) -> tuple[User | None, LockoutState]:
    """The account (None when there is none) and its password counter, in one TransactGetItems."""
    with TransactGet(connection=transaction_connection()) as reads:
        user_future = reads.get(User, username)
        lockout_future = reads.get(Lockout, lockout_key)
    return _found(user_future, username), state_of(_found(lockout_future))


def _found(future, username: str | None = None):  # type: ignore[no-untyped-def]
    if username is not None and "#" in username:
        return None  # a CRIB reservation item, never an account
    try:
        return future.get()
    except DoesNotExist:
        return None


def _replace_session(writes: TransactWrite, current: Session, session: Session) -> None:
    """The current session ends and `session` (a new token) takes its place. The delete is conditional
    on the level seen, so one partial session can be stepped up only once."""
    writes.delete(Session(current.token_hash), condition=Session.level == current.level)
    writes.save(session, condition=Session.token_hash.does_not_exist())


# ---------------------------------------------------------------- password step


def commit_password_login(session: Session, event: AuditEvent, reset: CounterReset,
                          address_slot: str | None) -> None:
    """A right password: the counter reset, the new partial session, the address's slot given back
    and the audit event, in one transaction."""
    with recorded_transaction(event) as writes:
        add_reset(writes, reset)
        writes.save(session)
        if address_slot:
            writes.update(RateCounter(address_slot), actions=[RateCounter.hits.add(-1)])


def rehash_password(username: str, old_hash: str, new_hash: str) -> None:
    """Store `new_hash` (today's parameters, same password) unless the password changed meanwhile:
    a new password wins over the re-hash of the old one."""
    try:
        User(username).update(actions=[User.password_hash.set(new_hash)], condition=User.password_hash == old_hash)
    except UpdateError as error:
        if not is_condition_failure(error):
            raise


# ---------------------------------------------------------------- TOTP replay guard


def _replay_guard(sealed_secret: str, step: int):  # type: ignore[no-untyped-def]
    """Accept `step` only if it is later than the last accepted one and the secret is still the one
    the code was checked against (a re-enrollment or 2FA reset in between makes it worthless)."""
    return (
        (User.totp_last_step.does_not_exist() | (User.totp_last_step < step))
        & (User.totp_secret == sealed_secret)
        & (User.mfa_enabled == True)  # noqa: E712 - DynamoDB condition
    )


def commit_totp_login(username: str, sealed_secret: str, step: int, now: int, current: Session,
                      session: Session, event: AuditEvent, reset: CounterReset,
                      device: DeviceMemory | None = None) -> None:
    """A TOTP code of `step` logs in: the step recorded by the replay guard, last login (and the
    `device`), the session rotated, the counter reset and the audit event in one transaction. Conflict
    when the step was used meanwhile (a replay), the secret changed, or the session was stepped up
    already. The new session records how it was made (`amr`, RFC 8176: password and one-time password)."""
    session.amr = set(TOTP_LOGIN_AMR)
    with recorded_transaction(event) as writes:
        writes.update(User(username), actions=[User.totp_last_step.set(step), User.last_login.set(now),
                                               *devices.actions(device)],
                      condition=_replay_guard(sealed_secret, step))
        _replace_session(writes, current, session)
        add_reset(writes, reset)


def use_totp_step(username: str, sealed_secret: str, step: int) -> None:
    """A re-check's TOTP code: its step recorded by the replay guard (one conditional update), so the
    code cannot log in afterwards. Conflict when it was used meanwhile or the secret changed."""
    try:
        User(username).update(actions=[User.totp_last_step.set(step)], condition=_replay_guard(sealed_secret, step))
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        raise Conflict() from error


def commit_backup_code_login(username: str, code_hash: str, set_id: str, now: int, current: Session,
                             session: Session, event: AuditEvent, reset: CounterReset,
                             device: DeviceMemory | None = None) -> None:
    """A backup code logs in: the code used up, last login (and the `device`), the session rotated, the
    counter reset and the audit event in one transaction. Conflict when the code is unknown, used or of
    a replaced set. The new session records how it was made (`amr`; docs/architecture.md explains them)."""
    session.amr = set(BACKUP_CODE_LOGIN_AMR)
    with recorded_transaction(event) as writes:
        backup_codes.consume_in(writes, username, code_hash, set_id, User.last_login.set(now),
                                *devices.actions(device))
        _replace_session(writes, current, session)
        add_reset(writes, reset)


def commit_passkey_login(username: str, challenge: PasskeyChallenge, passkey: Passkey, sign_count: int, now: int,
                         current: Session, session: Session, event: AuditEvent, reset: CounterReset,
                         device: DeviceMemory | None = None) -> None:
    """A passkey's assertion over `challenge` logs in: the challenge used up, the passkey's counter and
    time of use, last login and the `device` (while 2FA is active and a passkey is counted), the session
    rotated, the counter reset and the audit event in one transaction. Conflict when the challenge was used by a
    parallel answer, the counter moved, 2FA was reset or the session was stepped up meanwhile."""
    with recorded_transaction(event) as writes:
        passkeys.consume_in(writes, challenge, now)
        passkeys.record_use_in(writes, passkey, sign_count, now)
        writes.update(User(username), actions=[User.last_login.set(now), *devices.actions(device)],
                      condition=(User.mfa_enabled == True) & (User.passkey_count > 0))  # noqa: E712
        _replace_session(writes, current, session)
        add_reset(writes, reset)


# ---------------------------------------------------------------- enrollment


def start_enrollment(username: str, sealed_secret: str, expires: int, session_hash: str, event: AuditEvent,
                     resets: Sequence[CounterReset] = (), replaces: bool = False) -> None:
    """A new pending secret bound to the session `session_hash` (any earlier pending one forgotten, which
    `replaces` records), with the re-check's counter `resets` and the audit event, in one transaction."""
    with recorded_transaction(event) as writes:
        writes.update(
            User(username),
            actions=[
                User.pending_totp_secret.set(sealed_secret),
                User.pending_totp_expires.set(expires),
                User.pending_totp_confirmed.set(False),
                User.pending_totp_step.remove(),
                User.pending_totp_session.set(session_hash),
                User.pending_totp_replaces.set(replaces),
            ],
            condition=User.username.exists(),
        )
        for reset in resets:
            add_reset(writes, reset)


def _pending_for(sealed_secret: str, session_hash: str, now: int):  # type: ignore[no-untyped-def]
    """The pending enrollment is still the one seen (never a newer one started meanwhile), unexpired,
    and bound to the session `session_hash`."""
    return ((User.pending_totp_secret == sealed_secret) & (User.pending_totp_expires > now)
            & (User.pending_totp_session == session_hash))


def confirm_enrollment(username: str, sealed_secret: str, step: int, now: int, session_hash: str,
                       event: AuditEvent, reset: CounterReset) -> None:
    """A code from the app confirmed the pending secret: its step, the counter reset and the audit
    event in one transaction. Conflict when the pending enrollment changed, expired or is another
    session's."""
    with recorded_transaction(event) as writes:
        writes.update(User(username), actions=[User.pending_totp_confirmed.set(True), User.pending_totp_step.set(step)],
                      condition=_pending_for(sealed_secret, session_hash, now))
        add_reset(writes, reset)


def activate_enrollment(user: User, now: int, current: Session, session: Session, codes: backup_codes.CodeSet,
                        event: AuditEvent, handout: str, device: DeviceMemory | None = None) -> None:
    """The confirmed pending secret becomes the active one with the first backup-code set `codes` (and
    the `device` is remembered), and the session is rotated, in one transaction. The confirming code's
    step becomes the last used one, so that code cannot log in afterwards. Conflict when the enrollment
    changed meanwhile. The new session was made with the password and the confirming one-time password
    (`amr`)."""
    session.amr = set(TOTP_LOGIN_AMR)
    backup_codes.replace(
        user.username, user.backup_set_id, codes, event, handout=handout,
        user_actions=[
            User.totp_secret.set(user.pending_totp_secret),  # sealed for this username already
            User.mfa_enabled.set(True),
            User.totp_last_step.set(int(user.pending_totp_step or 0)),
            User.last_login.set(now),
            User.pending_totp_secret.remove(),
            User.pending_totp_expires.remove(),
            User.pending_totp_confirmed.set(False),
            User.pending_totp_step.remove(),
            User.pending_totp_session.remove(),
            *devices.actions(device),
        ],
        condition=_pending_for(user.pending_totp_secret, current.token_hash, now)
        & (User.pending_totp_confirmed == True),  # noqa: E712 - DynamoDB condition
        writes=lambda writes: _replace_session(writes, current, session),
    )
