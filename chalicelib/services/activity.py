"""The account holder's own activity: every audit event about their account, their CRIB's
authorizations and what their account did, newest first, in words a taxpayer reads ("Ingelogd met de
authenticator-app", "Chrome op Windows", Curaçao time), so that they can spot what they did not do.

Three index queries per page (events about the account, about its CRIB, and by the account), merged
by event id (ids sort by time and are unique, so one id continues all three). Nothing of an event's
details reaches the page except the few fields LABEL_DETAILS names for a label: no tokens, codes,
reasons written by the desk, CRIB numbers or other accounts' targets.

Labels come from the catalogues: `activity.event.<action>` (and `activity.event.<action>.<outcome>`
where a refusal reads differently), so a new action gets its label with one line per language and no
code; an action without one reads as a generic "other account event", never as its code.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.i18n import catalogue, t
from chalicelib.services import cursors, devices, tax_types
from chalicelib.services.notifications import event_time
from chalicelib.services.sessions import Authenticated
from chalicelib.storage import audit as store
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.users import User

PAGE_SIZE = 20
EVENT_ID = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f]{1,32}$")
GENERIC_LABEL = "activity.event.other"
OTHER_ACCOUNT_LABEL = "activity.event.on_other_account"

# The only details an event shows, by action: each is a placeholder its label may use.
LABEL_DETAILS: dict[str, tuple[str, ...]] = {
    "passkey.added": ("passkey",),
    "passkey.renamed": ("passkey",),
    "passkey.removed": ("passkey",),
    "email.change": ("new",),  # masked when recorded (j***@example.org)
    "authorization.create": ("tax_type",),
    "authorization.confirm": ("tax_type",),
    "authorization.revoke": ("tax_type",),
    "oidc.token_on_behalf": ("tax_types",),  # the tax types an adviser logged in to an application for
}
DETAIL_MAX = 64

# Changes of the credentials or the recovery address: entries the page offers "Dit was ik niet" on,
# like every refused attempt and every login from a new device.
SENSITIVE_ACTIONS = frozenset({
    "password.change", "password_reset.complete", "password_reset.request", "email.change_requested",
    "email.change", "mfa.activated", "mfa.enrollment.start", "mfa.backup_codes.regenerated", "passkey.added",
    "passkey.removed", "session.end_others", "support.reset_2fa", "support.unblock", "support_request.filed",
})
DESK_PREFIXES = ("support.", "support_request.closed")


@dataclass(frozen=True)
class Page:
    items: list[dict]
    cursor: str | None


def sources(user: User) -> list[tuple[str, str]]:
    """The index partitions that hold the account's events."""
    found = [("target", user.username), ("actor", user.username)]
    if user.crib:
        found.append(("target", f"crib:{user.crib}"))
    return found


def _before(cursor: str | None) -> str | None:
    position = cursors.decode(cursor, {"e": str})
    if position is None:
        return None
    if not EVENT_ID.match(position["e"]):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="cursor")
    return position["e"]


def newest(user: User, cursor: str | None = None, limit: int = PAGE_SIZE) -> tuple[list[AuditEvent], str | None]:
    """One page of the account's events, newest first, and the cursor of the next page (None at the end)."""
    before = _before(cursor)
    merged: dict[str, AuditEvent] = {}
    for source, value in sources(user):
        for event in store.older_than(source, value, before, limit + 1):
            merged[event.event_id] = event
    ordered = sorted(merged.values(), key=lambda event: event.event_id, reverse=True)
    if len(ordered) <= limit:
        return ordered, None
    shown = ordered[:limit]
    return shown, cursors.encode({"e": shown[-1].event_id})


