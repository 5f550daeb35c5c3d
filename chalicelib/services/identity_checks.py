"""How the support desk established who it was dealing with before it changes someone else's account
(ASVS 5.0 6.4.4: a lost factor is replaced only after identity proofing at the enrollment's level).

A 2FA reset and an unblock record which of a fixed list of checks the staff member did, at least one,
plus an optional note; "other" needs the note. The list follows how tax and banking desks identify a
caller: something shown (an identity document, at the counter or on video), a channel already on
record (a call back to the number we hold, a code by letter to the registered address) and what only
the taxpayer is expected to know from our own records (the CRIB number with the date of birth, the
latest tax return). The checks and the note go into the action's audit event.

What someone could have looked up or been told (the CRIB number, a date of birth, figures of a
return) is never enough on its own to replace a lost second factor (ASVS 5.0 6.4.2: no knowledge-based
authentication): a 2FA reset needs at least one check of a document or of a channel on record.
"""

from __future__ import annotations

from chalicelib.errors import ErrorCode, PortalError

# Order = the order the desk's form lists them in.
CHECKS = (
    "id_document_in_person",
    "id_document_video_call",
    "callback_registered_phone",
    "letter_registered_address",
    "crib_and_birth_date",
    "last_tax_return",
    "other",
)
# Checks of something the person shows or of a channel we already hold for them.
EVIDENCE_CHECKS = frozenset({"id_document_in_person", "id_document_video_call", "callback_registered_phone",
                             "letter_registered_address"})
NOTE_MAX = 500
# The field names of the API body; `identity_check` (one value) is what earlier clients send.
FIELD = "identity_checks"
NOTE_FIELD = "identity_note"
SINGLE_FIELD = "identity_check"


def checked(checks: object, note: object, single: object = None, *, evidence: bool = False) -> dict:
    """The audit details of the stated checks, or 400 naming the field that is wrong: no check at all,
    an unknown one, "other" without a note, a note that is too long, and with `evidence` (a 2FA reset)
    only checks of what someone could know."""
    chosen: list[str] = []
    if single is not None:
        if not isinstance(single, str) or single not in CHECKS:
            raise PortalError(ErrorCode.INVALID_REQUEST, field=SINGLE_FIELD, reason="desk.identity.unknown")
        chosen.append(single)
    if checks is not None:
        if not isinstance(checks, list) or not all(isinstance(check, str) and check in CHECKS for check in checks):
            raise PortalError(ErrorCode.INVALID_REQUEST, field=FIELD, reason="desk.identity.unknown")
        chosen += checks
    if not chosen:
        raise PortalError(ErrorCode.INVALID_REQUEST, field=FIELD, reason="desk.identity.required")
    text = note.strip() if isinstance(note, str) else ""
    if note is not None and not isinstance(note, str) or len(text) > NOTE_MAX:
        raise PortalError(ErrorCode.INVALID_REQUEST, field=NOTE_FIELD, reason="desk.identity.note_too_long")
    if "other" in chosen and not text:
        raise PortalError(ErrorCode.INVALID_REQUEST, field=NOTE_FIELD, reason="desk.identity.note_required")
    if evidence and not EVIDENCE_CHECKS & set(chosen):
        raise PortalError(ErrorCode.INVALID_REQUEST, field=FIELD, reason="desk.identity.evidence_required")
    details: dict = {"identity_checks": [check for check in CHECKS if check in chosen]}
    if text:
        details["identity_note"] = text
    return details
