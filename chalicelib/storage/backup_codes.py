"""The backup-codes table: one item per unused code, keyed by owner and the code's keyed hash.

Using a code deletes its item with a condition (it must still exist and belong to the owner's current
set), so each code works once, also under parallel requests. Only hashes are stored, never codes.
Replacing a set is one transaction with the user item (set id, count, PDF key, and the PDF's one
hand-out), conditional on the set being the one the caller saw: two parallel replacements cannot
both win.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.base import is_condition_failure, meta
from chalicelib.storage.users import User, get_user


class BackupCode(Model):
    Meta = meta("backup_codes")

    username = UnicodeAttribute(hash_key=True)
    code_hash = UnicodeAttribute(range_key=True)  # HMAC-SHA-256, see security/backup_codes.py
    set_id = UnicodeAttribute()  # the set it belongs to; a new set makes older items worthless
    created_at = NumberAttribute()


# Further writes a caller's operation adds to the replacing transaction (storage modules only).
Writes = Callable[[TransactWrite], None]


@dataclass(frozen=True)
class CodeSet:
    """A new set as it is stored: the codes' keyed hashes and the key of its printable PDF."""

    set_id: str
    code_hashes: tuple[str, ...]
    pdf_key: str
    created_at: int


def codes_of(username: str) -> list[BackupCode]:
    """Every stored code item of a user (to delete them when a set is replaced or 2FA reset)."""
    return list(BackupCode.query(username, consistent_read=True))


def unused_code_condition(set_id: str):  # type: ignore[no-untyped-def]
    """The condition under which deleting a code item means using it: it exists and is of this set."""
    return BackupCode.set_id == set_id


def delete_all(username: str) -> None:
    """Remove every code item of a user (2FA reset). The user's set id going away already voids them."""
    with BackupCode.batch_write() as batch:
        for item in codes_of(username):
            batch.delete(item)


def _current_two_factor(set_id: str | None):  # type: ignore[no-untyped-def]
    """The user item still has 2FA active with set `set_id`."""
    return (User.backup_set_id == set_id) & (User.mfa_enabled == True)  # noqa: E712 - DynamoDB condition


def consume_in(writes: TransactWrite, username: str, code_hash: str, set_id: str, *actions: Action) -> None:
    """Within a transaction: use one code (its item deleted: it must exist and be of the current set)
    and lower the user's count, with further `actions` on the user item."""
    writes.delete(BackupCode(username, code_hash), condition=unused_code_condition(set_id))
    writes.update(User(username), actions=[User.backup_codes_left.add(-1), *actions],
                  condition=_current_two_factor(set_id))


def consume(username: str, code_hash: str, set_id: str, event: AuditEvent) -> None:
    """Use one code with its audit event in one transaction (a resend after a lost answer then reads
    as the use it was, not as a used code). Conflict when it is unknown, used, or of a replaced set."""
    with recorded_transaction(event) as writes:
        consume_in(writes, username, code_hash, set_id)


def replace(username: str, old_set_id: str | None, new: CodeSet, event: AuditEvent, *, handout: str,
            user_actions: Sequence[Action] = (), condition=None,  # type: ignore[no-untyped-def]
            writes: Writes | None = None) -> None:
    """Store `new` in place of the user's set `old_set_id` with `event`, in one transaction: the old
    items go, the new ones arrive, and the user's set id, count and PDF key change; the PDF is recorded
    as handed out (to request `handout`), since the caller hands its link out in the same answer.

    `user_actions`/`condition` join the user item's update (one item, one write per transaction) and
    `writes` adds further items. Conflict when the user changed in the meantime. A user without a set
    has no items to delete (no Query then): a 2FA reset deletes them, and any it left are of a voided
    set, worthless against the new set id.
    """
    same_set = User.backup_set_id == old_set_id if old_set_id else User.backup_set_id.does_not_exist()
    with recorded_transaction(event) as transaction:
        if old_set_id:
            for old in codes_of(username):
                transaction.delete(old)
        for code_hash in new.code_hashes:
            transaction.save(BackupCode(username, code_hash, set_id=new.set_id, created_at=new.created_at))
        transaction.update(
            User(username),
            actions=[
                User.backup_set_id.set(new.set_id),
                User.backup_codes_left.set(len(new.code_hashes)),
                User.backup_pdf_key.set(new.pdf_key),
                User.backup_pdf_handed_out.set(True),
                User.backup_pdf_handout.set(handout),
                *user_actions,
            ],
            condition=same_set if condition is None else same_set & condition,
        )
        if writes is not None:
            writes(transaction)


def replace_regenerated(username: str, old_set_id: str | None, new: CodeSet, event: AuditEvent, *,
                        handout: str) -> None:
    """A set the owner asked for in place of the current one: only while 2FA is active."""
    replace(username, old_set_id, new, event, handout=handout, condition=User.mfa_enabled == True)  # noqa: E712


def hand_out(username: str, pdf_key: str, handout: str) -> bool:
    """Record the one hand-out of the set's PDF `pdf_key` to request `handout`; False when it was
    handed out before (or the set was replaced).

    One conditional update naming the request, so when botocore sends it again after a lost answer,
    the refusal of that second attempt is recognised as this request's own hand-out."""
    try:
        User(username).update(
            actions=[User.backup_pdf_handed_out.set(True), User.backup_pdf_handout.set(handout)],
            condition=(User.backup_pdf_key == pdf_key) & (User.backup_pdf_handed_out == False),  # noqa: E712
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        current = get_user(username)
        return current is not None and current.backup_pdf_key == pdf_key and current.backup_pdf_handout == handout
    return True




def take_sheet(username: str, handout: str, event: AuditEvent) -> None:
    """Use up the PDF's hand-out `handout` (the portal link to the sheet works once) with its audit
    event, in one transaction; Conflict when the account's hand-out is another one (used, replaced, or
    never this account's). A resend after a lost answer is recognised by the event (recorded_transaction)."""
    with recorded_transaction(event) as transaction:
        transaction.update(User(username), actions=[User.backup_pdf_handout.set(f"taken:{event.event_id}")],
                           condition=(User.backup_pdf_handout == handout) & User.backup_pdf_key.exists())
