"""Passkeys through the HTTP contract, answered by a software authenticator (tests/authenticator.py):
registration after the password and a code, the login's second step, and every refusal."""

from __future__ import annotations

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import sent_to
from tests.api.two_factor import PASSWORD, SECRET, code, password_step
from tests.authenticator import SoftwareAuthenticator

# How the desk identified the owner: every unblock and 2FA reset states at least one check.
CHECKED = {"identity_checks": ["id_document_in_person"]}

API = "/api/v1"
# The local stage's own origin when a request carries no Host header (api/http.py origin()).
ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture
def owner(api, full_login, clock_pinned):
    """jan.jansen (TOTP active) with a full session, at a pinned time."""
    full_login(api, "jan.jansen")
    return api


def options_for_registration(api, step: int = 0) -> dict:
    response = api.post(f"{API}/account/passkeys/options", {"password": PASSWORD, "code": code(SECRET, step)})
    assert response.status_code == 200, response.body
    return body(response)["publicKey"]


def register(api, authenticator: SoftwareAuthenticator, name: str = "Telefoon", step: int = 0):
    options = options_for_registration(api, step)
    return api.post(f"{API}/account/passkeys", {"name": name, "credential": authenticator.create(options)})


def with_passkey(api, clock, name: str = "Telefoon") -> SoftwareAuthenticator:
    authenticator = SoftwareAuthenticator(ORIGIN)
    assert register(api, authenticator, name).status_code == 201
    clock.advance(31)  # the next TOTP step: the registration's code works once
    return authenticator


def second_step(make_api, username: str = "jan.jansen"):
    """A new partial session of `username` (the password step) and its passkey options."""
    api = make_api()
    assert password_step(api, username).status_code == 200
    response = api.post(f"{API}/auth/passkey/options")
    assert response.status_code == 200, response.body
    return api, body(response)["publicKey"]


def events(action: str, username: str = "jan.jansen") -> list:
    from chalicelib.storage.audit import by_target

    return [event for event in by_target(username, 100, None) if event.action == action]


# ---------------------------------------------------------------- registration and management


def test_a_registered_passkey_is_listed_and_its_owner_told(owner, clock_pinned):
    authenticator = SoftwareAuthenticator(ORIGIN)
    response = register(owner, authenticator, "Laptop werk")
    assert response.status_code == 201, response.body
    assert body(response)["id"] == authenticator.id
    listed = body(owner.get(f"{API}/account/passkeys"))["items"]
    assert [(item["name"], item["transports"], item["last_used"]) for item in listed] == \
        [("Laptop werk", ["internal"], None)]
    assert "Laptop werk" in sent_to("jan.jansen@example.org")[-1].body
    assert body(owner.get(f"{API}/me"))["mfa"]["passkeys"] == 1


def test_registration_needs_the_password_and_a_current_code(owner):
    missing = owner.post(f"{API}/account/passkeys/options", {"password": PASSWORD})
    assert (missing.status_code, body(missing)["error"]["field"]) == (400, "code")
    wrong = owner.post(f"{API}/account/passkeys/options", {"password": "not the password", "code": code(SECRET)})
    assert (wrong.status_code, body(wrong)["error"]["code"]) == (401, "invalid_credentials")
    # Without options there is no challenge to answer.
    answer = SoftwareAuthenticator(ORIGIN).create({"challenge": "AAAA"})
    refused = owner.post(f"{API}/account/passkeys", {"name": "Telefoon", "credential": answer})
    assert (refused.status_code, body(refused)["error"]["code"]) == (401, "passkey_refused")


@pytest.mark.parametrize("lie", [{"origin": "https://portal.example.evil"}, {"rp_id": "evil.example"}])
def test_a_registration_for_another_origin_or_relying_party_is_refused(owner, lie):
    options = options_for_registration(owner)
    response = owner.post(f"{API}/account/passkeys",
                          {"name": "Telefoon", "credential": SoftwareAuthenticator(ORIGIN).create(options, **lie)})
    assert (response.status_code, body(response)["error"]["code"]) == (401, "passkey_refused")
    assert body(owner.get(f"{API}/account/passkeys"))["items"] == []


def test_a_registration_answer_works_once(owner):
    authenticator = SoftwareAuthenticator(ORIGIN)
    answer = authenticator.create(options_for_registration(owner))
    assert owner.post(f"{API}/account/passkeys", {"name": "Telefoon", "credential": answer}).status_code == 201
    again = owner.post(f"{API}/account/passkeys", {"name": "Telefoon 2", "credential": answer})
    assert (again.status_code, body(again)["error"]["code"]) == (401, "passkey_refused")
    assert len(body(owner.get(f"{API}/account/passkeys"))["items"]) == 1


