"""Self-service on one's own account (API.md "Account"): password change, e-mail change with a
verification link, sessions overview. Each flow and each refusal."""

from __future__ import annotations

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import last_to, link_token, sent_to

PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Lange-Wandeling-Naar-Westpunt-42"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def alice(api, full_login):
    return full_login(api, "alice")


def browser(make_api, username: str, user_agent: str | None = None):
    """A second browser with its own full session for the same account."""
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.sessions import FULL, new_session
    from chalicelib.storage.users import get_user

    other = make_api()
    context = RequestContext(ip="10.1.2.3", user_agent=user_agent)
    session, cookie = new_session(get_user(username), FULL, "done", context)
    session.save()
    other.cookie = cookie
    return other


# ---------------------------------------------------------------- password


def test_password_change_keeps_this_session_and_ends_every_other(api, make_api, alice):
    other_browser = browser(make_api, "alice")
    old_cookie = api.cookie
    response = api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 204
    assert api.cookie and api.cookie != old_cookie  # a fresh session for the caller
    assert api.get("/api/v1/me").status_code == 200
    # The old session cookie from another browser no longer works, nor does the caller's old one.
    assert other_browser.get("/api/v1/me").status_code == 401
    stale = make_api()
    stale.cookie = old_cookie
    assert stale.get("/api/v1/me").status_code == 401
    # The new password logs in; the old one does not.
    fresh = make_api()
    assert fresh.post("/api/v1/auth/login", {"username": "alice", "password": PASSWORD}).status_code == 401
    assert body(fresh.post("/api/v1/auth/login", {"username": "alice", "password": NEW_PASSWORD})) == {"next": "totp"}
    notice = last_to("alice@example.org")
    assert notice.subject == "Uw wachtwoord is gewijzigd"
    assert NEW_PASSWORD not in notice.body and "#token=" not in notice.body


