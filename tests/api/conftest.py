"""API tests: the HTTP contract through chalice.test.Client against moto's mock_aws."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from app import app as chalice_app

JSON = {"Content-Type": "application/json"}


class Api:
    """A small browser-like wrapper: keeps the session cookie, sends JSON."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.cookie: str | None = None
        self.lang_cookie: str | None = None

    def _headers(self, extra: dict | None) -> dict:
        headers = dict(JSON)
        if self.cookie:
            headers["Cookie"] = f"portal_session={self.cookie}"
        headers.update(extra or {})
        return headers

    def _remember(self, response) -> None:
        cookie = response.headers.get("Set-Cookie", "")
        if cookie.startswith("portal_session="):
            value = cookie.split(";")[0].split("=", 1)[1]
            self.cookie = value or None

    def post(self, path: str, body: object = None, headers: dict | None = None):
        payload = body if isinstance(body, (str, bytes)) else json.dumps(body if body is not None else {})
        response = self.client.http.post(path, body=payload, headers=self._headers(headers))
        self._remember(response)
        return response

    def get(self, path: str, headers: dict | None = None):
        response = self.client.http.get(path, headers=self._headers(headers))
        self._remember(response)
        return response

    def delete(self, path: str, headers: dict | None = None):
        response = self.client.http.delete(path, body="{}", headers=self._headers(headers))
        self._remember(response)
        return response


@pytest.fixture
def client(aws):
    with Client(chalice_app, stage_name="local") as chalice_client:
        yield chalice_client


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def make_api(client):
    return lambda: Api(client)


def body(response) -> dict:
    return json.loads(response.body)


@pytest.fixture
def user_factory(aws):
    """Create accounts through the same service the operations command uses."""
    from chalicelib.services.accounts import create_account

    def make(username: str = "jan.jansen", password: str = "Correct-Horse-Battery-9", **kwargs):
        kwargs.setdefault("email", f"{username}@example.org")
        return create_account(username, password=password, **kwargs)

    return make


@pytest.fixture
def full_login(user_factory):
    """An account with 2FA and a full session for it, made through the session service directly
    (the second-factor flow itself is tested in test_second_factor.py)."""
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.sessions import Level, new_session

    def login(api: Api, username: str, roles: tuple[str, ...] = ("taxpayer",), **kwargs):
        from chalicelib.storage.users import get_user

        user = get_user(username) or user_factory(
            username, roles=list(roles), totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", **kwargs)
        session, cookie = new_session(user, Level.FULL, "done", RequestContext())
        session.save()
        api.cookie = cookie
        return user

    return login