def test_an_expired_registration_challenge_is_refused(owner, clock_pinned):
    options = options_for_registration(owner)
    clock_pinned.advance(301)
    response = owner.post(f"{API}/account/passkeys",
                          {"name": "Telefoon", "credential": SoftwareAuthenticator(ORIGIN).create(options)})
    assert (response.status_code, body(response)["error"]["code"]) == (401, "passkey_refused")


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "Tele\nfoon"])
def test_a_passkey_needs_a_sensible_name(owner, name):
    options = options_for_registration(owner)
    response = owner.post(f"{API}/account/passkeys",
                          {"name": name, "credential": SoftwareAuthenticator(ORIGIN).create(options)})
    assert (response.status_code, body(response)["error"]["field"]) == (400, "name")


def test_a_passkey_is_renamed_and_removed_with_a_notice(owner, clock_pinned):
    authenticator = with_passkey(owner, clock_pinned)
    renamed = owner.post(f"{API}/account/passkeys/{authenticator.id}/name", {"name": "Oude telefoon"})
    assert (renamed.status_code, body(renamed)["name"]) == (200, "Oude telefoon")
    removed = owner.post(f"{API}/account/passkeys/{authenticator.id}/remove",
                         {"password": PASSWORD, "code": code(SECRET)})
    assert removed.status_code == 204, removed.body
    assert body(owner.get(f"{API}/account/passkeys"))["items"] == []
    assert "Oude telefoon" in sent_to("jan.jansen@example.org")[-1].body
    assert [event.outcome for event in events("passkey.removed")] == ["success"]


def test_the_last_second_factor_cannot_be_removed(owner, clock_pinned):
    """Without an active TOTP secret a single passkey is the account's only second factor."""
    from chalicelib.storage.users import User

    authenticator = with_passkey(owner, clock_pinned)
    second = with_passkey(owner, clock_pinned, "Sleutel")
    User("jan.jansen").update(actions=[User.mfa_enabled.set(False)])
    first = owner.post(f"{API}/account/passkeys/{authenticator.id}/remove", {"password": PASSWORD})
    assert first.status_code == 204, first.body
    last = owner.post(f"{API}/account/passkeys/{second.id}/remove", {"password": PASSWORD})
    assert (last.status_code, body(last)["error"]["code"]) == (409, "last_second_factor")
    assert [item["name"] for item in body(owner.get(f"{API}/account/passkeys"))["items"]] == ["Sleutel"]


def test_another_accounts_passkey_cannot_be_renamed_or_removed(owner, make_api, full_login, clock_pinned):
    authenticator = with_passkey(owner, clock_pinned)
    other = make_api()
    full_login(other, "piet.pietersen")
    assert other.post(f"{API}/account/passkeys/{authenticator.id}/name", {"name": "Mijn"}).status_code == 404
    assert other.post(f"{API}/account/passkeys/{authenticator.id}/remove",
                      {"password": PASSWORD, "code": code(SECRET)}).status_code == 404
    assert body(owner.get(f"{API}/account/passkeys"))["items"][0]["name"] == "Telefoon"


# ---------------------------------------------------------------- login


def test_the_password_step_offers_the_passkey_and_it_logs_in_as_hardware(owner, make_api, clock_pinned):
    from chalicelib.services.sessions import authenticate

    authenticator = with_passkey(owner, clock_pinned)
    api = make_api()
    answer = body(password_step(api, "jan.jansen"))
    assert answer == {"next": "totp", "second_factor": "passkey"}
    options = body(api.post(f"{API}/auth/passkey/options"))["publicKey"]
    assert [item["id"] for item in options["allowCredentials"]] == [authenticator.id]
    response = api.post(f"{API}/auth/passkey", {"credential": authenticator.get(options)})
    assert (response.status_code, body(response)) == (200, {"next": "done"})
    assert api.get(f"{API}/me").status_code == 200
    assert authenticate(api.cookie).session.amr == {"pwd", "hwk", "user"}
    # A browser without the device cookie: a device the account has not logged in from before.
    assert events("login.passkey")[0].details.as_dict() == {"amr": ["hwk", "pwd", "user"], "device": "new"}
    assert body(owner.get(f"{API}/account/passkeys"))["items"][0]["last_used"] == int(clock_pinned.now())


def test_totp_stays_available_beside_a_passkey(owner, make_api, clock_pinned):
    with_passkey(owner, clock_pinned)
    api = make_api()
    password_step(api, "jan.jansen")
    assert api.post(f"{API}/auth/totp", {"code": code(SECRET)}).status_code == 200


