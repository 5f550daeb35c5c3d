"""After a login with a backup code: how many codes are left, and a new list offered when few are
(NIST SP 800-63B-4 3.1.2; the owner gets the same in a mail). The login's second-step page comes here
after a backup code instead of going straight to the portal."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.pages import guarded_page, page_for
from chalicelib.services.second_factor import LOW_BACKUP_CODES
from chalicelib.services.sessions import Authenticated

blueprint = Blueprint(__name__)


@guarded_page(blueprint, "/mfa/backup-code-used")
def backup_code_used_page(current: Authenticated) -> Response:
    left = int(current.user.backup_codes_left or 0)
    return page_for(current, "backup_code_used.html", left=left, low=left <= LOW_BACKUP_CODES)
