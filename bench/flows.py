"""The flows whose cost is measured: each is an arrangement (not measured) and the ONE HTTP request
that is measured, sent through chalice's test client to the real app against moto.

`bench.handler_time` times them and `tests/api/test_request_budget.py` pins their DynamoDB request
counts, so the table in bench/README.md and the test always describe the same requests.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PASSWORD = "Correct-Horse-Battery-9"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_names = itertools.count(1)


class Visitor:
    """One browser: keeps its session cookie, sends JSON like the portal's pages do."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.cookie: str | None = None
        self.username = f"bench.user{next(_names)}"
        self.last: Any = None

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.cookie:
            headers["Cookie"] = f"portal_session={self.cookie}"
        return headers

    def _remember(self, response: Any) -> Any:
        cookie = response.headers.get("Set-Cookie", "")
        if cookie.startswith("portal_session="):
            self.cookie = cookie.split(";")[0].split("=", 1)[1] or None
        self.last = response
        return response

    def post(self, path: str, body: dict | None = None) -> Any:
        payload = json.dumps(body or {})
        return self._remember(self.client.http.post(path, body=payload, headers=self._headers()))

    def get(self, path: str) -> Any:
        return self._remember(self.client.http.get(path, headers=self._headers()))

    def body(self) -> dict:
        return json.loads(self.last.body)


@dataclass(frozen=True)
class Flow:
    name: str
    arrange: Callable[[Visitor], None]
    act: Callable[[Visitor], Any]
    status: int  # the measured request's expected answer
    target: int | None = None  # the DynamoDB request budget the design sets, if it sets one
    on_login_path: bool = True  # runs on every login: must not load PDF, QR or HTML libraries


# ---------------------------------------------------------------- arrangements


def account(visitor: Visitor, *, two_factor: bool = True) -> None:
    from chalicelib.services.accounts import create_account

    create_account(visitor.username, f"{visitor.username}@example.org", PASSWORD,
                   totp_secret=TOTP_SECRET if two_factor else None)


def full_session(visitor: Visitor, *, idle_seconds: int = 0) -> None:
    """An account with 2FA and a full session, last seen `idle_seconds` ago."""
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.sessions import FULL, new_session
    from chalicelib.storage.users import get_user

    account(visitor)
    session, visitor.cookie = new_session(get_user(visitor.username), FULL, "done", RequestContext())
    session.last_seen = int(session.last_seen) - idle_seconds
    session.save()


def failures(visitor: Visitor, count: int) -> None:
    account(visitor)
    for _ in range(count):
        wrong_password(visitor)


# ---------------------------------------------------------------- measured requests


def login(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/auth/login", {"username": visitor.username, "password": PASSWORD})


def wrong_password(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/auth/login", {"username": visitor.username, "password": "Not-The-Password-1"})


def me(visitor: Visitor) -> Any:
    return visitor.get("/api/v1/me")


def logout(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/auth/logout")


def nothing(visitor: Visitor) -> None:
    return None


FLOWS: tuple[Flow, ...] = (
    Flow("password step, success", account, login, 200, target=3),
    Flow("password step, wrong password", account, wrong_password, 401, target=3),
    Flow("password step, unknown name", nothing, wrong_password, 401, target=3),
    Flow("password step, 5th failure (locks)", lambda visitor: failures(visitor, 4), wrong_password, 401),
    Flow("GET /me, fresh session", full_session, me, 200, target=1),
    Flow("GET /me, idle > 1 min (touch)", lambda visitor: full_session(visitor, idle_seconds=61), me, 200),
    Flow("logout", full_session, logout, 204),
)


def by_name(name: str) -> Flow:
    return next(flow for flow in FLOWS if flow.name == name)