@pytest.mark.parametrize("lie", [{"origin": "https://portal.example.evil"}, {"rp_id": "evil.example"}])
def test_an_assertion_for_another_origin_or_relying_party_is_refused(owner, make_api, clock_pinned, lie):
    authenticator = with_passkey(owner, clock_pinned)
    api, options = second_step(make_api)
    response = api.post(f"{API}/auth/passkey", {"credential": authenticator.get(options, **lie)})
    assert (response.status_code, body(response)["error"]["code"]) == (401, "passkey_refused")
    assert api.get(f"{API}/me").status_code == 401


def test_a_used_challenge_cannot_log_in_again(owner, make_api, clock_pinned):
    authenticator = with_passkey(owner, clock_pinned)
    first, options = second_step(make_api)
    answer = authenticator.get(options)
    assert first.post(f"{API}/auth/passkey", {"credential": answer}).status_code == 200
    # A new partial session with its own options: the old answer signs a challenge no longer stored.
    second, _ = second_step(make_api)
    replay = second.post(f"{API}/auth/passkey", {"credential": answer})
    assert (replay.status_code, body(replay)["error"]["code"]) == (401, "passkey_refused")
    # A fresh signature over the used challenge fails as well.
    again = second.post(f"{API}/auth/passkey", {"credential": authenticator.get(options)})
    assert again.status_code == 401


def test_a_failed_answer_uses_its_challenge_up(owner, make_api, clock_pinned):
    authenticator = with_passkey(owner, clock_pinned)
    api, options = second_step(make_api)
    assert api.post(f"{API}/auth/passkey",
                    {"credential": authenticator.get(options, origin="https://evil.example")}).status_code == 401
    assert api.post(f"{API}/auth/passkey", {"credential": authenticator.get(options)}).status_code == 401


def test_a_challenge_of_another_session_is_refused(owner, make_api, clock_pinned):
    authenticator = with_passkey(owner, clock_pinned)
    _, options = second_step(make_api)
    other, _ = second_step(make_api)
    response = other.post(f"{API}/auth/passkey", {"credential": authenticator.get(options)})
    assert (response.status_code, body(response)["error"]["code"]) == (401, "passkey_refused")


def test_another_accounts_passkey_does_not_log_in(owner, make_api, full_login, user_factory, clock_pinned):
    intruder = make_api()
    full_login(intruder, "piet.pietersen")
    theirs = with_passkey(intruder, clock_pinned)
    with_passkey(owner, clock_pinned)
    api, options = second_step(make_api, "jan.jansen")
    response = api.post(f"{API}/auth/passkey", {"credential": theirs.get(options)})
    assert (response.status_code, body(response)["error"]["code"]) == (401, "passkey_refused")


def test_a_counter_that_went_back_is_refused_audited_and_reported(owner, make_api, clock_pinned):
    authenticator = with_passkey(owner, clock_pinned)
    api, options = second_step(make_api)
    assert api.post(f"{API}/auth/passkey", {"credential": authenticator.get(options, counter=7)}).status_code == 200
    copy, options = second_step(make_api)
    response = copy.post(f"{API}/auth/passkey", {"credential": authenticator.get(options, counter=7)})
    assert (response.status_code, body(response)["error"]["code"]) == (401, "passkey_refused")
    assert "counter_regression" in [event.outcome for event in events("login.passkey")]
    assert "Telefoon" in sent_to("jan.jansen@example.org")[-1].body
    assert "kopie" in sent_to("jan.jansen@example.org")[-1].subject or \
        "gekopieerde" in sent_to("jan.jansen@example.org")[-1].subject


def test_authenticators_without_a_counter_keep_working(owner, make_api, clock_pinned):
    authenticator = with_passkey(owner, clock_pinned)
    for _ in range(2):
        api, options = second_step(make_api)
        assert api.post(f"{API}/auth/passkey", {"credential": authenticator.get(options, counter=0)}).status_code == 200


def test_failed_passkey_attempts_count_on_the_second_factor_lockout(owner, make_api, clock_pinned):
    authenticator = with_passkey(owner, clock_pinned)
    api = make_api()
    password_step(api, "jan.jansen")
    statuses = []
    for _ in range(6):
        options = body(api.post(f"{API}/auth/passkey/options"))["publicKey"]
        statuses.append(api.post(f"{API}/auth/passkey",
                                 {"credential": authenticator.get(options, rp_id="evil.example")}).status_code)
    assert statuses == [401] * 5 + [423]
    # The lock holds for the app's codes too: one counter for the second factor.
    assert api.post(f"{API}/auth/totp", {"code": code(SECRET)}).status_code == 423


