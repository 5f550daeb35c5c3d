"""The re-check before a sensitive change (password, e-mail address, a new 2FA secret, new backup
codes): the password again and, once 2FA is active, the second factor too. One rule in one place, so
no change can be reached with less than a login asks.

The password is checked first (on its lockout counter) and the code only after it (on the
second-factor counter): a wrong password never spends a code. The code is a TOTP code or a backup
code, with the login's rules: a TOTP time step works once (a code typed here cannot log in
afterwards, nor the other way round), and a backup code is used up, because a code that has been
typed anywhere may have been seen.
"""

from __future__ import annotations

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import login, second_factor
from chalicelib.services.audit import RequestContext
from chalicelib.storage.users import User


def reauthenticate(user: User, password: str, code: str | None, context: RequestContext, *,
                   field: str | None = None, action: str = "reauth.password") -> None:
    """Raise unless `password` (and, with 2FA active, `code`) is right: 400 invalid_request naming
    `code` when it is needed and missing, 401 invalid_credentials naming `field` (the password's
    input), 401 invalid_code naming `code`, 423 when a counter is locked. `action` names the audited
    password check."""
    if user.mfa_enabled and not (code or "").strip():
        raise PortalError(ErrorCode.INVALID_REQUEST, field="code")
    login.recheck_password(user, password, context, action, field)
    if not user.mfa_enabled:
        return
    try:
        second_factor.check_second_factor(user, code or "", context)
    except PortalError as error:
        if error.code is not ErrorCode.INVALID_CODE:
            raise
        # The forms that ask this have several fields: the refusal says which one was wrong.
        raise PortalError(ErrorCode.INVALID_CODE, field="code", **error.extra) from None
