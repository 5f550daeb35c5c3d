"""Self-service on one's own account (docs/api.md "Account"): password change, e-mail change with a
verification link, sessions overview. Each flow and each refusal.

The accounts of `full_login` have 2FA, so every change here also sends a code; the clock is pinned,
and `next_code` moves it one time step on so that each code is of a step not used before."""

from __future__ import annotations

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import last_to, link_token, sent_to
from tests.api.two_factor import SECRET, code, enroll, password_step

PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Lange-Wandeling-Naar-Westpunt-42"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(autouse=True)
def pinned(clock_pinned):
    return clock_pinned


@pytest.fixture
def alice(api, full_login):
    return full_login(api, "alice")


def next_code(secret: str = SECRET) -> str:
    """The app's code 30 seconds from now, after moving the pinned clock there (a step never used)."""
    from chalicelib import clock

    clock.pin(clock.now() + 30)
    return code(secret)


def _change_password(api, new_password: str = NEW_PASSWORD, current_password: str = PASSWORD, **extra):
    if "code" not in extra:
        extra["code"] = next_code()
    return api.post("/api/v1/account/password",
                    {"current_password": current_password, "new_password": new_password, **extra})


def browser(make_api, username: str, user_agent: str | None = None):
    """A second browser with its own full session for the same account."""
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.sessions import Level, new_session
    from chalicelib.storage.users import get_user

    other = make_api()
    context = RequestContext(ip="10.1.2.3", user_agent=user_agent)
    session, cookie = new_session(get_user(username), Level.FULL, "done", context)
    session.save()
    other.cookie = cookie
    return other


# ---------------------------------------------------------------- password


def test_password_change_keeps_this_session_and_ends_every_other(api, make_api, alice):
    other_browser = browser(make_api, "alice")
    old_cookie = api.cookie
    response = _change_password(api)
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
    for _ in range(8 * 6 - 1):  # active, 10 minutes at a time, for 8 hours less 10 minutes
        clock_pinned.advance(600)
        assert api.get("/api/v1/me").status_code == 200
    assert _change_password(api, code=code(SECRET)).status_code == 204
    clock_pinned.advance(599)
    assert api.get("/api/v1/me").status_code == 200
    clock_pinned.advance(1)  # 8 hours after the login, not after the change
    assert api.get("/api/v1/me").status_code == 401


def test_wrong_current_password_is_refused_and_counts_towards_the_lockout(api, make_api, alice):
    for _ in range(5):
        response = _change_password(api, current_password="not my password")
        assert response.status_code == 401
        assert body(response)["error"]["code"] == "invalid_credentials"
        assert body(response)["error"]["field"] == "current_password"
    locked = _change_password(api)
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
    response = _change_password(api, new_password)
    assert response.status_code == 400
    error = body(response)["error"]
    assert error["code"] == "weak_password" and error["field"] == "new_password"
    assert why in error["message"]
    assert not sent_to("alice@example.org")


def test_weak_password_reason_follows_the_language(api, alice):
    response = api.post("/api/v1/account/password?lang=pap",
                        {"current_password": PASSWORD, "new_password": "kort", "code": next_code()})
    assert "12 karakter" in body(response)["error"]["message"]


