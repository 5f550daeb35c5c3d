"""The demo application's logged-in sessions, kept in its own memory: the browser's cookie holds only a
random id. Keeping them here (not in the signed cookie) is what lets a back-channel logout from the
portal end a session that the browser still holds a cookie for."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Login:
    """One login at the portal: the ID token's claims (validated), what UserInfo added, and the raw ID
    token, sent back as `id_token_hint` when the user logs out."""

    claims: dict
    userinfo: dict
    id_token: str
    started_at: float = field(default_factory=time.time)

    @property
    def sub(self) -> str:
        return self.claims["sub"]

    @property
    def sid(self) -> str | None:
        return self.claims.get("sid")


# Why a session ended, as the next page load explains it.
ENDED_BY_PORTAL = "backchannel"
ENDED_BY_USER = "user"


class Logins:
    """Thread-safe store of the sessions, with a bounded memory of ended ones (so the next page can say
    why) and of back-channel logout tokens already used (a replayed one is refused)."""

    REMEMBERED = 1000

    def __init__(self, lifetime_seconds: int = 8 * 3600) -> None:
        self._lock = threading.Lock()
        self._live: dict[str, Login] = {}
        self._ended: OrderedDict[str, str] = OrderedDict()
        self._used_tokens: OrderedDict[str, float] = OrderedDict()
        self._lifetime = lifetime_seconds

    def start(self, login: Login) -> str:
        login_id = secrets.token_urlsafe(32)
        with self._lock:
            self._live[login_id] = login
        return login_id

    def get(self, login_id: str | None) -> Login | None:
        if not login_id:
            return None
        with self._lock:
            login = self._live.get(login_id)
            if login is not None and time.time() - login.started_at > self._lifetime:
                self._end(login_id, ENDED_BY_USER)
                return None
            return login

    def ended_reason(self, login_id: str | None) -> str | None:
        with self._lock:
            return self._ended.get(login_id) if login_id else None

    def end(self, login_id: str, reason: str = ENDED_BY_USER) -> None:
        with self._lock:
            self._end(login_id, reason)

    def end_matching(self, sub: str | None, sid: str | None) -> int:
        """End every session of the portal session `sid` (when given), else every session of `sub`;
        returns how many ended."""
        with self._lock:
            matching = [login_id for login_id, login in self._live.items()
                        if (sid is not None and login.sid == sid and (sub is None or login.sub == sub))
                        or (sid is None and login.sub == sub)]
            for login_id in matching:
                self._end(login_id, ENDED_BY_PORTAL)
            return len(matching)

    def use_token(self, jti: str, expires_at: float) -> bool:
        """False when this logout token was used before (replay)."""
        with self._lock:
            now = time.time()
            while self._used_tokens and next(iter(self._used_tokens.values())) < now:
                self._used_tokens.popitem(last=False)
            if jti in self._used_tokens:
                return False
            self._used_tokens[jti] = expires_at
            while len(self._used_tokens) > 10 * self.REMEMBERED:
                self._used_tokens.popitem(last=False)
            return True

    def live_count(self) -> int:
        with self._lock:
            return len(self._live)

    def _end(self, login_id: str, reason: str) -> None:
        if self._live.pop(login_id, None) is None:
            return
        self._ended[login_id] = reason
        while len(self._ended) > self.REMEMBERED:
            self._ended.popitem(last=False)
