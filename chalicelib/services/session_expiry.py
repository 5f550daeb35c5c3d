"""How long the caller's session has left, so pages can warn before the idle timeout (15 min) and
offer to stay logged in. Asking is activity: authenticating the request already touched the session."""

from __future__ import annotations

from chalicelib import clock
from chalicelib.services.sessions import TOUCH_INTERVAL, Authenticated
from chalicelib.settings import get_settings


def status(current: Authenticated) -> dict[str, int | str]:
    """Seconds until the idle and the absolute timeout, counted from the server's own record.

    `activity_interval` tells the page how stale the server's record of activity may be after any
    other request (activity is written at most that often), so its own estimate stays on the safe side.
    """
    settings = get_settings()
    now = int(clock.now())
    session = current.session
    absolute_left = max(0, int(session.absolute_expiry) - now)
    idle_left = max(0, settings.session_idle_seconds - (now - int(session.last_seen)))
    return {
        "level": session.level,
        "idle_timeout": settings.session_idle_seconds,
        "activity_interval": TOUCH_INTERVAL,
        "idle_expires_in": min(idle_left, absolute_left),
        "absolute_expires_in": absolute_left,
    }
