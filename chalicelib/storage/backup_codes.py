"""The backup-codes table: one item per unused code, keyed by owner and the code's keyed hash.

Using a code deletes its item with a condition (it must still exist and belong to the owner's current
set), so each code works once, also under parallel requests. Only hashes are stored, never codes.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import meta


class BackupCode(Model):
    Meta = meta("backup_codes")

    username = UnicodeAttribute(hash_key=True)
    code_hash = UnicodeAttribute(range_key=True)  # HMAC-SHA-256, see security/backup_codes.py
    set_id = UnicodeAttribute()  # the set it belongs to; a new set makes older items worthless
    created_at = NumberAttribute()


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
