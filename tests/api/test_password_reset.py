"""Forgotten password and account activation (docs/api.md "Login"): the same answer for every name, rate
limits, single-use links that expire, never a way around the second factor."""

from __future__ import annotations

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import last_to, link_token, sent_to

PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Lange-Wandeling-Naar-Westpunt-42"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def alice(user_factory):
    return user_factory("alice", totp_secret=SECRET)


def _request(api, username: str, **headers):
    return api.post("/api/v1/auth/password-reset", {"username": username}, headers=headers or None)


def _complete(api, token: str, new_password: str = NEW_PASSWORD):
    return api.post("/api/v1/auth/password-reset/complete", {"token": token, "new_password": new_password})


def _audit_outcomes(target: str) -> list[str]:
    from chalicelib.storage.audit import AuditEvent

    return [event.outcome for event in AuditEvent.target_index.query(target) if event.action.startswith("password")]


def test_known_and_unknown_names_get_the_same_answer(api, alice):
    known = _request(api, "Alice")
    unknown = _request(api, "nobody.at.all")
    assert known.status_code == unknown.status_code == 202
    assert known.body == unknown.body
    assert "Set-Cookie" not in known.headers and "Set-Cookie" not in unknown.headers
    assert len(sent_to("alice@example.org")) == 1
    assert _audit_outcomes("nobody.at.all") == ["unknown_account"]


def test_reset_sets_the_password_ends_sessions_and_still_asks_for_the_second_factor(api, make_api, full_login):
    full_login(api, "alice")
    _request(make_api(), "alice")
    mail = last_to("alice@example.org")
    assert mail.subject == "Nieuw wachtwoord instellen"
    assert "30 minuten" in mail.body
    url, token = link_token(mail)
    assert url.endswith("/password/reset") and token.endswith(".alice")
    stranger = make_api()
    assert _complete(stranger, token).status_code == 204
    assert "Set-Cookie" not in _complete(stranger, token).headers  # no session from a mailed link
    assert api.get("/api/v1/me").status_code == 401  # every session ended
    fresh = make_api()
    assert fresh.post("/api/v1/auth/login", {"username": "alice", "password": PASSWORD}).status_code == 401
    login = fresh.post("/api/v1/auth/login", {"username": "alice", "password": NEW_PASSWORD})
    assert body(login) == {"next": "totp"}
    assert fresh.get("/api/v1/me").status_code == 401  # partial until the second factor
    assert last_to("alice@example.org").subject == "Uw wachtwoord is hersteld"


def test_link_is_single_use(api, alice):
    _request(api, "alice")
    _, token = link_token(last_to("alice@example.org"))
    assert _complete(api, token).status_code == 204
    again = _complete(api, token, "Nog-Een-Ander-Wachtwoord-7")
    assert again.status_code == 400 and body(again)["error"]["code"] == "invalid_token"
    assert body(again)["error"]["message"].startswith("Deze link is ongeldig")


def test_link_expires_after_30_minutes(clock_pinned, api, alice):
    _request(api, "alice")
    _, token = link_token(last_to("alice@example.org"))
    clock_pinned.advance(30 * 60)
    assert body(_complete(api, token))["error"]["code"] == "invalid_token"


def test_only_the_newest_link_works(api, alice):
    _request(api, "alice")
    _, first = link_token(last_to("alice@example.org"))
    _request(api, "alice")
    _, second = link_token(last_to("alice@example.org"))
    assert _complete(api, first).status_code == 400
    assert _complete(api, second).status_code == 204


def test_token_of_another_user_never_works(api, alice, user_factory):
    user_factory("mallory")
    _request(api, "mallory")
    _, token = link_token(last_to("mallory@example.org"))
    secret = token.partition(".")[0]
    for forged in (f"{secret}.alice", f"{secret}.Alice", secret, f"{secret}.", ".alice", "a" * 43 + ".alice"):
        response = _complete(api, forged)
        assert response.status_code == 400 and body(response)["error"]["code"] == "invalid_token", forged
    assert body(api.post("/api/v1/auth/login", {"username": "alice", "password": PASSWORD})) == {"next": "totp"}


def test_weak_password_is_refused_and_the_link_stays_usable(api, alice):
    _request(api, "alice")
    _, token = link_token(last_to("alice@example.org"))
    for weak, why in (("short", "12 tekens"), ("welkom123456", "te bekend"), ("alice.example.org!", "gebruikersnaam")):
        response = _complete(api, token, weak)
        assert response.status_code == 400
        assert body(response)["error"]["code"] == "weak_password" and why in body(response)["error"]["message"]
    assert _complete(api, token).status_code == 204


@pytest.mark.parametrize("payload", [{}, {"token": "x"}, {"new_password": NEW_PASSWORD},
                                     {"token": 1, "new_password": "x"}])
def test_malformed_completion_is_a_clear_400(api, payload):
    response = api.post("/api/v1/auth/password-reset/complete", payload)
    assert response.status_code == 400
    assert body(response)["error"]["code"] in ("invalid_request", "invalid_token")


def test_malformed_request_is_a_clear_400(api):
    for payload in ({}, {"username": 7}, {"username": ""}):
        response = api.post("/api/v1/auth/password-reset", payload)
        assert response.status_code == 400 and body(response)["error"]["field"] == "username"


