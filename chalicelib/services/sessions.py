"""Server-side sessions: 256-bit cookie tokens stored only as SHA-256, idle (15 min) and absolute (8 h)
timeouts, partial sessions after the password step, a new token at every step up.

The cookie carries `<token>.<username>`: the username lets one TransactGetItems request fetch the
session and its user together; the token alone authenticates, and both must match the stored item.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security.tokens import new_token, token_hash
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.settings import get_settings
from chalicelib.storage import sessions as store
from chalicelib.storage.sessions import Session
from chalicelib.storage.users import User


class Level(StrEnum):
    """How far a session's login got (stored on the session item as this string)."""

    PARTIAL = "partial"  # the password step only; `next_step` says which step follows
    FULL = "full"  # both factors


class Access(StrEnum):
    """Which sessions a route or page admits (docs/api.md: a partial session reaches only the
    second-factor and enrollment endpoints)."""

    FULL = "full"  # both factors, and no new password owed
    RENEW = "renew"  # both factors, also a session that must choose a new password first
    TOTP = "totp"  # a partial session whose next step is the second factor
    ENROLL = "enroll"  # a partial session whose next step is enrollment, or a full one (re-enrollment)
    ANY = "any"  # any live session

    def admits(self, session: Session) -> bool:
        full = session.level == Level.FULL
        if self is Access.RENEW:
            return full
        # A login whose password is now listed reaches nothing else until a new one is chosen.
        usable = full and not session.password_change_required
        if self is Access.FULL:
            return usable
        if self is Access.TOTP:
            return not full and session.next_step == "totp"
        if self is Access.ENROLL:
            return usable or (not full and session.next_step == "enroll")
        return True


# Activity is written at most once a minute: the idle timeout is exact to within that minute and
# most authenticated requests cost one DynamoDB read.
TOUCH_INTERVAL = 60


@dataclass(frozen=True)
class Authenticated:
    session: Session
    user: User
    cookie_value: str

    @property
    def is_full(self) -> bool:
        return self.session.level == Level.FULL

    @property
    def must_change_password(self) -> bool:
        """The login's password is on the breached list now: a new one comes before anything else."""
        return bool(self.session.password_change_required)


def new_session(user: User, level: Level, next_step: str, context: RequestContext) -> tuple[Session, str]:
    """Build (not save) a session; returns it with the cookie value to hand out once."""
    settings = get_settings()
    now = int(clock.now())
    token = new_token()
    lifetime = settings.session_absolute_seconds if level == Level.FULL else settings.partial_session_seconds
    session = Session(
        token_hash(token),
        username=user.username,
        level=level,
        next_step=next_step,
        epoch=int(user.session_epoch or 0),
        created_at=now,
        last_seen=now,
        absolute_expiry=now + lifetime,
        expires_at=now + min(lifetime, settings.session_idle_seconds),
        ip=context.ip,
        user_agent=(context.user_agent or "")[:300] or None,
        sid=new_token()[:22],
    )
    return session, f"{token}.{user.username}"


def continue_login(fresh: Session, old: Session) -> None:
    """`fresh` replaces `old` within the same login: it keeps the login's absolute end, time, the way
    it was made (`amr`) and its id towards relying parties (`sid`)."""
    fresh.created_at = old.created_at
    fresh.absolute_expiry = old.absolute_expiry
    fresh.expires_at = min(int(fresh.expires_at), int(old.absolute_expiry))
    fresh.amr = old.amr
    fresh.sid = old.sid or fresh.sid


def parse_cookie(cookie_value: str | None) -> tuple[str, str] | None:
    if not cookie_value or "." not in cookie_value:
        return None
    token, _, username = cookie_value.partition(".")
    if len(token) != 43 or not username or len(username) > 64:
        return None
    return token_hash(token), username


def authenticate(cookie_value: str | None) -> Authenticated:
    """The session behind a cookie, or 401 not_authenticated (missing, expired, ended or superseded)."""
    parsed = parse_cookie(cookie_value)
    if parsed is None:
        raise PortalError(ErrorCode.NOT_AUTHENTICATED)
    hashed, username = parsed
    session, user = store.get_session_with_user(hashed, username)
    settings = get_settings()
    now = int(clock.now())
    if (
        session is None
        or user is None
        or session.username != user.username
        or int(session.epoch) != int(user.session_epoch or 0)
        or now >= int(session.absolute_expiry)
        or now - int(session.last_seen) >= settings.session_idle_seconds
    ):
        raise PortalError(ErrorCode.NOT_AUTHENTICATED)
    if now - int(session.last_seen) >= TOUCH_INTERVAL and not store.touch(
        session, now, settings.session_idle_seconds
    ):
        raise PortalError(ErrorCode.NOT_AUTHENTICATED)
    return Authenticated(session, user, cookie_value or "")


def logout(cookie_values: list[str], context: RequestContext) -> None:
    """POST /auth/logout: each named session is deleted and the logout audited, in one transaction.

    Only a session that really existed for the name in the cookie is recorded: anyone can send a cookie
    `<43 characters>.<any name>`, and that must not write events about other people's accounts. A
    planted second cookie must not keep the user's own session alive, so each one named is ended.
    """
    for cookie_value in cookie_values:
        parsed = parse_cookie(cookie_value)
        if parsed is None:
            continue
        hashed, username = parsed
        store.delete_with_event(hashed, username, new_event("logout", actor=username, target=username,
                                                            outcome="success", context=context))


def list_for(user: User) -> list[Session]:
    """The user's live sessions (ended and superseded ones are left out)."""
    now = int(clock.now())
    idle = get_settings().session_idle_seconds
    return [
        session
        for session in store.sessions_of(user.username)
        if int(session.epoch) == int(user.session_epoch or 0)
        and now < int(session.absolute_expiry)
        and now - int(session.last_seen) < idle
    ]
