"""New-device notices: a completed login (both factors) from a browser the account has not logged in
from before mails its owner the time, the device and the address, with the way to the activity page
and "Dit was ik niet".

A device is the signed device cookie's id (services/devices.py) together with the kind of device its
User-Agent names: a known id from another kind of browser (a copied cookie) is a new device. Notices
are grouped: at most one per kind of device in GROUP_SECONDS, so a browser that keeps no cookies (a
private window, an API client) does not mail at every login. The account's very first login (its
activation) has nothing to compare with and remembers its device without a notice.

What is remembered travels with the login's own write of the user item (storage/devices.py): no
DynamoDB request of its own. The mail goes out after that write, through notifications.send (the
outbox keeps it when SES cannot take it now).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import clock
from chalicelib.i18n import t
from chalicelib.services import devices, notifications
from chalicelib.services.audit import RequestContext
from chalicelib.storage.devices import DeviceMemory
from chalicelib.storage.users import User

GROUP_SECONDS = 12 * 3600
DEVICE_LIMIT = 10  # remembered per account; the least recently used is forgotten first
ACTIVITY_PAGE = "/account/activity"


@dataclass(frozen=True)
class Sighting:
    """What one login tells about its device: what to remember, and whether the owner is told."""

    memory: DeviceMemory
    new: bool
    notify: bool

    @property
    def details(self) -> dict | None:
        """For the login's audit event: the activity page marks a login from a new device."""
        return {"device": "new"} if self.new else None


def _plain(attribute: object) -> dict:
    return attribute.as_dict() if attribute is not None else {}  # type: ignore[attr-defined]


def sighting(user: User, context: RequestContext) -> Sighting:
    """The device of a login that is about to be committed, judged against the account as read."""
    now = int(clock.now())
    kind = devices.family(context.user_agent)
    device = devices.device_id(context.device_cookie)
    known, noticed = _plain(user.known_devices), _plain(user.device_notices)
    entry = known.get(device) if device else None
    new = entry is None or entry.get("f") != kind
    grouped = int(noticed.get(kind, 0)) > now - GROUP_SECONDS
    first_login = user.last_login is None
    notify = new and not first_login and not grouped
    forget_devices: tuple[str, ...] = ()
    if device and device not in known and len(known) >= DEVICE_LIMIT:
        by_use = sorted(known, key=lambda other: int(known[other].get("l", 0)))
        forget_devices = tuple(by_use[:len(known) - DEVICE_LIMIT + 1])
    forget_notices = tuple(other for other, at in noticed.items()
                           if other != kind and int(at) <= now - GROUP_SECONDS)
    # The first login's device counts as announced: a browser of its kind without the cookie groups with it.
    announced = notify or (first_login and not grouped)
    memory = DeviceMemory(
        device_id=device, family=kind, now=now, first_seen=None if new else int(entry["s"]),  # type: ignore[index]
        noticed=announced, has_devices=user.known_devices is not None, has_notices=user.device_notices is not None,
        forget_devices=forget_devices, forget_notices=forget_notices)
    return Sighting(memory, new, notify)


def notify(user: User, seen: Sighting, context: RequestContext) -> None:
    """After the login's write: the notice, when `seen` calls for one (a mail problem never undoes a login)."""
    if not seen.notify:
        return
    lang = user.language or "nl"
    place = context.ip or t("activity.place.unknown", lang)
    notifications.send(user, notifications.MailKind.NEW_DEVICE, device=devices.readable(context.user_agent, lang),
                       place=place, link=f"{context.origin or ''}{ACTIVITY_PAGE}",
                       help=f"{context.origin or ''}/help")