def test_completed_reset_lifts_a_permanent_block(api, alice):
    from chalicelib.services import lockout
    from chalicelib.storage.lockouts import Lockout

    Lockout(lockout.key(lockout.Factor.PASSWORD, "alice"), failures=20, allowed=25, blocked=True).save()
    blocked = api.post("/api/v1/auth/login", {"username": "alice", "password": PASSWORD})
    assert body(blocked)["error"]["code"] == "account_blocked"
    _request(api, "alice")
    _, token = link_token(last_to("alice@example.org"))
    assert _complete(api, token).status_code == 204
    assert body(api.post("/api/v1/auth/login", {"username": "alice", "password": NEW_PASSWORD})) == {"next": "totp"}


def test_completed_reset_leaves_the_second_factor_counter_alone(api, alice):
    from chalicelib.services import lockout
    from chalicelib.storage.lockouts import read_state

    key = lockout.key(lockout.Factor.SECOND_FACTOR, "alice")
    from chalicelib.storage.lockouts import Lockout

    Lockout(key, failures=20, allowed=25, blocked=True).save()
    _request(api, "alice")
    _complete(api, link_token(last_to("alice@example.org"))[1])
    assert read_state(key).blocked  # the mailbox proves nothing about the second factor


@pytest.fixture
def no_answer_floor(monkeypatch):
    """The minimum answer time hides timing from outsiders; tests that count requests need not wait."""
    from chalicelib.services import password_reset

    monkeypatch.setattr(password_reset, "ANSWER_FLOOR_SECONDS", 0.0)


def test_requests_per_name_are_limited(clock_pinned, api, alice, no_answer_floor):
    answers = [_request(api, "alice").status_code for _ in range(8)]
    assert answers == [202] * 8  # the answer never changes
    assert len(sent_to("alice@example.org")) == 5  # 5 per name and hour
    assert _audit_outcomes("alice").count("rate_limited") == 3
    clock_pinned.advance(3600)
    assert _request(api, "alice").status_code == 202
    assert len(sent_to("alice@example.org")) == 6


def test_requests_per_ip_are_limited(api, alice, no_answer_floor):
    for index in range(30):  # 30 per address and hour
        assert _request(api, f"someone.{index}").status_code == 202
    assert _request(api, "alice").status_code == 202
    assert sent_to("alice@example.org") == []
    assert _audit_outcomes("alice") == ["rate_limited"]


def test_local_stage_links_point_at_the_host_that_was_asked(api, alice):
    _request(api, "alice", Host="127.0.0.1:8123")
    url, _ = link_token(last_to("alice@example.org"))
    assert url == "http://127.0.0.1:8123/password/reset"


def test_links_use_the_configured_public_origin(api, alice, monkeypatch):
    from chalicelib.settings import reset_settings

    monkeypatch.setenv("PORTAL_PUBLIC_ORIGIN", "https://online.belastingdienst.example")
    reset_settings()
    try:
        _request(api, "alice", Host="evil.example")
    finally:
        monkeypatch.delenv("PORTAL_PUBLIC_ORIGIN")
        reset_settings()
    url, _ = link_token(last_to("alice@example.org"))
    assert url == "https://online.belastingdienst.example/password/reset"


def test_outside_the_local_stage_a_host_header_is_never_used_for_links():
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.notifications import link

    with pytest.raises(RuntimeError):
        link(RequestContext(origin=None), "/password/reset", "token")


# ---------------------------------------------------------------- activation


def test_activation_link_sets_a_first_password_and_leads_to_enrollment(clock_pinned, api, user_factory):
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.password_reset import start_activation

    user = user_factory("new.person", password=None, language="en")
    assert api.post("/api/v1/auth/login", {"username": "new.person", "password": "anything at all"}).status_code == 401
    start_activation(user, RequestContext(origin="http://127.0.0.1:8000"), actor="support.jan")
    mail = last_to("new.person@example.org")
    assert mail.subject == "Activate your Digitaal Portaal account"
    assert "72 hours" in mail.body
    url, token = link_token(mail)
    assert url == "http://127.0.0.1:8000/account/activate"
    clock_pinned.advance(71 * 3600)
    assert _complete(api, token).status_code == 204
    login = api.post("/api/v1/auth/login", {"username": "new.person", "password": NEW_PASSWORD})
    assert body(login) == {"next": "enroll"}


def test_activation_link_expires_after_72_hours(clock_pinned, api, user_factory):
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.password_reset import start_activation

    start_activation(user_factory("new.person", password=None), RequestContext(origin="http://localhost"))
    _, token = link_token(last_to("new.person@example.org"))
    clock_pinned.advance(72 * 3600)
    assert body(_complete(api, token))["error"]["code"] == "invalid_token"


def test_forgotten_password_of_an_account_never_activated_sends_the_activation_link_again(api, user_factory):
    user_factory("new.person", password=None)
    _request(api, "new.person")
    url, token = link_token(last_to("new.person@example.org"))
    assert url.endswith("/account/activate")
    assert _complete(api, token).status_code == 204


def test_completed_reset_voids_a_pending_email_change(clock_pinned, api, make_api, full_login):
    from tests.api.recovery import assert_email_link_dead, pending_email_link

    full_login(api, "alice")
    email_link = pending_email_link(api, clock_pinned)
    _request(make_api(), "alice")
    _, token = link_token(last_to("alice@example.org"))
    assert _complete(make_api(), token).status_code == 204
    assert_email_link_dead(make_api(), email_link, "alice")
