"""The login's return path (security/return_paths.py): same-origin relative paths only, so `?next=`
cannot make the login an open redirect."""

from __future__ import annotations

import pytest

from chalicelib.security.return_paths import safe_return_path

REFUSED = [
    "//evil.example", "///evil.example", "https://evil.example", "http://evil.example/portal",
    "javascript:alert(1)", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
    "%2F%2Fevil.example", "/%2Fevil.example", "/%2F%2Fevil.example", "%252F%252Fevil.example",
    "/%252F%252Fevil.example", "/%5Cevil.example", "/%255Cevil.example", "/%09/evil.example",
    "/\t/evil.example", "/\n/evil.example", "/ /evil.example", "/portal\r\nLocation: //evil",
    "evil.example", "portal", "", None, "/" + "a" * 600, "/login", "/login/totp", "/logged-out?reason=idle",
    "/api/v1/me", "/static/portal.css", "/mfa/activate/7", "/../evil", "/account/../../evil",
    "/portal#//evil", '/portal"onmouseover=x', "/portal<script>",
]
ACCEPTED = ["/portal", "/authorizations", "/support/users/jan.jansen", "/support/audit?target=jan&action=login",
            "/representative?lang=en", "/account/sessions", "/support/requests/SR-AAAA-BBBB"]


@pytest.mark.parametrize("value", REFUSED)
def test_anything_that_could_leave_the_portal_is_refused(value):
    assert safe_return_path(value) is None


@pytest.mark.parametrize("value", ACCEPTED)
def test_a_path_on_the_portal_is_kept_as_it_is(value):
    assert safe_return_path(value) == value
