"""Helpers for the "recovery wins" tests: the links an intruder (or a forgotten request) may have left
outstanding on an account, and the check that they no longer work."""

from __future__ import annotations

from tests.api.conftest import body
from tests.api.sent_mail import last_to, link_token
from tests.api.two_factor import PASSWORD, SECRET, code

INTRUDER_ADDRESS = "mallory@evil.example"
NEW_PASSWORD = "Nog-Een-Heel-Ander-Wachtwoord-8"


def fresh_code(clock, secret: str = SECRET) -> str:
    """A code of a time step not used before (sensitive changes may ask one once 2FA is active)."""
    clock.advance(30)
    return code(secret)


def pending_email_link(api, clock) -> str:
    """From a session of the account: an e-mail change to the intruder's address. Its link's token."""
    response = api.post("/api/v1/account/email",
                        {"password": PASSWORD, "new_email": INTRUDER_ADDRESS, "code": fresh_code(clock)})
    assert response.status_code == 202, response.body
    return link_token(last_to(INTRUDER_ADDRESS))[1]


def reset_link(anonymous, username: str) -> str:
    """A forgotten-password (or activation) link mailed to the account's address. Its token."""
    assert anonymous.post("/api/v1/auth/password-reset", {"username": username}).status_code == 202
    return link_token(last_to(f"{username}@example.org"))[1]


def assert_email_link_dead(anonymous, token: str, username: str) -> None:
    from chalicelib.storage.users import get_user

    response = anonymous.post("/api/v1/account/email/verify", {"token": token})
    assert response.status_code == 400 and body(response)["error"]["code"] == "invalid_token"
    user = get_user(username)
    assert user.email == f"{username}@example.org" and user.pending_email is None


def assert_reset_link_dead(anonymous, token: str) -> None:
    response = anonymous.post("/api/v1/auth/password-reset/complete", {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 400 and body(response)["error"]["code"] == "invalid_token"