def test_password_change_keeps_the_absolute_expiry_of_the_session(clock_pinned, api, alice):
    from chalicelib.settings import get_settings

    settings = get_settings()
    for _ in range(settings.session_absolute_seconds // 600 - 1):  # active, 10 minutes at a time
        clock_pinned.advance(600)
        assert api.get("/api/v1/me").status_code == 200
    api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    clock_pinned.advance(599)
    assert api.get("/api/v1/me").status_code == 200
    clock_pinned.advance(1)  # 8 hours after the login, not after the change
    assert api.get("/api/v1/me").status_code == 401


def test_wrong_current_password_is_refused_and_counts_towards_the_lockout(api, make_api, alice):
    for _ in range(5):
        response = api.post("/api/v1/account/password",
                            {"current_password": "not my password", "new_password": NEW_PASSWORD})
        assert response.status_code == 401
        assert body(response)["error"]["code"] == "invalid_credentials"
        assert body(response)["error"]["field"] == "current_password"
    locked = api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert locked.status_code == 423 and body(locked)["error"]["code"] == "account_locked"
    login = make_api().post("/api/v1/auth/login", {"username": "alice", "password": PASSWORD})
    assert login.status_code == 423
    assert api.get("/api/v1/me").status_code == 200  # the session itself lives on, unchanged


@pytest.mark.parametrize(("new_password", "why"), [
    ("Kort-1", "minimaal 12 tekens"),
    ("wachtwoord1234", "te bekend"),
    ("Q1W2E3R4T5Y6", "te bekend"),
    ("alice-is-my-name-2026", "gebruikersnaam"),
    ("x" * 129, "maximaal 128"),
])
def test_weak_new_password_is_refused_with_the_reason(api, alice, new_password, why):
    response = api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": new_password})
    assert response.status_code == 400
    error = body(response)["error"]
    assert error["code"] == "weak_password" and error["field"] == "new_password"
    assert why in error["message"]
    assert not sent_to("alice@example.org")


def test_weak_password_reason_follows_the_language(api, alice):
    response = api.post("/api/v1/account/password?lang=pap", {"current_password": PASSWORD, "new_password": "kort"})
    assert "12 karakter" in body(response)["error"]["message"]


@pytest.mark.parametrize("payload", [{}, {"current_password": PASSWORD}, {"current_password": 5, "new_password": "x"},
                                     "not json"])
def test_malformed_password_change_names_the_field(api, alice, payload):
    response = api.post("/api/v1/account/password", payload)
    assert response.status_code == 400
    assert body(response)["error"]["code"] == "invalid_request"


def test_account_routes_need_a_full_session(api, user_factory):
    user_factory("bob")
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert api.post("/api/v1/account/password", change).status_code == 401
    api.post("/api/v1/auth/login", {"username": "bob", "password": PASSWORD})  # partial: next is enrollment
    for response in (
        api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        api.post("/api/v1/account/email", {"password": PASSWORD, "new_email": "bob@new.example"}),
        api.get("/api/v1/account/sessions"),
        api.delete("/api/v1/account/sessions"),
    ):
        assert response.status_code == 401
        assert body(response)["error"]["code"] == "not_authenticated"


# ---------------------------------------------------------------- e-mail


def _change_email(api, new_email: str, password: str = PASSWORD):
    return api.post("/api/v1/account/email", {"password": password, "new_email": new_email})


def test_email_change_is_verified_through_the_link_to_the_new_address(api, make_api, alice):
    response = _change_email(api, "Alice@Nieuw.example")
    assert response.status_code == 202
    assert body(response) == {"pending_email": "Alice@Nieuw.example"}
    # Nothing changes until the link is used; the old address is told, the new one gets the link.
    assert body(api.get("/api/v1/me"))["email"] == "alice@example.org"
    notice = last_to("alice@example.org")
    assert notice.subject == "Verzoek om uw e-mailadres te wijzigen"
    assert "A***@Nieuw.example" in notice.body and "#token=" not in notice.body
    url, token = link_token(last_to("Alice@Nieuw.example"))
    assert url.endswith("/account/email/verify")
    # The link works without a session (it may be opened on a phone) and exactly once.
    anonymous = make_api()
    assert anonymous.post("/api/v1/account/email/verify", {"token": token}).status_code == 204
    assert body(api.get("/api/v1/me"))["email"] == "Alice@Nieuw.example"
    again = anonymous.post("/api/v1/account/email/verify", {"token": token})
    assert again.status_code == 400 and body(again)["error"]["code"] == "invalid_token"
    # Both addresses hear that the change happened.
    assert last_to("alice@example.org").subject == "Uw e-mailadres is gewijzigd"
    assert last_to("Alice@Nieuw.example").subject == "Uw e-mailadres is gewijzigd"
    # Lookups by e-mail find the account under its new address only.
    from chalicelib.storage.users import find_by_email

    assert [user.username for user in find_by_email("alice@nieuw.example")] == ["alice"]
    assert find_by_email("alice@example.org") == []


def test_email_link_expires_after_24_hours(clock_pinned, api, alice):
    _change_email(api, "alice@later.example")
    _, token = link_token(last_to("alice@later.example"))
    clock_pinned.advance(24 * 3600 + 1)
    response = api.post("/api/v1/account/email/verify", {"token": token})
    assert response.status_code == 400 and body(response)["error"]["code"] == "invalid_token"


def test_a_newer_request_voids_the_older_link(api, alice):
    _change_email(api, "first@new.example")
    _, first = link_token(last_to("first@new.example"))
    _change_email(api, "second@new.example")
    assert api.post("/api/v1/account/email/verify", {"token": first}).status_code == 400
    _, second = link_token(last_to("second@new.example"))
    assert api.post("/api/v1/account/email/verify", {"token": second}).status_code == 204
    assert body(api.get("/api/v1/me"))["email"] == "second@new.example"


def test_token_of_another_user_never_works(api, make_api, full_login):
    full_login(api, "alice")
    other = make_api()
    full_login(other, "mallory")
    _change_email(other, "mallory@new.example")
    _, token = link_token(last_to("mallory@new.example"))
    secret, _, _ = token.partition(".")
    for forged in (f"{secret}.alice", f"{secret}.nobody", secret, "", "x" * 43 + ".alice", token + "x"):
        response = api.post("/api/v1/account/email/verify", {"token": forged})
        assert response.status_code == 400, forged
        assert body(response)["error"]["code"] in ("invalid_token", "invalid_request")
    assert body(api.get("/api/v1/me"))["email"] == "alice@example.org"
    assert body(other.get("/api/v1/me"))["email"] == "mallory@example.org"


def test_address_already_taken_is_refused_at_request_and_at_verification(api, make_api, full_login, user_factory):
    full_login(api, "alice")
    user_factory("carol", email="Carol@Example.org")
    taken = _change_email(api, "carol@example.org")
    assert taken.status_code == 409 and body(taken)["error"]["code"] == "email_taken"
    assert _change_email(api, "alice@example.org").status_code == 409  # already hers
    # Two people ask for the same free address; the first to verify gets it.
    other = make_api()
    full_login(other, "dave")
    _change_email(api, "shared@new.example")
    _change_email(other, "shared@new.example")
    alice_link, dave_link = (link_token(message)[1] for message in sent_to("shared@new.example")[-2:])
    assert other.post("/api/v1/account/email/verify", {"token": dave_link}).status_code == 204
    late = api.post("/api/v1/account/email/verify", {"token": alice_link})
    assert late.status_code == 409 and body(late)["error"]["code"] == "email_taken"


@pytest.mark.parametrize("address", ["not-an-address", "a@b", "x@y..z", "<script>@example.org", "a" * 250 + "@ex.org"])
def test_invalid_new_email_is_refused(api, alice, address):
    response = _change_email(api, address)
    assert response.status_code == 400
    assert body(response)["error"] | {} == {**body(response)["error"], "code": "invalid_email", "field": "new_email"}


def test_email_change_needs_the_password(api, alice):
    response = _change_email(api, "alice@new.example", password="wrong password")
    assert response.status_code == 401 and body(response)["error"]["code"] == "invalid_credentials"
    assert not sent_to("alice@new.example")


# ---------------------------------------------------------------- sessions


def test_sessions_overview_lists_live_sessions_with_device_and_current(api, make_api, alice):
    browser(make_api, "alice", FIREFOX)
    response = api.get("/api/v1/account/sessions")
    assert response.status_code == 200
    items = body(response)["items"]
    assert len(items) == 2
    current = [item for item in items if item["current"]]
    other = [item for item in items if not item["current"]][0]
    assert len(current) == 1
    assert (other["browser"], other["system"], other["ip"]) == ("Firefox", "Windows", "10.1.2.3")
    assert all(len(item["id"]) == 16 for item in items)
    # The id is a prefix of the stored hash: it is not the cookie's token.
    assert current[0]["id"] not in api.cookie


def test_end_one_other_session(api, make_api, alice):
    other_browser = browser(make_api, "alice", FIREFOX)
    items = body(api.get("/api/v1/account/sessions"))["items"]
    other_id = next(item["id"] for item in items if not item["current"])
    current_id = next(item["id"] for item in items if item["current"])
    assert api.delete(f"/api/v1/account/sessions/{other_id}").status_code == 204
    assert other_browser.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me").status_code == 200
    assert [item["id"] for item in body(api.get("/api/v1/account/sessions"))["items"]] == [current_id]
    assert api.delete(f"/api/v1/account/sessions/{other_id}").status_code == 404
    own = api.delete(f"/api/v1/account/sessions/{current_id}")
    assert own.status_code == 409  # logging out is how one ends one's own session


def test_cannot_end_a_session_of_another_account(api, make_api, full_login):
    full_login(api, "alice")
    mallory = make_api()
    full_login(mallory, "mallory")
    alice_id = body(api.get("/api/v1/account/sessions"))["items"][0]["id"]
    assert mallory.delete(f"/api/v1/account/sessions/{alice_id}").status_code == 404
    assert mallory.delete("/api/v1/account/sessions/..%2F..").status_code == 404
    assert api.get("/api/v1/me").status_code == 200


def test_end_all_other_sessions(api, make_api, alice):
    others = [browser(make_api, "alice", FIREFOX) for _ in range(3)]
    response = api.delete("/api/v1/account/sessions")
    assert response.status_code == 204
    assert all(other.get("/api/v1/me").status_code == 401 for other in others)
    assert api.get("/api/v1/me").status_code == 200
    items = body(api.get("/api/v1/account/sessions"))["items"]
    assert len(items) == 1 and items[0]["current"]


# ---------------------------------------------------------------- recovery wins


def test_password_change_voids_a_pending_email_change_and_reset_links(clock_pinned, api, make_api, alice):
    from tests.api.recovery import (
        assert_email_link_dead,
        assert_reset_link_dead,
        fresh_code,
        pending_email_link,
        reset_link,
    )

    email_link = pending_email_link(api, clock_pinned)
    reset = reset_link(make_api(), "alice")
    changed = api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                    "code": fresh_code(clock_pinned)})
    assert changed.status_code == 204
    assert_email_link_dead(make_api(), email_link, "alice")
    assert_reset_link_dead(make_api(), reset)
    # The owner's new password is the one that works.
    assert make_api().post("/api/v1/auth/login", {"username": "alice", "password": NEW_PASSWORD}).status_code == 200


def test_ending_other_sessions_voids_a_pending_email_change_and_reset_links(clock_pinned, api, make_api, alice):
    from tests.api.recovery import assert_email_link_dead, assert_reset_link_dead, pending_email_link, reset_link

    intruder = browser(make_api, "alice")
    email_link = pending_email_link(intruder, clock_pinned)
    reset = reset_link(make_api(), "alice")
    assert api.delete("/api/v1/account/sessions").status_code == 204
    assert intruder.get("/api/v1/me").status_code == 401
    assert_email_link_dead(make_api(), email_link, "alice")
    assert_reset_link_dead(make_api(), reset)


def test_a_verified_email_change_voids_reset_links_sent_to_the_old_address(clock_pinned, api, make_api, alice):
    from tests.api.recovery import assert_reset_link_dead, reset_link

    reset = reset_link(make_api(), "alice")
    _change_email(api, "alice@nieuw.example")
    _, token = link_token(last_to("alice@nieuw.example"))
    assert make_api().post("/api/v1/account/email/verify", {"token": token}).status_code == 204
    assert_reset_link_dead(make_api(), reset)
