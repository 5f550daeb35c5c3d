"""The second step of the login (docs/api.md "Login"): POST /auth/totp and /auth/backup-code with the replay
guard, the second-factor lockout, session rotation, audit events, notices, and what it costs."""

from __future__ import annotations

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import sent_to
from tests.api.two_factor import SECRET, code, enroll, password_step


@pytest.fixture
def piet(clock_pinned, api, user_factory):
    """A user with 2FA after the password step (partial session, next "totp"), at a pinned time."""
    user_factory("piet", totp_secret=SECRET)
    assert body(password_step(api, "piet")) == {"next": "totp"}
    return "piet"


def audit(username: str, action: str) -> list[str]:
    from chalicelib.storage.audit import by_target

    return [event.outcome for event in by_target(username, 200, None) if event.action == action]


def test_a_code_turns_the_partial_session_into_a_new_full_one(api, piet):
    from chalicelib.storage.users import get_user

    partial = api.cookie
    assert api.get("/api/v1/me").status_code == 401
    response = api.post("/api/v1/auth/totp", {"code": code(SECRET)})
    assert response.status_code == 200 and body(response) == {"next": "done"}
    assert "HttpOnly" in response.headers["Set-Cookie"] and api.cookie != partial
    assert body(api.get("/api/v1/me"))["username"] == "piet"
    assert get_user("piet").last_login is not None
    assert audit("piet", "login.totp") == ["success"]
    # The partial session cannot be stepped up a second time.
    api.cookie = partial
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET, 1)}).status_code == 401


def test_one_step_either_side_is_accepted_two_are_not(api, piet, clock_pinned):
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET, -2)}).status_code == 401
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET, 2)}).status_code == 401
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET, -1)}).status_code == 200


def test_a_code_works_once_and_a_replay_is_a_security_event(api, piet, clock_pinned):
    used = code(SECRET)
    assert api.post("/api/v1/auth/totp", {"code": used}).status_code == 200
    api.post("/api/v1/auth/logout")
    password_step(api, "piet")
    replay = api.post("/api/v1/auth/totp", {"code": used})
    wrong = api.post("/api/v1/auth/totp", {"code": "000000" if used != "000000" else "111111"})
    assert replay.status_code == wrong.status_code == 401
    # The same refusal; only the attempts left before the lock count down, one per failure of either kind.
    replayed, wronged = body(replay)["error"], body(wrong)["error"]
    assert replayed.pop("attempts_left") == wronged.pop("attempts_left") + 1
    assert replayed == wronged and replayed["code"] == "invalid_code"
    assert sorted(audit("piet", "login.totp")) == ["failure", "replay", "success"]
    assert [m.subject for m in sent_to("piet@example.org")] == ["Een al gebruikte code is opnieuw geprobeerd"]
    # An earlier step than the last accepted one is a replay too, even if never used itself.
    clock_pinned.advance(30)
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET, -2)}).status_code == 401
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET)}).status_code == 200


def test_wrong_codes_lock_then_block_like_passwords(api, piet, clock_pinned):
    expected = {5: 60, 10: 300, 15: 900}
    wrong = "000000" if code(SECRET) != "000000" else "111111"
    for attempt in range(1, 21):
        if api.get("/login/totp").status_code != 200:  # the partial session lives 10 minutes
            password_step(api, "piet")
        refused = api.post("/api/v1/auth/totp", {"code": wrong})
        assert refused.status_code == 401, attempt
        if attempt in expected:
            locked = api.post("/api/v1/auth/totp", {"code": code(SECRET)})
            assert locked.status_code == 423
            assert body(locked)["error"]["code"] == "account_locked"
            assert body(locked)["error"]["retry_after"] == expected[attempt]
            # Backup codes share the counter.
            assert api.post("/api/v1/auth/backup-code", {"code": "0000-0000-0000-0000"}).status_code == 423
            clock_pinned.advance(expected[attempt])
    password_step(api, "piet")  # the password counter is a separate one
    blocked = api.post("/api/v1/auth/totp", {"code": code(SECRET)})
    assert blocked.status_code == 423 and body(blocked)["error"]["code"] == "account_blocked"
    subjects = [m.subject for m in sent_to("piet@example.org")]
    assert subjects.count("Uw account is tijdelijk vergrendeld") == 3
    assert subjects.count("Uw account is geblokkeerd") == 1


def test_a_success_resets_the_second_factor_count(api, piet):
    for _ in range(4):
        assert api.post("/api/v1/auth/totp", {"code": "12345a"}).status_code == 401
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET)}).status_code == 200
    api.post("/api/v1/auth/logout")
    password_step(api, "piet")
    assert [api.post("/api/v1/auth/totp", {"code": "12345a"}).status_code for _ in range(4)] == [401] * 4


