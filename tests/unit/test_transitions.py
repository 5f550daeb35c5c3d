"""services/transitions.py against moto: every named transition, applied to an account that has
everything an intruder could have left pending, voids exactly what it must."""

from __future__ import annotations

import pytest

from chalicelib.services import transitions
from chalicelib.storage.users import User, get_user, void_actions

# What each transition must void, written out independently of the module under test.
MUST_VOID = {
    "password_changed": {"sessions", "email_change", "reset_links", "enrollment"},
    "password_reset": {"sessions", "email_change", "reset_links", "enrollment"},
    "second_factor_reset": {"sessions", "email_change", "reset_links", "enrollment"},
    "other_sessions_ended": {"sessions", "email_change", "reset_links", "enrollment"},
    "email_verified": {"email_change", "reset_links"},
    "not_me_reported": {"sessions", "email_change", "reset_links", "enrollment"},
}


def _account_with_everything_pending() -> None:
    User(
        "alice", email="alice@example.org", email_normalized="alice@example.org", created_at=1, session_epoch=3,
        pending_email="mallory@evil.example", email_token_hash="e" * 64, email_token_expires=2_000_000_000,
        reset_token_hash="r" * 64, reset_token_expires=2_000_000_000, reset_purpose="reset",
        pending_totp_secret="sealed", pending_totp_expires=2_000_000_000, pending_totp_confirmed=True,
        pending_totp_step=7, pending_totp_session="s" * 64,
    ).save()


def _what_was_voided(user: User) -> set[str]:
    voided = set()
    if int(user.session_epoch) == 4:
        voided.add("sessions")
    if (user.pending_email, user.email_token_hash, user.email_token_expires) == (None, None, None):
        voided.add("email_change")
    if (user.reset_token_hash, user.reset_token_expires, user.reset_purpose) == (None, None, None):
        voided.add("reset_links")
    if (user.pending_totp_secret, user.pending_totp_expires, user.pending_totp_step, user.pending_totp_session,
            user.pending_totp_confirmed) == (None, None, None, None, False):
        voided.add("enrollment")
    return voided


def test_every_transition_is_listed():
    assert sorted(transition.name for transition in transitions.TRANSITIONS) == sorted(MUST_VOID)


@pytest.mark.parametrize("transition", transitions.TRANSITIONS, ids=lambda transition: transition.name)
def test_each_transition_voids_what_it_must_in_one_update(aws, transition):
    _account_with_everything_pending()
    User("alice").update(actions=void_actions(transition))
    assert _what_was_voided(get_user("alice")) == MUST_VOID[transition.name]