@pytest.mark.parametrize("payload", [{}, {"current_password": PASSWORD}, {"current_password": 5, "new_password": "x"},
                                     {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "code": 123456},
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


# ---------------------------------------------------------------- the second factor on sensitive changes


CHANGES = {
    "password": ("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    "email": ("/api/v1/account/email", {"password": PASSWORD, "new_email": "alice@nieuw.example"}),
}


def _second_factor_state(username: str) -> dict:
    from chalicelib.services import lockout

    return lockout.status(username)


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("missing", [{}, {"code": ""}, {"code": "   "}])
def test_with_2fa_active_a_change_without_a_code_is_400_naming_code(api, alice, change, missing):
    path, fields = CHANGES[change]
    response = api.post(path, {**fields, **missing})
    assert response.status_code == 400
    assert body(response)["error"]["code"] == "invalid_request" and body(response)["error"]["field"] == "code"
    assert body(api.get("/api/v1/me"))["email"] == "alice@example.org"
    assert not sent_to("alice@example.org") and not sent_to("alice@nieuw.example")
    # Refused before the password is looked at: a wrong one is not counted either.
    wrong_password = {name: "not my password" if "password" in name and name != "new_password" else value
                      for name, value in fields.items()}
    assert body(api.post(path, {**wrong_password, **missing}))["error"]["field"] == "code"
    assert _second_factor_state("alice")["failures"] == 0


@pytest.mark.parametrize("change", CHANGES)
def test_wrong_codes_are_401_and_the_fifth_locks_the_second_factor(api, make_api, alice, change):
    path, fields = CHANGES[change]
    right = next_code()
    wrong = "000000" if right != "000000" else "111111"
    for attempt in range(5):
        response = api.post(path, {**fields, "code": wrong if attempt % 2 else "ABCD-EFGH-JKMN-PQRS"})
        assert response.status_code == 401, attempt
        assert body(response)["error"]["code"] == "invalid_code" and body(response)["error"]["field"] == "code"
    # Locked for every change (the e-mail change's own allowance of 5 an hour is used up by now too).
    locked = api.post(CHANGES["password"][0], {**CHANGES["password"][1], "code": right})
    assert locked.status_code == 423 and body(locked)["error"]["code"] == "account_locked"
    assert int(locked.headers["Retry-After"]) == 60
    state = _second_factor_state("alice")
    assert state["locked"] and state["second_factor_failures"] == 5 and state["failures"] == 0
    # The lock is the login's too: the password step works, the code step is refused.
    other = make_api()
    assert body(password_step(other, "alice")) == {"next": "totp"}
    assert other.post("/api/v1/auth/totp", {"code": right}).status_code == 423
    assert body(api.get("/api/v1/me"))["email"] == "alice@example.org"
    assert not sent_to("alice@nieuw.example")


def test_the_password_is_checked_before_the_code_and_a_wrong_one_spends_nothing(api, alice):
    used = next_code()
    refused = _change_password(api, current_password="not my password", code=used)
    assert refused.status_code == 401 and body(refused)["error"]["field"] == "current_password"
    assert _second_factor_state("alice")["second_factor_failures"] == 0
    assert _change_password(api, code=used).status_code == 204  # the same code still works


def test_a_totp_code_works_once_here_and_at_the_login(api, make_api, alice):
    from chalicelib.storage.audit import by_target

    used = next_code()
    assert _change_password(api, code=used).status_code == 204
    replay = api.post("/api/v1/account/email", {"password": NEW_PASSWORD, "new_email": "alice@nieuw.example",
                                                "code": used})
    assert replay.status_code == 401 and body(replay)["error"]["code"] == "invalid_code"
    assert last_to("alice@example.org").subject == "Een al gebruikte code is opnieuw geprobeerd"
    assert "replay" in [event.outcome for event in by_target("alice", 50, None)]
    login = make_api()
    password_step(login, "alice", NEW_PASSWORD)
    assert login.post("/api/v1/auth/totp", {"code": used}).status_code == 401
    assert login.post("/api/v1/auth/totp", {"code": next_code()}).status_code == 200


def test_a_backup_code_works_once_and_is_used_up(api, make_api, user_factory):
    user_factory("bert")
    password_step(api, "bert")
    enrolled = enroll(api, "bert")
    assert body(api.get("/api/v1/me"))["mfa"]["backup_codes_left"] == 10
    # A wrong password does not spend the code.
    wrong_password = _change_password(api, current_password="not my password", code=enrolled.codes[0])
    assert wrong_password.status_code == 401
    assert body(api.get("/api/v1/me"))["mfa"]["backup_codes_left"] == 10
    assert _change_password(api, code=enrolled.codes[0].lower()).status_code == 204
    assert body(api.get("/api/v1/me"))["mfa"]["backup_codes_left"] == 9
    assert "Er is een back-up code gebruikt" in [mail.subject for mail in sent_to("bert@example.org")]
    again = api.post("/api/v1/account/email", {"password": NEW_PASSWORD, "new_email": "bert@nieuw.example",
                                               "code": enrolled.codes[0]})
    assert again.status_code == 401 and body(again)["error"]["code"] == "invalid_code"
    login = make_api()
    password_step(login, "bert", NEW_PASSWORD)
    assert login.post("/api/v1/auth/backup-code", {"code": enrolled.codes[0]}).status_code == 401
    assert api.post("/api/v1/account/email", {"password": NEW_PASSWORD, "new_email": "bert@nieuw.example",
                                              "code": enrolled.codes[1]}).status_code == 202


def test_the_account_page_asks_a_code_in_both_forms_once_2fa_is_active(api, make_api, alice, user_factory):
    import re

    page = api.get("/account").body.decode()
    fields = re.findall(r'<input id="(\w+)" name="code" [^>]*autocomplete="one-time-code"', page)
    assert fields == ["password_code", "email_code"]
    assert page.count('<label for="password_code">Huidige 6-cijferige code of een back-up code</label>') == 1
    user_factory("nina")
    assert 'name="code"' not in browser(make_api, "nina").get("/account").body.decode()


def test_an_account_without_2fa_needs_no_code(api, make_api, user_factory):
    user_factory("nina")  # no second factor yet (enrollment not done)
    nina = browser(make_api, "nina")
    assert nina.post("/api/v1/account/email", {"password": PASSWORD, "new_email": "nina@nieuw.example"}
                     ).status_code == 202
    assert nina.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
                     ).status_code == 204


# ---------------------------------------------------------------- e-mail


def _change_email(api, new_email: str, password: str = PASSWORD, **extra):
    if "code" not in extra:
        extra["code"] = next_code()
    return api.post("/api/v1/account/email", {"password": password, "new_email": new_email, **extra})


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


def test_a_taken_address_gets_the_same_answer_and_a_mail_saying_it_is_in_use(api, alice, user_factory):
    from chalicelib.storage.users import get_user

    user_factory("carol", email="Carol@Example.org")
    free = _change_email(api, "alice@nieuw.example")
    taken = _change_email(api, "carol@example.org")
    # From outside the two look alike: status, body, the notice to the old address, the account page.
    assert (free.status_code, taken.status_code) == (202, 202)
    assert body(taken) == {"pending_email": "carol@example.org"}
    assert set(body(taken)) == set(body(free))
    notices = sent_to("alice@example.org")
    assert [notice.subject for notice in notices] == ["Verzoek om uw e-mailadres te wijzigen"] * 2
    assert "c***@example.org" in notices[-1].body
    assert "Wacht op bevestiging: carol@example.org" in api.get("/account").body.decode()
    # The address's holder hears that it is in use, with no link to follow; the free one got a link.
    in_use = sent_to("carol@example.org")
    assert [mail.subject for mail in in_use] == ["Dit e-mailadres is al in gebruik"]
    assert "al in gebruik voor een account" in in_use[0].body and "http" not in in_use[0].body
    assert "#token=" in last_to("alice@nieuw.example").body
    # Nobody changed: the holder keeps the address, the requester keeps hers.
    assert (get_user("carol").email, get_user("carol").email_normalized) == ("Carol@Example.org", "carol@example.org")
    assert body(api.get("/api/v1/me"))["email"] == "alice@example.org"
    # The stored request cannot be completed: its token went nowhere, and the older link (to the free
    # address) was voided by it like by any newer request.
    _, older = link_token(last_to("alice@nieuw.example"))
    refused = api.post("/api/v1/account/email/verify", {"token": older})
    assert refused.status_code == 400 and body(refused)["error"]["code"] == "invalid_token"
    assert get_user("carol").email == "Carol@Example.org" and get_user("alice").email == "alice@example.org"


def test_the_verification_mail_to_a_taken_address_follows_the_requesters_language(api, full_login, user_factory):
    full_login(api, "alice", language="en")
    user_factory("carol", language="pap")
    assert _change_email(api, "carol@example.org").status_code == 202
    assert last_to("carol@example.org").subject == "This e-mail address is already in use"


def test_one_own_address_is_refused_and_an_address_taken_meanwhile_at_verification(api, make_api, full_login):
    full_login(api, "alice")
    own = _change_email(api, "Alice@Example.org")
    assert own.status_code == 409 and body(own)["error"]["code"] == "email_taken"  # already hers: nothing to hide
    # Two people ask for the same free address; the first to verify gets it.
    other = make_api()
    full_login(other, "dave")
    _change_email(api, "shared@new.example")
    _change_email(other, "shared@new.example")
    alice_link, dave_link = (link_token(message)[1] for message in sent_to("shared@new.example")[-2:])
    assert other.post("/api/v1/account/email/verify", {"token": dave_link}).status_code == 204
    late = api.post("/api/v1/account/email/verify", {"token": alice_link})
    assert late.status_code == 409 and body(late)["error"]["code"] == "email_taken"
    assert body(api.get("/api/v1/me"))["email"] == "alice@example.org"
    assert body(other.get("/api/v1/me"))["email"] == "shared@new.example"


def test_email_change_requests_are_limited_per_account_and_hour(api, make_api, full_login, user_factory, pinned):
    full_login(api, "alice")
    user_factory("carol")
    for attempt in range(5):  # taken and free addresses count alike
        address = "carol@example.org" if attempt % 2 else f"alice{attempt}@nieuw.example"
        assert _change_email(api, address).status_code == 202, attempt
    spare = next_code()
    limited = _change_email(api, "alice9@nieuw.example", code=spare)
    assert limited.status_code == 429 and body(limited)["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    assert not sent_to("alice9@nieuw.example")
    # The refused request spent nothing: its code still logs in.
    login = make_api()
    password_step(login, "alice")
    assert login.post("/api/v1/auth/totp", {"code": spare}).status_code == 200
    # Another account has its own allowance; the next window starts afresh.
    other = make_api()
    full_login(other, "dave")
    assert _change_email(other, "dave@nieuw.example").status_code == 202
    pinned.advance(int(limited.headers["Retry-After"]))
    full_login(api, "alice")  # a new session: the old one has been idle meanwhile
    assert _change_email(api, "alice9@nieuw.example").status_code == 202


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
