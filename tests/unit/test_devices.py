"""The sessions overview names browsers and systems from User-Agent headers."""

from __future__ import annotations

import pytest

from chalicelib.services.devices import describe

AGENTS = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
    "Safari/537.36 Edg/126.0.0.0": ("Edge", "Windows"),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0": ("Firefox", "Windows"),
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1": ("Safari", "iOS"),
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
    "Mobile Safari/537.36": ("Chrome", "Android"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
    "Safari/605.1.15": ("Safari", "macOS"),
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 "
    "Safari/537.36": ("Chrome", "Linux"),
    "python-requests/2.34.2": ("Python", None),
    "something else entirely": (None, None),
}


@pytest.mark.parametrize(("user_agent", "expected"), AGENTS.items())
def test_describe(user_agent, expected):
    assert describe(user_agent) == expected


def test_no_user_agent():
    assert describe(None) == (None, None)


READABLE = {
    "nl": ("Chrome op Windows", "Python op onbekend systeem", "Onbekend apparaat"),
    "en": ("Chrome on Windows", "Python on unknown system", "Unknown device"),
    "pap": ("Chrome riba Windows", "Python riba sistema deskonosí", "Aparato deskonosí"),
}
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Safari/537.36")


@pytest.mark.parametrize("lang", READABLE)
def test_readable_names_the_device_in_the_language(lang):
    from chalicelib.services.devices import readable

    known, browser_only, unknown = READABLE[lang]
    assert readable(CHROME_WINDOWS, lang) == known
    assert readable("python-requests/2.34.2", lang) == browser_only
    assert readable("something else entirely", lang) == unknown
    assert readable(None, lang) == unknown


def test_the_family_is_what_a_remembered_device_must_still_look_like():
    from chalicelib.services.devices import family

    assert family(CHROME_WINDOWS) == "chrome/windows"
    assert family(CHROME_WINDOWS.replace("126.0.0.0", "131.0.0.0")) == "chrome/windows"  # an update is no new device
    assert family(None) == "unknown/unknown"


def test_a_device_cookie_is_recognised_only_as_the_portal_signed_it(aws):
    from chalicelib.services.devices import device_id, new_device_cookie

    cookie = new_device_cookie()
    identifier, _, mac = cookie.partition(".")
    assert device_id(cookie) == identifier and len(identifier) == 22
    assert new_device_cookie() != cookie
    for forged in (f"{identifier}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}", identifier, "", None,
                   f"{identifier}x.{mac}", f"{'a' * 22}.{mac}"):
        assert device_id(forged) is None
