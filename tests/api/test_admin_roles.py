"""Role enforcement on every admin route, taken from the app's own route table: a route added under
/api/v1/admin is tested here automatically, so none can slip through unguarded."""

from __future__ import annotations

import json
import re

import pytest

from app import app as chalice_app
from tests.api.conftest import body

ADMIN_ROUTES = sorted(
    (path, method)
    for path, methods in chalice_app.routes.items()
    if path.startswith("/api/v1/admin")
    for method in methods
)


def test_the_desk_routes_are_all_found():
    assert ("/api/v1/admin/users/{username}/unblock", "POST") in ADMIN_ROUTES
    assert ("/api/v1/admin/audit", "GET") in ADMIN_ROUTES
    assert len(ADMIN_ROUTES) >= 9


# What a staff member could send to any of them.
PAYLOAD = {"reason": "role test", "username": "role.test", "email": "role@example.org", "roles": ["taxpayer"]}


def _call(api, path: str, method: str):
    # Path parameters name an existing account (so a missing guard cannot hide behind a 404) and a
    # reference.
    concrete = re.sub(r"\{[a-z_]+\}", lambda match: "jan.jansen" if match.group(0) == "{username}" else "SR-X",
                      path)
    if method == "GET":
        return api.get(concrete)
    return api.client.http.request(method, concrete, body=json.dumps(PAYLOAD), headers=api._headers(None))


@pytest.mark.parametrize(("path", "method"), ADMIN_ROUTES)
def test_every_admin_route_requires_a_full_staff_session_with_2fa(path, method, make_api, full_login,
                                                                  user_factory):
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.sessions import Level, new_session

    user_factory("jan.jansen")

    anonymous = make_api()
    response = _call(anonymous, path, method)
    assert response.status_code == 401 and body(response)["error"]["code"] == "not_authenticated"

    for role in ("taxpayer", "representative"):
        someone = make_api()
        full_login(someone, f"a.{role}", roles=(role,))
        response = _call(someone, path, method)
        assert response.status_code == 403 and body(response)["error"]["code"] == "forbidden", role

    # Staff after the password step only (partial session): not logged in yet.
    staff = user_factory("sam.support", roles=["support"], totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    partial = make_api()
    session, partial.cookie = new_session(staff, Level.PARTIAL, "totp", RequestContext())
    session.save()
    response = _call(partial, path, method)
    assert response.status_code in (401, 403)

    # A staff account without an active second factor, even holding a full session, gets nothing.
    no_2fa = user_factory("sara.support", roles=["support", "admin"])
    unprotected = make_api()
    session, unprotected.cookie = new_session(no_2fa, Level.FULL, "done", RequestContext())
    session.save()
    response = _call(unprotected, path, method)
    assert response.status_code == 403 and body(response)["error"]["code"] == "forbidden"

    # The same call with a proper staff session is not refused for its role.
    desk = make_api()
    full_login(desk, "sam.support")
    response = _call(desk, path, method)
    assert response.status_code not in (401, 403, 500), (response.status_code, response.body)
