"""The Content-Security-Policy builder: directives in, one header out; extra sources by directive."""

from __future__ import annotations

import pytest

from chalicelib.api.csp import PORTAL


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def test_the_portal_policy_allows_only_the_portal_itself():
    policy = directives(PORTAL.header())
    assert policy["default-src"] == policy["script-src"] == policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == policy["base-uri"] == policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in PORTAL.header()


def test_an_extra_source_is_added_to_its_directive_only():
    extended = directives(PORTAL.allowing("connect-src", "https://uploads.example").header())
    assert extended["connect-src"] == ["'self'", "https://uploads.example"]
    assert {name: sources for name, sources in extended.items() if name != "connect-src"} == {
        name: sources for name, sources in directives(PORTAL.header()).items() if name != "connect-src"}
    assert directives(PORTAL.header())["connect-src"] == ["'self'"]  # the shared policy is unchanged


def test_a_real_source_replaces_none():
    assert directives(PORTAL.allowing("frame-ancestors", "https://portal.example").header())["frame-ancestors"] == [
        "https://portal.example"]


@pytest.mark.parametrize("source", ["https://a.example; script-src *", "https://a.example *", "a,b", ""])
def test_a_source_cannot_smuggle_in_another_directive(source):
    with pytest.raises(ValueError):
        PORTAL.allowing("connect-src", source)
