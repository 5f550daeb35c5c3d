"""The 2FA reset itself, as the desk applies it: at once for a taxpayer's account, or once a second
staff member approved it (services/four_eyes.py). One transaction removes the second factor, ends every
session (the transition), resets the second-factor lockout, deletes the passkeys, writes the approval's
decision when there is one, and records the audit event; then the backup codes' items and PDF go and
the owner gets a notice."""

from __future__ import annotations

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import lockout, notifications, transitions
from chalicelib.storage import backup_codes, files, users
from chalicelib.storage import passkeys as passkey_store
from chalicelib.storage.approvals import Decision
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.base import Conflict
from chalicelib.storage.users import User, get_user


def apply(user: User, event: AuditEvent, approval: Decision | None = None, *, help_url: str | None = None) -> None:
    """Reset `user`'s second factor with `event` (and `approval`'s decision) in one transaction.
    404 when the account was removed meanwhile, 409 conflict when a passkey was added or removed
    meanwhile or the approval is no longer pending (nothing changed: the caller may look again)."""
    try:
        # The transition also ends the sessions, a pending enrollment, e-mail change and reset links:
        # whoever lost the phone may not be the only one who had it.
        users.reset_second_factor(
            user.username, transition=transitions.SECOND_FACTOR_RESET, event=event,
            lockouts=(lockout.key(lockout.Factor.SECOND_FACTOR, user.username),),
            first_threshold=lockout.FIRST_THRESHOLD,
            # Deleted in the reset's own transaction: a passkey left behind would log in again once the
            # owner registers a new one (the count alone would let it).
            passkeys=passkey_store.passkeys_of(user.username),
            approval=approval,
        )
    except Conflict:
        if get_user(user.username) is None:
            raise PortalError(ErrorCode.NOT_FOUND) from None  # the account was removed meanwhile
        raise PortalError(ErrorCode.CONFLICT) from None
    if user.client_logins_since is not None:  # ever logged in to a tax application: end those logins now
        from chalicelib.services.oidc_logout import after_sessions_of_ended

        after_sessions_of_ended(user)
    _remove_backup_codes(user)
    notifications.send(user, notifications.MailKind.MFA_RESET, help_url=help_url)


def _remove_backup_codes(user: User) -> None:
    """The codes themselves (one item each) and the set's PDF. Removing the set id in the transaction
    above already voids them; this deletes what is left."""
    backup_codes.delete_all(user.username)
    if user.backup_pdf_key:
        files.delete_backup_codes_pdf(user.backup_pdf_key)
