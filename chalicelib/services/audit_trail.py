"""The audit viewer's queries: events newest first, filtered by target, actor, action and time,
paginated with an opaque cursor. Reading only: nothing here (or anywhere) edits or deletes events.

With a target or an actor the matching index is read; otherwise the day partitions are read from
the newest day back, at most MAX_DAYS_PER_PAGE of them per request, so one page never turns into an
unbounded number of queries.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import cursors
from chalicelib.services.staff import require_staff
from chalicelib.storage import audit as store
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.users import User

PAGE_SIZE = 50
DEFAULT_DAYS = 30
MAX_DAYS_PER_PAGE = 31
FIELD_MAX = 200
# Event ids start with an ISO time, so time filters are ranges on the sort key ("~" sorts after
# every character an event id uses, which makes an upper bound inclusive of everything it prefixes).
FIRST, LAST = "0000", "9999~"
TIME_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
EVENT_ID = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f]{1,32}$")


def describe(event: AuditEvent) -> dict:
    """The public form of one event."""
    return {
        "id": event.event_id,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(event.at))),
        "actor": event.actor,
        "target": event.target,
        "action": event.action,
        "outcome": event.outcome,
        "reason": event.reason,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "details": event.details.as_dict() if event.details is not None else None,
    }


def recent_for(target: str, limit: int) -> list[dict]:
    """The newest events about one account (for the user's page at the desk)."""
    return [describe(event) for event in store.newest_first("target", target, since=FIRST, until=LAST, limit=limit)]


def _time_bound(value: str | None, field: str) -> str | None:
    """'2027-01-15' or '2027-01-15T08:30[:00]' (UTC, optional Z) as an event-id prefix."""
    if not value:
        return None
    text = value.strip().removesuffix("Z")
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).strftime(pattern)
        except ValueError:
            continue
    raise PortalError(ErrorCode.INVALID_REQUEST, field=field)


def _filter(value: str | None, field: str) -> str | None:
    text = (value or "").strip()
    if len(text) > FIELD_MAX:
        raise PortalError(ErrorCode.INVALID_REQUEST, field=field)
    return text or None


def search(actor: User, *, target: str | None = None, by: str | None = None, action: str | None = None,
           since: str | None = None, until: str | None = None, cursor: str | None = None,
           limit: int = PAGE_SIZE) -> dict:
    """One page of events, newest first: {"items": [...], "cursor": str | None}."""
    require_staff(actor)
    target, by, action = _filter(target, "target"), _filter(by, "actor"), _filter(action, "action")
    lower, upper = _time_bound(since, "from"), _time_bound(until, "to")
    if lower and upper and lower > upper:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="from")
    bounds = {"since": lower or FIRST, "until": upper + "~" if upper else LAST}
    day, after = _position(cursor)
    if target or by:
        if day and not after:
            raise PortalError(ErrorCode.INVALID_REQUEST, field="cursor")
        source, value = ("target", target) if target else ("actor", by)
        items = list(store.newest_first(source, value, **bounds, action=action, actor=by, after=after,
                                        limit=limit + 1))
        return _page(items, limit, next_day=None)
    today = date.fromisoformat(time.strftime("%Y-%m-%d", time.gmtime(clock.now())))
    last_day = date.fromisoformat(upper[:10]) if upper else today
    first_day = date.fromisoformat(lower[:10]) if lower else last_day - timedelta(days=DEFAULT_DAYS)
    return _by_days(day or last_day, first_day, after, bounds, action, limit)


def _position(cursor: str | None) -> tuple[date | None, tuple[str, str] | None]:
    """(day to continue on, (day, event_id) to continue after) from a cursor; (None, None) without one."""
    position = cursors.decode(cursor, {"d": str, "e": str})
    if position is None:
        return None, None
    try:
        day = date.fromisoformat(position["d"])
    except ValueError:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="cursor") from None
    if not position["e"]:
        return day, None
    if not EVENT_ID.match(position["e"]):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="cursor")
    return day, (day.isoformat(), position["e"])


def _by_days(day: date, first_day: date, after: tuple[str, str] | None, bounds: dict, action: str | None,
             limit: int) -> dict:
    """Day partitions from `day` back to `first_day`, at most MAX_DAYS_PER_PAGE of them."""
    items: list[AuditEvent] = []
    for _ in range(MAX_DAYS_PER_PAGE):
        if day < first_day or len(items) > limit:
            break
        items += store.newest_first("day", day.isoformat(), **bounds, action=action, after=after,
                                    limit=limit + 1 - len(items))
        day, after = day - timedelta(days=1), None
    return _page(items, limit, next_day=day.isoformat() if day >= first_day else None)


def _page(items: list[AuditEvent], limit: int, next_day: str | None) -> dict:
    """A page of at most `limit` events; the cursor continues after the last one shown, or at the
    next day not read yet."""
    if len(items) > limit:
        items = items[:limit]
        cursor = cursors.encode({"d": items[-1].day, "e": items[-1].event_id})
    elif next_day is not None:
        cursor = cursors.encode({"d": next_day, "e": ""})
    else:
        cursor = None
    return {"items": [describe(event) for event in items], "cursor": cursor}