def test_junk_instead_of_an_assertion_is_refused_not_an_error(owner, make_api, clock_pinned):
    with_passkey(owner, clock_pinned)
    api, _ = second_step(make_api)
    for junk in ({}, {"id": 5}, {"id": "x" * 5000}, {"id": "x", "response": "no"},
                 {"id": "AAAA", "response": {"signature": "%%"}}):
        response = api.post(f"{API}/auth/passkey", {"credential": junk})
        assert response.status_code in (401, 423), (junk, response.body)


@pytest.mark.parametrize("credential", [
    '{"id": "AAAA", "response": {"clientDataJSON": "x\\ud800"}}',  # a lone surrogate in a nested value
    '{"id": "AAAA", "response": {"\\udfff": "x"}}',  # ... or in a key
    '{"response": ' * 900 + "{}" + "}" * 900,  # nesting the parser takes, too deep to walk
])
def test_an_unencodable_or_too_deep_credential_is_400_naming_it(owner, make_api, clock_pinned, credential):
    with_passkey(owner, clock_pinned)
    api, _ = second_step(make_api)
    response = api.post(f"{API}/auth/passkey", '{"credential": ' + credential + "}")
    assert (response.status_code, body(response)["error"].get("field")) == (400, "credential")


def test_junk_instead_of_a_new_credential_is_refused_not_an_error(owner, clock_pinned):
    for junk in ({}, {"id": "AAAA", "response": {"clientDataJSON": 5}}, {"response": {"attestationObject": "!!"}}):
        options_for_registration(owner)
        clock_pinned.advance(31)  # each re-check needs a code of a new time step
        response = owner.post(f"{API}/account/passkeys", {"name": "Telefoon", "credential": junk})
        assert (response.status_code, body(response)["error"]["code"]) == (401, "passkey_refused"), junk


def test_passkey_login_endpoints_need_the_partial_session_of_the_password_step(owner, make_api, clock_pinned):
    with_passkey(owner, clock_pinned)
    assert make_api().post(f"{API}/auth/passkey/options").status_code == 401
    assert owner.post(f"{API}/auth/passkey/options").status_code == 403  # a full session has no second step


# ---------------------------------------------------------------- support


def test_a_2fa_reset_removes_the_passkeys_and_the_desk_counts_them(owner, make_api, full_login, clock_pinned):
    from chalicelib.storage.passkeys import passkeys_of

    with_passkey(owner, clock_pinned)
    with_passkey(owner, clock_pinned, "Sleutel")
    staff = make_api()
    full_login(staff, "sam.support", roles=("support",))
    assert body(staff.get(f"{API}/admin/users/jan.jansen"))["passkeys"] == 2
    assert staff.post(f"{API}/admin/users/jan.jansen/reset-2fa", {"reason": "lost phone", **CHECKED}).status_code == 204
    assert body(staff.get(f"{API}/admin/users/jan.jansen"))["passkeys"] == 0
    assert passkeys_of("jan.jansen") == []
    assert body(password_step(make_api(), "jan.jansen")) == {"next": "enroll"}


def test_a_passkey_registered_while_the_desk_resets_2fa_makes_the_reset_try_again_and_none_survives(
        owner, make_api, full_login, clock_pinned, monkeypatch):
    """The reset deletes the passkeys it read in its own transaction, conditional on the account's count:
    one registered after that read refuses the reset (409, nothing changed) instead of outliving it."""
    from chalicelib.services import second_factor_reset
    from chalicelib.storage import passkeys as passkey_store

    with_passkey(owner, clock_pinned)
    staff = make_api()
    full_login(staff, "sam.support", roles=("support",))
    read = passkey_store.passkeys_of
    registered: list[str] = []

    def read_then_a_registration(username: str):  # type: ignore[no-untyped-def]
        found = read(username)
        if not registered:
            registered.append(username)
            with monkeypatch.context() as inner:
                inner.setattr(passkey_store, "passkeys_of", read)
                with_passkey(owner, clock_pinned, "Sleutel")
        return found

    monkeypatch.setattr(second_factor_reset.passkey_store, "passkeys_of", read_then_a_registration)
    refused = staff.post(f"{API}/admin/users/jan.jansen/reset-2fa", {"reason": "lost phone", **CHECKED})
    assert refused.status_code == 409 and body(refused)["error"]["code"] == "conflict"
    assert len(read("jan.jansen")) == 2 and body(staff.get(f"{API}/admin/users/jan.jansen"))["passkeys"] == 2
    assert staff.post(f"{API}/admin/users/jan.jansen/reset-2fa", {"reason": "lost phone", **CHECKED}).status_code == 204
    assert read("jan.jansen") == [] and body(staff.get(f"{API}/admin/users/jan.jansen"))["passkeys"] == 0
