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