def page(current: Authenticated, lang: str, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """GET /account/activity: a page of the caller's own events, described in `lang`."""
    events, next_cursor = newest(current.user, cursor, limit)
    return Page([describe(event, current.user, lang) for event in events], next_cursor)


def owned(user: User, event_ids: list[str]) -> list[AuditEvent]:
    """The events with these ids, when every one of them is the account's own; 400 naming `events`
    otherwise (another account's event is refused like one that does not exist)."""
    if any(not isinstance(event_id, str) or not EVENT_ID.match(event_id) for event_id in event_ids):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="events")
    found = {event.event_id: event for event in store.by_ids(sorted(set(event_ids)))} if event_ids else {}
    partitions = set(sources(user))
    for event_id in event_ids:
        event = found.get(event_id)
        if event is None or not ({("target", event.target), ("actor", event.actor)} & partitions):
            raise PortalError(ErrorCode.INVALID_REQUEST, field="events")
    return sorted(found.values(), key=lambda event: event.event_id, reverse=True)


# ---------------------------------------------------------------- words for one event


class _Placeholders(dict):
    """Label parameters: a placeholder the event lacks reads as a dash, never as an error."""

    def __missing__(self, name: str) -> str:
        return "—"


def _details(event: AuditEvent, lang: str) -> _Placeholders:
    stored = event.details.as_dict() if event.details is not None else {}
    shown = _Placeholders()
    for name in LABEL_DETAILS.get(event.action, ()):
        value = stored.get(name)
        if value is None:
            continue
        # The portal's own names in full; anything else as recorded, cut at DETAIL_MAX.
        if name == "tax_type":
            value = tax_types.name(value, lang) if value in tax_types.TAX_TYPES else None
        elif name == "tax_types":
            value = ", ".join(tax_types.name(code, lang) for code in value if code in tax_types.TAX_TYPES) or None
        else:
            value = str(value)[:DETAIL_MAX]
        if value is not None:
            shown[name] = value
    return shown


def label(event: AuditEvent, user: User, lang: str) -> str:
    """What happened, in `lang`: the action's own words (for this outcome if it has them), else the
    generic label; a refusal without words of its own says how it ended. What the account did as
    the desk to another account has words of its own (`<action>.other`), never "your account"."""
    words = catalogue(lang)
    key = f"activity.event.{event.action}"
    generic = GENERIC_LABEL
    if event.action.startswith(DESK_PREFIXES) and ("target", event.target) not in sources(user):
        key, generic = f"{key}.other", OTHER_ACCOUNT_LABEL
    if f"{key}.{event.outcome}" in words:
        return words[f"{key}.{event.outcome}"].format_map(_details(event, lang))
    text = words[key].format_map(_details(event, lang)) if key in words else t(generic, lang)
    if event.outcome != "success":
        outcome = f"activity.outcome.{event.outcome}"
        text = t("activity.with_outcome", lang, label=text,
                 outcome=t(outcome if outcome in words else "activity.outcome.other", lang))
    return text


def by(event: AuditEvent, user: User, lang: str) -> str | None:
    """Who did it, when that was not simply the account itself (None then)."""
    if event.action.startswith(DESK_PREFIXES) and event.actor != user.username:
        return t("activity.by.desk", lang)
    if event.actor == "system":
        return t("activity.by.system", lang)
    if event.actor == "anonymous":
        return t("activity.by.anonymous", lang)
    if event.actor != user.username:
        return t("activity.by.other_account", lang)
    return None


def suspicious(event: AuditEvent) -> bool:
    """Worth a second look: a refused attempt, a lock, a login from a new device, a credential change."""
    details = event.details.as_dict() if event.details is not None else {}
    return (event.outcome != "success" or event.action.startswith("lockout.") or details.get("device") == "new"
            or event.action in SENSITIVE_ACTIONS)


def describe(event: AuditEvent, user: User, lang: str) -> dict:
    """The public form of one of the account's events (nothing of its details but its label's words)."""
    details = event.details.as_dict() if event.details is not None else {}
    return {
        "id": event.event_id,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(event.at))),
        "time": event_time(int(event.at)),
        "action": event.action,
        "label": label(event, user, lang),
        "outcome": event.outcome,
        "succeeded": event.outcome == "success",
        "by": by(event, user, lang),
        "device": devices.readable(event.user_agent, lang) if event.user_agent else None,
        "ip": event.ip,
        "new_device": details.get("device") == "new",
        "suspicious": suspicious(event),
    }
