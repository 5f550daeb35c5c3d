"""Where a login returns to: the page a visitor asked for before logging in, carried as `?next=`.

Only a relative path on this portal is accepted; anything a browser could resolve to another origin
(`//host`, `/\\host`, a scheme, their percent-encoded or control-character forms) is refused, so the
parameter cannot turn the login into an open redirect.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# A path and query of plain URL characters: no backslash, whitespace, quotes or control characters.
_ALLOWED = re.compile(r"^/[A-Za-z0-9\-._~/?=&%+]*$")
# The pages a login leads through or away from: never a destination of its own.
_REFUSED_PREFIXES = ("/login", "/logged-out", "/api/", "/static/", "/mfa/activate")
MAX_LENGTH = 512


def safe_return_path(value: str | None) -> str | None:
    """`value` if it is a same-origin relative path worth returning to, else None."""
    if not value or len(value) > MAX_LENGTH or not _ALLOWED.match(value):
        return None
    # Decoded as often as a chain of proxies and browsers might: at no stage may it name a host.
    decoded = value
    for _ in range(3):
        if not _is_local(decoded):
            return None
        decoded = unquote(decoded)
    if not _is_local(decoded):
        return None
    path = urlsplit(value).path
    if any(path == prefix.rstrip("/") or path.startswith(prefix) for prefix in _REFUSED_PREFIXES):
        return None
    if ".." in path.split("/"):
        return None
    return value


def _is_local(candidate: str) -> bool:
    if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
        return False
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in candidate):
        return False
    parts = urlsplit(candidate)
    return not parts.scheme and not parts.netloc
