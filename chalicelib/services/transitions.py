"""The security-relevant transitions of an account, each with what it voids: one table, read by every flow
that makes such a change, so "recovery wins" holds the same way everywhere.

A credential change by the owner or the support desk ends what an intruder may have set going before
it: a pending e-mail change (whose link would take over the recovery address), outstanding password
reset and activation links, a pending 2FA enrollment, and the sessions. The flows apply `actions()` in
the same conditional write (or transaction) that makes the change itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pynamodb.expressions.update import Action

from chalicelib.storage import users


class Void(str, Enum):
    SESSIONS = "sessions"  # every session of the account (the session epoch)
    EMAIL_CHANGE = "email_change"  # the pending address and its verification link
    RESET_LINKS = "reset_links"  # password reset and account activation links
    ENROLLMENT = "enrollment"  # a pending, not yet active TOTP secret


@dataclass(frozen=True)
class Transition:
    name: str
    voids: tuple[Void, ...]


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
# The recovery address changed: links mailed to the old address must not outlive it.
EMAIL_VERIFIED = Transition("email_verified", (Void.EMAIL_CHANGE, Void.RESET_LINKS))

TRANSITIONS = (PASSWORD_CHANGED, PASSWORD_RESET, SECOND_FACTOR_RESET, OTHER_SESSIONS_ENDED, EMAIL_VERIFIED)

_ACTIONS = {
    Void.SESSIONS: users.end_sessions,
    Void.EMAIL_CHANGE: users.void_email_change,
    Void.RESET_LINKS: users.void_reset_links,
    Void.ENROLLMENT: users.void_enrollment,
}


def actions(transition: Transition) -> list[Action]:
    """The update actions on the user item that void what `transition` voids."""
    return [action for void in transition.voids for action in _ACTIONS[void]()]
