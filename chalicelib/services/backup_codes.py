"""Backup-code sets: making a new set (at activation or on request), and handing out the link to its
printable PDF exactly once.

A set is ten codes stored only as keyed hashes, one item each, plus a PDF in S3. Replacing a set is
one transaction (storage/backup_codes.replace): the old items go, the new ones arrive and the user's
set id, count and PDF key change together, conditional on the set being the one this request saw (two
parallel replacements cannot both win). The same write records the PDF's one hand-out, so the link
comes with the answer; a set whose link was never taken is handed out by POST /mfa/backup-codes/pdf
with one conditional update (`handed out: false -> true`).

The link handed out is the portal's own (/mfa/backup-codes/sheet/<token>), never S3's: the token names
its end (5 minutes) and only its hash is stored, as the hand-out. Opening it needs the owner's full
session and uses the hand-out up (one conditional update); only then is the PDF fetched through a
presigned S3 link of one minute, so the sheet opens once, for its owner, within its lifetime.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security import backup_codes
from chalicelib.services import notifications
from chalicelib.services.audit import RequestContext, new_event, record
from chalicelib.services.reauth import reauthenticate
from chalicelib.services.sessions import Authenticated
from chalicelib.storage import backup_codes as backup_code_store
from chalicelib.storage import files
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.base import Conflict
from chalicelib.storage.keys import get_keys
from chalicelib.storage.users import User

# How a flow stores the new set: (the set, its audit event, the hand-out id) -> None; Conflict when
# the user changed in the meantime.
Store = Callable[[backup_code_store.CodeSet, AuditEvent, str], None]

SHEET_PATH = "/mfa/backup-codes/sheet/"
# How long the portal's link to a sheet works (docs/security.md: at most five minutes), and the S3
# link it redirects to once opened.
SHEET_LINK_SECONDS = files.LINK_SECONDS
S3_LINK_SECONDS = 60


@dataclass(frozen=True)
class Handout:
    """One hand-out of a sheet: the link given to the owner and what is stored of it."""

    link: str
    stored: str  # "<end>:<sha256 of the token>", the account's backup_pdf_handout


def new_handout(context: RequestContext) -> Handout:
    ends = int(clock.now()) + SHEET_LINK_SECONDS
    token = f"{ends}.{secrets.token_urlsafe(24)}"
    return Handout(f"{context.origin or ''}{SHEET_PATH}{token}", _stored(token, ends))


def _stored(token: str, ends: int) -> str:
    return f"{ends}:{hashlib.sha256(token.encode()).hexdigest()}"


@dataclass(frozen=True)
class NewSet:
    set_id: str
    pdf_link: str


def regenerate(current: Authenticated, password: str, code: str, context: RequestContext) -> NewSet:
    """POST /mfa/backup-codes: after password and second factor, a new set replaces the old one."""
    user = current.user
    if not user.mfa_enabled:
        raise PortalError(ErrorCode.NOT_CONFIRMED)
    reauthenticate(user, password, code, context)
    new_set = replace_set(user, context, "mfa.backup_codes.regenerated", lambda codes, event, handout:
                          backup_code_store.replace_regenerated(user.username, user.backup_set_id, codes, event,
                                                                handout=handout))
    notifications.send(user, notifications.MailKind.BACKUP_CODES_REGENERATED, help_url=notifications.help_link(context))
    return new_set


def replace_set(user: User, context: RequestContext, action: str, store: Store) -> NewSet:
    """Make a new set for `user` and its PDF, have `store` put it in place of the old set (voided, its
    PDF deleted), and return the new PDF's link: handed out by the same write, so exactly once.
    Raises PortalError(conflict) when the user changed in the meantime."""
    from chalicelib.render.pdf import backup_codes_pdf

    now = clock.now()
    codes = backup_codes.new_set()
    set_id = secrets.token_hex(16)
    # The sheet speaks the language of the screen it was made from (the request's), like the page around it.
    lang = context.lang or user.language or "nl"
    pdf_key = files.put_backup_codes_pdf(backup_codes_pdf(codes, user.username, lang, now))
    hmac_key = get_keys().hmac_key
    code_set = backup_code_store.CodeSet(
        set_id, tuple(backup_codes.digest(hmac_key, user.username, set_id, backup_codes.canonical(code))
                      for code in codes), pdf_key, int(now))
    event = new_event(action, actor=user.username, target=user.username, outcome="success", context=context,
                      details={"codes": len(codes)})
    handout = new_handout(context)
    try:
        store(code_set, event, handout.stored)
    except Exception as error:
        files.delete_backup_codes_pdf(pdf_key)
        if isinstance(error, Conflict):
            raise PortalError(ErrorCode.CONFLICT) from None
        raise
    if user.backup_pdf_key:
        files.delete_backup_codes_pdf(user.backup_pdf_key)
    return NewSet(set_id, handout.link)


def pdf_link(current: Authenticated, context: RequestContext) -> str:
    """POST /mfa/backup-codes/pdf: the current set's link, if it has not been handed out yet (410 after)."""
    user = current.user
    handout = new_handout(context)
    handed_out = user.backup_pdf_key and backup_code_store.hand_out(user.username, user.backup_pdf_key,
                                                                    handout.stored)
    if not handed_out:
        raise PortalError(ErrorCode.ALREADY_DOWNLOADED)
    record("mfa.backup_codes.pdf", actor=user.username, target=user.username, outcome="success", context=context)
    return handout.link


def open_sheet(current: Authenticated, token: str, context: RequestContext) -> str:
    """GET /mfa/backup-codes/sheet/<token>: the owner's link, once, within its lifetime -> a one-minute
    presigned S3 link to the PDF. 410 already_downloaded (audited as denied) for a link that was used,
    has expired, was replaced by a newer one, or is another account's."""
    user = current.user
    ends, _, _ = token.partition(".")
    fresh = ends.isdigit() and int(clock.now()) < int(ends) <= int(clock.now()) + SHEET_LINK_SECONDS
    if fresh and user.backup_pdf_key and len(token) <= 80:
        event = new_event("mfa.backup_codes.sheet", actor=user.username, target=user.username, outcome="success",
                          context=context)
        try:
            backup_code_store.take_sheet(user.username, _stored(token, int(ends)), event)
            return files.backup_codes_pdf_link(user.backup_pdf_key, seconds=S3_LINK_SECONDS)
        except Conflict:
            pass
    record("mfa.backup_codes.sheet", actor=user.username, target=user.username, outcome="denied", context=context)
    raise PortalError(ErrorCode.ALREADY_DOWNLOADED)
