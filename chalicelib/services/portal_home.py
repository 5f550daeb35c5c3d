"""What "Mijn portaal" shows about the person logged in: when they last logged in before this session
(so a login that was not theirs stands out) and the authorizations waiting for their confirmation."""

from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib.roles import Role
from chalicelib.services.audit_trail import FIRST
from chalicelib.services.authorizations import today
from chalicelib.services.sessions import Authenticated
from chalicelib.storage import audit as audit_store
from chalicelib.storage import authorizations as authorization_store
from chalicelib.storage.authorizations import PENDING

# The events that complete a login (the second step; a password alone is not a login).
COMPLETED_LOGINS = frozenset({"login.totp", "login.backup_code", "login.passkey"})
# Events read to find the previous login: enough for a person's own trail between two logins.
LOOK_BACK = 50
# The page counts pending authorizations up to this many (the authorizations page lists them all).
PENDING_SHOWN = 25


@dataclass(frozen=True)
class Overview:
    previous_login: int | None  # Unix time of the login before this session's; None: the first login
    pending_authorizations: int  # waiting for this person's confirmation (at most PENDING_SHOWN)
    more_pending: bool  # more than PENDING_SHOWN


def overview(current: Authenticated) -> Overview:
    previous = _previous_login(current)
    pending, more = _pending(current)
    return Overview(previous, pending, more)


def _previous_login(current: Authenticated) -> int | None:
    """The newest completed login recorded before this session began (the session's own login is
    recorded at its start, so everything up to one second before it counts)."""
    until = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(current.session.created_at) - 1)) + ".999Z~"
    events = audit_store.newest_first("target", current.user.username, since=FIRST, until=until, action="login.",
                                      limit=LOOK_BACK)
    for event in events:
        if event.action in COMPLETED_LOGINS and event.outcome == "success":
            return int(event.at)
    return None


def _pending(current: Authenticated) -> tuple[int, bool]:
    user = current.user
    if Role.TAXPAYER not in (user.roles or ()) or not user.crib:
        return 0, False
    items, more = authorization_store.by_client(user.crib, limit=PENDING_SHOWN, last_key=None, status=PENDING,
                                                on=today().isoformat())
    return len(items), bool(more)
