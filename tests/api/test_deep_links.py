"""A deep link survives the login (api/pages.guarded_page, security/return_paths.py): a guarded page
asked for without a session sends to the login with `?next=`, every login step carries it on, and only
a same-origin path is ever rendered as a place to go."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import body
from tests.api.two_factor import PASSWORD, SECRET, code, password_step


def return_path(html: str, form: str) -> str:
    return re.search(rf'<form id="{form}"[^>]* data-return-path="([^"]*)"', html).group(1)


def test_a_guarded_page_sends_to_the_login_with_where_to_return(make_api):
    anonymous = make_api()
    response = anonymous.get("/support/audit?target=jan.jansen")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fsupport%2Faudit%3Ftarget%3Djan.jansen"
    # The portal itself is where a login ends anyway: no parameter.
    assert anonymous.get("/portal").headers["Location"] == "/login"


def test_the_login_steps_carry_the_return_path_to_the_second_factor(api, user_factory):
    user_factory("jan.jansen", totp_secret=SECRET)
    login = api.get("/login?next=/authorizations").body.decode()
    assert return_path(login, "login-form") == "/authorizations"
    assert body(password_step(api, "jan.jansen")) == {"next": "totp"}
    # A partial session asking for the page is sent to its second step, still carrying it.
    assert api.get("/authorizations").headers["Location"] == "/login/totp?next=%2Fauthorizations"
    second_step = api.get("/login/totp?next=/authorizations").body.decode()
    assert return_path(second_step, "totp-form") == "/authorizations"
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET)}).status_code == 200
    assert api.get("/authorizations").status_code == 200


def test_a_first_login_goes_through_the_set_up_with_the_return_path(api, user_factory):
    user_factory("jan.jansen")
    assert body(password_step(api, "jan.jansen")) == {"next": "enroll"}
    assert api.get("/account").headers["Location"] == "/mfa/activate?next=%2Faccount"
    page = api.get("/mfa/activate?next=/account").body.decode()
    assert 'href="/mfa/activate/3?next=%2Faccount"' in page


@pytest.mark.parametrize("unsafe", [
    "//evil.example", "https://evil.example", "/\\evil.example", "%2F%2Fevil.example", "/%2F%2Fevil.example",
    "%252F%252Fevil.example", "/%5Cevil.example", "javascript:alert(1)", "/login", "/%09/evil.example",
])
def test_a_return_path_off_the_portal_is_never_rendered(api, make_api, user_factory, unsafe):
    from urllib.parse import quote

    page = make_api().get(f"/login?next={quote(unsafe, safe='')}").body.decode()
    assert return_path(page, "login-form") == ""
    user_factory("jan.jansen", totp_secret=SECRET)
    password_step(api, "jan.jansen", PASSWORD)
    second_step = api.get(f"/login/totp?next={quote(unsafe, safe='')}").body.decode()
    assert return_path(second_step, "totp-form") == ""
