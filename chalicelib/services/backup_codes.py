"""Backup-code sets: making a new set (at activation or on request), and handing out the link to its
printable PDF exactly once.

A set is ten codes stored only as keyed hashes, one item each, plus a PDF in S3. Replacing a set is
one TransactWrite: the old items go, the new ones arrive and the user's set id, count and PDF key
change together, conditional on the set being the one this request saw (two parallel replacements
cannot both win). The PDF link is handed out by one conditional update (`handed out: false -> true`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security import backup_codes
from chalicelib.services import notifications
from chalicelib.services.audit import RequestContext, new_event, record
from chalicelib.services.reauth import reauthenticate
from chalicelib.services.sessions import Authenticated
from chalicelib.storage import files
from chalicelib.storage.audit import recorded_transaction
from chalicelib.storage.backup_codes import BackupCode, codes_of
from chalicelib.storage.base import Conflict, is_condition_failure, is_temporary_trouble
from chalicelib.storage.keys import get_keys
from chalicelib.storage.users import User, get_user

# Extra writes for the replacing transaction: (the transaction) -> None.
Writes = Callable[[TransactWrite], None]


@dataclass(frozen=True)
class NewSet:
    set_id: str
    # None if a parallel request of the owner took the one hand-out first, or the hand-out met
    # temporary trouble after the set was replaced (the PDF link endpoint hands it out then).
    pdf_link: str | None


def regenerate(current: Authenticated, password: str, code: str, context: RequestContext) -> NewSet:
    """POST /mfa/backup-codes: after password and second factor, a new set replaces the old one."""
    user = current.user
    if not user.mfa_enabled:
        raise PortalError(ErrorCode.NOT_CONFIRMED)
    reauthenticate(user, password, code, context)
    new_set = replace_set(user, context, "mfa.backup_codes.regenerated",
                          condition=User.mfa_enabled == True)  # noqa: E712 - DynamoDB condition
    notifications.send(user, notifications.MailKind.BACKUP_CODES_REGENERATED)
    return new_set


def replace_set(user: User, context: RequestContext, action: str, *, user_actions: list | None = None,
                condition=None, writes: Writes | None = None) -> NewSet:  # type: ignore[no-untyped-def]
    """Make a new set for `user`, void the old one and delete its PDF; returns the new PDF's link.

    `user_actions`/`condition` join the user item's update (one item, one write per transaction) and
    `writes` adds further items, so callers such as activation change everything in one transaction.
    Raises PortalError(conflict) when the user changed in the meantime.
    """
    from chalicelib.render.pdf import backup_codes_pdf

    now = clock.now()
    codes = backup_codes.new_set()
    set_id = secrets.token_hex(16)
    pdf_key = files.put_backup_codes_pdf(backup_codes_pdf(codes, user.username, user.language or "nl", now))
    same_set = User.backup_set_id == user.backup_set_id if user.backup_set_id else User.backup_set_id.does_not_exist()
    hmac_key = get_keys().hmac_key
    event = new_event(action, actor=user.username, target=user.username, outcome="success", context=context,
                      details={"codes": len(codes)})
    try:
        with recorded_transaction(event) as transaction:
            for old in codes_of(user.username):
                transaction.delete(old)
            for code in codes:
                code_hash = backup_codes.digest(hmac_key, user.username, set_id, backup_codes.canonical(code))
                transaction.save(BackupCode(user.username, code_hash, set_id=set_id, created_at=int(now)))
            transaction.update(
                User(user.username),
                actions=[
                    User.backup_set_id.set(set_id),
                    User.backup_codes_left.set(len(codes)),
                    User.backup_pdf_key.set(pdf_key),
                    User.backup_pdf_handed_out.set(False),
                    *(user_actions or []),
                ],
                condition=same_set if condition is None else same_set & condition,
            )
            if writes is not None:
                writes(transaction)
    except (Conflict, TransactWriteError) as error:
        files.delete_backup_codes_pdf(pdf_key)
        if isinstance(error, Conflict):
            raise PortalError(ErrorCode.CONFLICT) from None
        raise
    if user.backup_pdf_key:
        files.delete_backup_codes_pdf(user.backup_pdf_key)
    try:
        link = _hand_out(user.username, pdf_key)
    except Exception as error:
        if not is_temporary_trouble(error):
            raise
        link = None  # the new set is in place: POST /mfa/backup-codes/pdf hands its link out later
    return NewSet(set_id, link)


def pdf_link(current: Authenticated, context: RequestContext) -> str:
    """POST /mfa/backup-codes/pdf: the current set's link, if it has not been handed out yet (410 after)."""
    user = current.user
    link = _hand_out(user.username, user.backup_pdf_key) if user.backup_pdf_key else None
    if link is None:
        raise PortalError(ErrorCode.ALREADY_DOWNLOADED)
    record("mfa.backup_codes.pdf", actor=user.username, target=user.username, outcome="success", context=context)
    return link


def _hand_out(username: str, pdf_key: str) -> str | None:
    """The presigned link, exactly once per set: one conditional update records the hand-out.

    The update names this request, so when botocore sends it again after a lost answer, the refusal
    of that second attempt is recognised as this request's own hand-out, not a parallel one."""
    handout = secrets.token_hex(8)
    try:
        User(username).update(
            actions=[User.backup_pdf_handed_out.set(True), User.backup_pdf_handout.set(handout)],
            condition=(User.backup_pdf_key == pdf_key) & (User.backup_pdf_handed_out == False),  # noqa: E712
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        current = get_user(username)
        if current is None or current.backup_pdf_key != pdf_key or current.backup_pdf_handout != handout:
            return None
    return files.backup_codes_pdf_link(pdf_key)
