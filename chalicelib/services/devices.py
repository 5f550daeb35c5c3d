"""A readable name for the browser and system behind a User-Agent header (the sessions overview, the
activity page, the new-device notice), and the signed device cookie that tells a browser the account
used before from a new one.

Only hints for the account's owner ("Firefox on Windows"), never used to admit or refuse anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from chalicelib.i18n import t
from chalicelib.storage.keys import get_keys

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


def family(user_agent: str | None) -> str:
    """The kind of device a User-Agent names, as a short key ("chrome/windows"): what a remembered
    device must still look like, and what notices of new devices are grouped by."""
    browser, system = describe(user_agent)
    return f"{(browser or 'unknown').lower()}/{(system or 'unknown').lower()}"


# ---------------------------------------------------------------- the device cookie

# A random id per browser, signed so that the portal only ever remembers ids it handed out itself. It
# proves nothing about the person and opens nothing: it only tells a login from a browser the account
# used before (no notice) from one it did not (a notice to the owner).
DEVICE_ID_BYTES = 16
_MAC_BYTES = 16
_MAC_LABEL = b"portal device cookie\x00"
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest lifetime browsers keep a cookie for


def _mac(device_id: str) -> str:
    digest = hmac.new(get_keys().hmac_key, _MAC_LABEL + device_id.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_MAC_BYTES]).decode("ascii").rstrip("=")


def new_device_cookie() -> str:
    """A new signed device id: `<id>.<mac>`."""
    device_id = secrets.token_urlsafe(DEVICE_ID_BYTES)
    return f"{device_id}.{_mac(device_id)}"


def device_id(cookie_value: str | None) -> str | None:
    """The id in a device cookie the portal signed; None for a missing, malformed or forged one."""
    device, _, mac = (cookie_value or "").partition(".")
    if len(device) != 22 or len(mac) != 22 or not device.replace("-", "").replace("_", "").isalnum():
        return None
    return device if hmac.compare_digest(mac, _mac(device)) else None


def readable(user_agent: str | None, lang: str) -> str:
    """"Chrome op Windows" in `lang`, for pages and mails."""
    browser, system = describe(user_agent)
    if browser is None and system is None:
        return t("activity.device.unknown", lang)
    return t("sessions.browser_on_system", lang, browser=browser or t("sessions.unknown_browser", lang),
             system=system or t("sessions.unknown_system", lang))
