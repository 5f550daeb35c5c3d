"""The OpenID Connect provider: the code flow with PKCE, tokens, userinfo, and the negative cases an
OpenID conformance run checks."""

from __future__ import annotations

import pytest

from tests.api.oidc_flow import Browser, code_for, exchange, payload, register


@pytest.fixture
def browser(api, full_login):
    register()
    full_login(api, "jan.jansen", crib="123456789")
    return Browser(api)


def test_code_flow_issues_tokens_and_userinfo_answers(browser, client):
    code, verifier = code_for(browser)
    response = exchange(client, code, verifier)
    assert response.status_code == 200, response.body
    tokens = payload(response)
    assert tokens["token_type"].lower() == "bearer" and tokens["expires_in"] == 300
    assert {"access_token", "id_token", "refresh_token"} <= set(tokens)
    info = client.http.get("/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}",
                                                       "Host": "127.0.0.1:8000"})
    assert info.status_code == 200, info.body
    assert payload(info)["email"] == "jan.jansen@example.org"
    assert payload(info)["crib"] == "123456789"
