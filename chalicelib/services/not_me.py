""""Dit was ik niet": the owner reports activity on their account that they did not do.

After the confirmation page (the owner is logged in, so a page of the portal's own, never a browser
dialog) one write secures the account (storage/account_reports.py, transition `not_me_reported`):
every session ends, the caller's included, since an intruder's session looks the same; the password is
replaced by a random one nobody knows, so the old password logs nobody in any more; and a support
request naming the reported events is filed for the desk, with the audit event. Then a reset link
goes to the account's address.

Why a reset link and not a "must change the password at the next login" flag: with such a flag the
old password still opens the account, and whoever knows it (the intruder) could be the one who sets
the new password. A reset link reaches only the mailbox; the next login still asks the second factor.
When the mailbox itself is in doubt (the report names an e-mail change), the desk's request is the
way back: it verifies the owner before it acts.
"""

from __future__ import annotations

import logging

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.i18n import t
from chalicelib.security import passwords
from chalicelib.security.tokens import new_reference, new_token
from chalicelib.services import activity, notifications, password_reset, transitions
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.sessions import Authenticated
from chalicelib.storage import account_reports
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.base import Conflict, is_temporary_trouble
from chalicelib.storage.support_requests import OPEN, SupportRequest
from chalicelib.storage.users import User

log = logging.getLogger("portal.not_me")

KIND = "not_me"
MAX_EVENTS = 10


def concerned(current: Authenticated, event_ids: list[str], lang: str) -> list[dict]:
    """The reported events as the confirmation page shows them (only the caller's own: 400 otherwise)."""
    return [activity.describe(event, current.user, lang) for event in _owned(current, event_ids)]


def _owned(current: Authenticated, event_ids: list[str]) -> list[AuditEvent]:
    if len(event_ids) > MAX_EVENTS:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="events")
    return activity.owned(current.user, event_ids)


def _desk_message(events: list[AuditEvent], current: Authenticated, lang: str) -> str:
    lines = [t("not_me.desk_message", lang)]
    for event in events:
        shown = activity.describe(event, current.user, lang)
        lines.append(" — ".join(part for part in (shown["time"], shown["label"], shown["device"], shown["ip"],
                                                   event.event_id) if part))
    if not events:
        lines.append(t("not_me.desk_no_event", lang))
    return "\n".join(lines)


def report(current: Authenticated, event_ids: list[str], context: RequestContext) -> dict:
    """POST /account/activity/not-me: secure the account and file the desk's request. Returns the
    request's reference and the (masked) address the reset link went to."""
    user = current.user
    events = _owned(current, event_ids)
    lang = context.lang
    request = SupportRequest(new_reference("SR"), status=OPEN, kind=KIND, username=user.username, email=user.email,
                             message=_desk_message(events, current, lang), language=lang,
                             created_at=int(clock.now()))
    event = new_event("account.not_me_reported", actor=user.username, target=user.username, outcome="success",
                      context=context,
                      details={"reference": request.reference, "events": [e.event_id for e in events]})
    try:
        # A parallel report, password change or reset that ended the sessions first wins: 409.
        account_reports.secure(user, passwords.hash_password(new_token()),
                               transition=transitions.NOT_ME_REPORTED, request=request, event=event)
    except Conflict:
        raise PortalError(ErrorCode.CONFLICT) from None
    return {"reference": request.reference, "email": notifications.mask_email(user.email),
            "reset_link_sent": _send_reset_link(user, context)}


def _send_reset_link(user: User, context: RequestContext) -> bool:
    """The reset link, after the account is secured. AWS trouble now leaves the account secured all the
    same (answering 503 would tell the owner nothing happened): the page then points to 'Wachtwoord
    vergeten?', which mails a link just like this one."""
    try:
        password_reset.send_reset_link(user, context)
    except Exception as error:
        if not is_temporary_trouble(error):
            raise
        log.warning("reset link after a not-me report not sent now")
        return False
    return True
