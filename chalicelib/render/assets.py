"""Fingerprinted static files: every file under static/ is also served as `<stem>.<hash>.<ext>`, the hash
taken from its content when the container first needs it (start of the process or the function), so a
changed file gets a new name and browsers may keep any named version for a year.

Templates name a file through `asset("portal.css")`, which gives its fingerprinted path. A request for
a fingerprinted name whose hash is not the file's current one is refused (404) rather than answered
with other content under a name the browser caches as immutable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

STATIC = Path(__file__).with_name("static")
HASH_LENGTH = 10
IMMUTABLE = "public, max-age=31536000, immutable"
# A plain name (an old page in a browser's history, a mail client): revalidated soon.
SHORT = "public, max-age=300"
_FINGERPRINTED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Asset:
    path: Path  # the file under static/
    cache_control: str


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]


@cache
def fingerprinted_name(name: str) -> str:
    """`portal.css` -> `portal.3f2a1c9e0b.css` (the hash of its content now)."""
    path = STATIC / name
    return f"{path.stem}.{_digest(path)}{path.suffix}" if "/" not in name else name


def asset(name: str) -> str:
    """The URL path a template uses for a static file."""
    return f"/static/{fingerprinted_name(name)}"


def resolve(name: str) -> Asset | None:
    """The file a request for /static/<name> gets, with its cache rule; None: 404."""
    plain = _inside(name)
    if plain is not None:
        return Asset(plain, SHORT)
    match = _FINGERPRINTED.match(name)
    if match is None:
        return None
    original = f"{match['stem']}{match['suffix']}"
    path = _inside(original)
    if path is None or _digest(path) != match["hash"]:
        return None
    return Asset(path, IMMUTABLE)


def _inside(name: str) -> Path | None:
    """A regular file directly under static/ (no path traversal, no directories)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    candidate = (STATIC / name).resolve()
    if candidate.parent != STATIC.resolve() or not candidate.is_file():
        return None
    return candidate


def clear() -> None:
    """Forget computed names (tests change a file's content)."""
    fingerprinted_name.cache_clear()
