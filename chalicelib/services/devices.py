"""A readable name for the browser and system behind a User-Agent header, for the sessions overview.

Only a hint for the account's owner ("Firefox on Windows"), never used for a security decision.
"""

from __future__ import annotations

# First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux".
BROWSERS = (
    ("Edg/", "Edge"), ("EdgA/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
    ("SamsungBrowser/", "Samsung Internet"), ("CriOS/", "Chrome"), ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl"), ("python-requests/", "Python"),
)
SYSTEMS = (
    ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"), ("Windows", "Windows"), ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
)


def _first(user_agent: str, table: tuple[tuple[str, str], ...]) -> str | None:
    return next((name for marker, name in table if marker in user_agent), None)


def describe(user_agent: str | None) -> tuple[str | None, str | None]:
    """(browser, system); None for what cannot be told."""
    if not user_agent:
        return None, None
    return _first(user_agent, BROWSERS), _first(user_agent, SYSTEMS)
