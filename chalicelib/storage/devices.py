"""The devices an account logged in from, remembered on its user item (`known_devices`: device id ->
{"f": family, "s": first seen, "l": last seen}) with the time of the last new-device notice per kind
of device (`device_notices`: family -> time).

Nothing here costs a request of its own: `actions()` gives the updates that the login's own write of
the user item carries (storage/second_factors.py), so a login from a known device and one from a new
device cost the same DynamoDB requests.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.expressions.update import Action

from chalicelib.storage.users import User


@dataclass(frozen=True)
class DeviceMemory:
    """What a login writes about the device it came from (services/device_notices.py decides)."""

    device_id: str | None  # None: a browser without the device cookie, nothing to remember it by
    family: str
    now: int
    first_seen: int | None  # when the device was first remembered; None for a new one
    noticed: bool  # the family's notice time is recorded (a notice goes out, or the first login's device)
    # The maps as the login read them: a missing map is set whole (a path into it would be refused).
    has_devices: bool
    has_notices: bool
    forget_devices: tuple[str, ...] = ()  # the least recently seen, beyond the limit
    forget_notices: tuple[str, ...] = ()  # notice times that no longer group anything


def actions(memory: DeviceMemory | None) -> list[Action]:
    """The updates of the user item that record `memory` (none without one)."""
    if memory is None:
        return []
    updates: list[Action] = []
    if memory.device_id is not None:
        entry = {"f": memory.family, "s": memory.first_seen or memory.now, "l": memory.now}
        if memory.has_devices:
            updates.append(User.known_devices[memory.device_id].set(entry))
            updates += [User.known_devices[old].remove() for old in memory.forget_devices]
        else:
            updates.append(User.known_devices.set({memory.device_id: entry}))
    if memory.noticed:
        if memory.has_notices:
            updates.append(User.device_notices[memory.family].set(memory.now))
            updates += [User.device_notices[old].remove() for old in memory.forget_notices]
        else:
            updates.append(User.device_notices.set({memory.family: memory.now}))
    return updates
