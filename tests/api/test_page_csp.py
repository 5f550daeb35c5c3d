"""Pages' Content-Security-Policy headers: the portal's own policy everywhere, plus the S3 upload origin
on the representative page (the browser uploads the CSV there directly)."""

from __future__ import annotations

from chalicelib.roles import Role
from tests.unit.test_csp import directives


def test_the_representative_page_may_connect_to_the_upload_origin_only(api, full_login):
    from chalicelib.storage.uploads import upload_origin

    full_login(api, "kantoor", roles=(Role.REPRESENTATIVE,), crib="200000009", firm_name="Kantoor B.V.")
    response = api.get("/representative")
    assert response.status_code == 200
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["connect-src"] == ["'self'", upload_origin()]
    assert policy["script-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]


def test_other_pages_connect_to_the_portal_only(api, full_login):
    full_login(api, "piet")
    for path in ("/portal", "/login", "/account"):
        policy = directives(api.get(path).headers["Content-Security-Policy"])
        assert policy["connect-src"] == ["'self'"], path