def test_a_backup_code_logs_in_once_and_the_count_goes_down(clock_pinned, api, user_factory):
    user_factory("jan.jansen")
    password_step(api, "jan.jansen")
    codes = enroll(api, "jan.jansen").codes
    api.post("/api/v1/auth/logout")

    password_step(api, "jan.jansen")
    typed = " " + codes[0].lower().replace("-", " ").replace("0", "o").replace("1", "l") + " "
    response = api.post("/api/v1/auth/backup-code", {"code": typed})
    assert response.status_code == 200
    assert body(response) == {"next": "done", "backup_codes_left": 9}
    assert body(api.get("/api/v1/me"))["mfa"]["backup_codes_left"] == 9
    api.post("/api/v1/auth/logout")

    password_step(api, "jan.jansen")
    used_again = api.post("/api/v1/auth/backup-code", {"code": codes[0]})
    unknown = api.post("/api/v1/auth/backup-code", {"code": "ABCD-EFGH-JKMN-PQRS"})
    malformed = api.post("/api/v1/auth/backup-code", {"code": "not a code"})
    assert used_again.status_code == unknown.status_code == malformed.status_code == 401
    refusals = [body(answer)["error"] for answer in (used_again, unknown, malformed)]
    assert [refusal.pop("attempts_left") for refusal in refusals] == [4, 3, 2]  # each counts on the lockout
    assert refusals[0] == refusals[1] == refusals[2]
    assert audit("jan.jansen", "login.backup_code").count("success") == 1
    assert "Er is een back-up code gebruikt" in [m.subject for m in sent_to("jan.jansen@example.org")]


def test_the_owner_is_warned_when_three_or_fewer_codes_are_left(clock_pinned, api, user_factory):
    user_factory("jan.jansen")
    password_step(api, "jan.jansen")
    codes = enroll(api, "jan.jansen").codes
    left = []
    for backup_code in codes[:7]:
        api.post("/api/v1/auth/logout")
        password_step(api, "jan.jansen")
        left.append(body(api.post("/api/v1/auth/backup-code", {"code": backup_code}))["backup_codes_left"])
    assert left == [9, 8, 7, 6, 5, 4, 3]
    subjects = [m.subject for m in sent_to("jan.jansen@example.org")]
    assert subjects.count("Uw back-up codes raken op") == 1
    assert subjects.count("Er is een back-up code gebruikt") == 6


def test_second_factor_endpoints_need_the_partial_session_of_the_password_step(api, user_factory, full_login):
    assert api.post("/api/v1/auth/totp", {"code": "123456"}).status_code == 401
    full_login(api, "piet")  # already fully logged in: nothing to step up
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET)}).status_code == 403


def test_malformed_requests_get_400_naming_the_field(api, piet):
    for payload in ({}, {"code": 123456}, {"code": ""}, {"code": "1" * 5000}):
        refused = api.post("/api/v1/auth/totp", payload)
        assert refused.status_code == 400 and body(refused)["error"]["field"] == "code", payload
    assert api.post("/api/v1/auth/backup-code", "{not json").status_code == 400


def test_login_totp_page_offers_backup_codes_and_a_way_out(api, piet):
    html = api.get("/login/totp").body.decode("utf-8")
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    assert "Gebruik een back-up code" in html and 'id="logout-button"' in html


def test_a_successful_totp_step_costs_three_dynamodb_requests(api, piet):
    """Session and user in one TransactGetItems, the lockout claim, then one TransactWriteItems with
    the replay guard, last login, session rotation, counter reset and audit event."""
    operations = []

    def count(event_name: str, **_: object) -> None:
        operations.append(event_name.rsplit(".", 1)[-1])

    from chalicelib.storage.base import transaction_connection
    from chalicelib.storage.tables import models

    emitters = {id(model._get_connection().connection.client.meta.events): model._get_connection().connection
                .client.meta.events for model in models()}
    emitters[id(transaction_connection().client.meta.events)] = transaction_connection().client.meta.events
    for events in emitters.values():
        events.register("before-call.dynamodb", count, unique_id="second-factor-budget")
    try:
        assert api.post("/api/v1/auth/totp", {"code": code(SECRET)}).status_code == 200
    finally:
        for events in emitters.values():
            events.unregister("before-call.dynamodb", unique_id="second-factor-budget")
    assert operations == ["TransactGetItems", "UpdateItem", "TransactWriteItems"]
