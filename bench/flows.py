"""The flows whose cost is measured: each is an arrangement (not measured) and the ONE HTTP request
that is measured, sent through chalice's test client to the real app.

`bench.handler_time` times them and `tests/api/test_request_budget.py` pins their DynamoDB request
counts, so the table in bench/README.md and the test always describe the same requests. A visitor's
state (account, cookie, secrets) can be written down after the arrangement and picked up in another
process, so a fresh process can run only the measured requests (`bench.login_paths`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

PASSWORD = "Correct-Horse-Battery-9"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_names = itertools.count(1)


class Visitor:
    """One browser: keeps its session cookie, sends JSON like the portal's pages do, and remembers
    what its owner knows (the TOTP secret, the printed backup codes)."""

    def __init__(self, client: Any, state: dict | None = None) -> None:
        self.client = client
        self.last: Any = None
        self.username: str = f"bench.user{next(_names)}"
        self.cookie: str | None = None
        self.secret: str | None = None
        self.backup_codes: list[str] = []
        self.email_link: str | None = None  # the token of a verification link mailed to the visitor
        for name, value in (state or {}).items():
            setattr(self, name, value)

    def state(self) -> dict:
        return {"username": self.username, "cookie": self.cookie, "secret": self.secret,
                "backup_codes": self.backup_codes, "email_link": self.email_link}

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

    def delete(self, path: str) -> Any:
        return self._remember(self.client.http.delete(path, body="{}", headers=self._headers()))

    def get(self, path: str) -> Any:
        return self._remember(self.client.http.get(path, headers=self._headers()))

    def body(self) -> dict:
        return json.loads(self.last.body)

    def expect(self, status: int) -> None:
        if self.last.status_code != status:
            raise RuntimeError(f"{self.last.status_code} instead of {status}: {self.last.body!r}")


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

    visitor.secret = TOTP_SECRET if two_factor else None
    create_account(visitor.username, f"{visitor.username}@example.org", PASSWORD, totp_secret=visitor.secret)


def full_session(visitor: Visitor, *, idle_seconds: int = 0) -> None:
    """An account with 2FA and a full session, last seen `idle_seconds` ago."""
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.sessions import Level, new_session
    from chalicelib.storage.users import get_user

    account(visitor)
    session, visitor.cookie = new_session(get_user(visitor.username), Level.FULL, "done", RequestContext())
    session.last_seen = int(session.last_seen) - idle_seconds
    session.save()


def failures(visitor: Visitor, count: int) -> None:
    account(visitor)
    for _ in range(count):
        wrong_password(visitor)


def password_step_done(visitor: Visitor) -> None:
    """An account with 2FA, its password given: a partial session waiting for the second factor."""
    account(visitor)
    login(visitor)
    visitor.expect(200)


def enrollment_due(visitor: Visitor) -> None:
    """A first login: an account without 2FA, its password given, enrollment next."""
    account(visitor, two_factor=False)
    login(visitor)
    visitor.expect(200)


def enrollment_started(visitor: Visitor) -> None:
    enrollment_due(visitor)
    start_enrollment(visitor)
    visitor.expect(200)


def enrollment_confirmed(visitor: Visitor) -> None:
    enrollment_started(visitor)
    confirm_enrollment(visitor)
    visitor.expect(200)


@contextlib.contextmanager
def printed_codes() -> Iterator[list[list[str]]]:
    """The backup codes of the sets made inside the block (what the owner reads off the PDF)."""
    from chalicelib.security import backup_codes

    made: list[list[str]] = []
    original = backup_codes.new_set

    def new_set(*args: Any, **kwargs: Any) -> list[str]:
        made.append(original(*args, **kwargs))
        return made[-1]

    backup_codes.new_set = new_set
    try:
        yield made
    finally:
        backup_codes.new_set = original


def enrolled_password_step_done(visitor: Visitor) -> None:
    """An account that went through enrollment (with a backup-code set), logged in again up to the
    second factor."""
    with printed_codes() as made:
        enrollment_confirmed(visitor)
        activate_enrollment(visitor)
        visitor.expect(200)
    visitor.backup_codes = made[-1]
    logout(visitor)
    login(visitor)
    visitor.expect(200)


def email_change_requested(visitor: Visitor) -> None:
    """A full session whose owner asked for a new address and holds its verification link."""
    from chalicelib.security.tokens import new_token, token_hash
    from chalicelib.services.password_reset import link_token
    from chalicelib.storage import users

    full_session(visitor)
    token = new_token()
    users.start_email_change(visitor.username, f"{visitor.username}@nieuw.example", token_hash(token), 2**31)
    visitor.email_link = link_token(token, visitor.username)


def nothing(visitor: Visitor) -> None:
    return None


# ---------------------------------------------------------------- measured requests


def login(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/auth/login", {"username": visitor.username, "password": PASSWORD})


def wrong_password(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/auth/login", {"username": visitor.username, "password": "Not-The-Password-1"})


def current_code(visitor: Visitor) -> str:
    import pyotp

    from chalicelib import clock

    return pyotp.TOTP(visitor.secret).at(clock.now())


def totp(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/auth/totp", {"code": current_code(visitor)})


def wrong_totp(visitor: Visitor) -> Any:
    wrong = f"{(int(current_code(visitor)) + 500_000) % 1_000_000:06d}"
    return visitor.post("/api/v1/auth/totp", {"code": wrong})


def backup_code(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/auth/backup-code", {"code": visitor.backup_codes[0]})


def me(visitor: Visitor) -> Any:
    return visitor.get("/api/v1/me")


def logout(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/auth/logout")


def verify_email(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/account/email/verify", {"token": visitor.email_link})


def end_other_sessions(visitor: Visitor) -> Any:
    return visitor.delete("/api/v1/account/sessions")


def start_enrollment(visitor: Visitor) -> Any:
    response = visitor.post("/api/v1/mfa/enrollment", {"password": PASSWORD})
    if response.status_code == 200:
        visitor.secret = visitor.body()["secret"]
    return response


def confirm_enrollment(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/mfa/enrollment/confirm", {"code": current_code(visitor)})


def activate_enrollment(visitor: Visitor) -> Any:
    return visitor.post("/api/v1/mfa/enrollment/activate")


FLOWS: tuple[Flow, ...] = (
    # The account and its counter are read together, so the claim and the per-address slot (claimed
    # before any argon2 work) are one conditional transaction: 3 requests, also when the attempt locks.
    Flow("password step, success", account, login, 200, target=3),
    Flow("password step, wrong password", account, wrong_password, 401, target=3),
    Flow("password step, unknown name", nothing, wrong_password, 401, target=3),
    Flow("password step, 5th failure (locks)", lambda visitor: failures(visitor, 4), wrong_password, 401, target=3),
    Flow("second factor, TOTP code", password_step_done, totp, 200, target=3),
    Flow("second factor, wrong TOTP code", password_step_done, wrong_totp, 401, target=3),
    Flow("second factor, backup code", enrolled_password_step_done, backup_code, 200, target=3),
    Flow("GET /me, fresh session", full_session, me, 200, target=1),
    Flow("GET /me, idle > 1 min (touch)", lambda visitor: full_session(visitor, idle_seconds=61), me, 200),
    Flow("logout", full_session, logout, 204),
    Flow("2FA enrollment: password, new secret, QR", enrollment_due, start_enrollment, 200, target=3,
         on_login_path=False),
    Flow("2FA enrollment: confirm code", enrollment_started, confirm_enrollment, 200, target=3, on_login_path=False),
    Flow("2FA enrollment: activate, backup codes PDF", enrollment_confirmed, activate_enrollment, 200, target=3,
         on_login_path=False),
    Flow("e-mail change: verification link", email_change_requested, verify_email, 204, on_login_path=False),
    Flow("end all other sessions", full_session, end_other_sessions, 204, on_login_path=False),
)


def by_name(name: str) -> Flow:
    return next(flow for flow in FLOWS if flow.name == name)
