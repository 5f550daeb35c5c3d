"""The security-relevant transitions of an account, each with what it voids: one table, read by every flow
that makes such a change, so "recovery wins" holds the same way everywhere.

A credential change by the owner or the support desk ends what an intruder may have set going before
it: a pending e-mail change (whose link would take over the recovery address), outstanding password
reset and activation links, a pending 2FA enrollment, and the sessions. This module is data only: the
storage operations that change a credential (storage/users.py: change_password, reset_password,
reset_second_factor, end_other_sessions, verify_email; storage/account_reports.py: secure) take one
of these transitions as a required argument and void what it names in the same transaction as the
change itself, so no flow can change a credential without saying which transition it makes.
"""

from __future__ import annotations

from chalicelib.storage.users import Transition, Void

# Literal lists on purpose: what each transition voids is read here, not derived.
PASSWORD_CHANGED = Transition(
    "password_changed", (Void.SESSIONS, Void.EMAIL_CHANGE, Void.RESET_LINKS, Void.ENROLLMENT))
# Also an account's first password, set through its activation link.
PASSWORD_RESET = Transition(
    "password_reset", (Void.SESSIONS, Void.EMAIL_CHANGE, Void.RESET_LINKS, Void.ENROLLMENT))
SECOND_FACTOR_RESET = Transition(
    "second_factor_reset", (Void.SESSIONS, Void.EMAIL_CHANGE, Void.RESET_LINKS, Void.ENROLLMENT))
OTHER_SESSIONS_ENDED = Transition(
    "other_sessions_ended", (Void.SESSIONS, Void.EMAIL_CHANGE, Void.RESET_LINKS, Void.ENROLLMENT))
# "Dit was ik niet": the owner reports what they did not do. Every session ends, the caller's too (an
# intruder's may look like it), and the password is replaced by one nobody knows in the same write
# (storage/account_reports.py); a new reset link goes to the account's address after it.
NOT_ME_REPORTED = Transition(
    "not_me_reported", (Void.SESSIONS, Void.EMAIL_CHANGE, Void.RESET_LINKS, Void.ENROLLMENT))
# The recovery address changed: links mailed to the old address must not outlive it.
EMAIL_VERIFIED = Transition("email_verified", (Void.EMAIL_CHANGE, Void.RESET_LINKS))

TRANSITIONS = (PASSWORD_CHANGED, PASSWORD_RESET, SECOND_FACTOR_RESET, OTHER_SESSIONS_ENDED, EMAIL_VERIFIED,
               NOT_ME_REPORTED)
