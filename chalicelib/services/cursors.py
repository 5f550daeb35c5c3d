"""Opaque page cursors for the support desk's lists: a small JSON object, base64url-encoded.

A cursor only carries plain strings and numbers that the service itself turns back into a start key
for the query the caller's filters describe, so a forged cursor can move within that query, never
into another partition; anything malformed is a 400 naming `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json

from chalicelib.errors import ErrorCode, PortalError


def encode(position: dict[str, str | int]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(cursor: str | None, fields: dict[str, type]) -> dict | None:
    """The position in a cursor, with exactly the named fields of the named types (None without one)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="cursor") from None
    if (
        not isinstance(position, dict)
        or set(position) != set(fields)
        or any(type(position[name]) is not kind for name, kind in fields.items())
    ):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="cursor")
    return position
