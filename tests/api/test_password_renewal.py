"""A stored password that is on the breached list by now (the list grew) is checked again at every login
(NIST SP 800-63B-4 3.1.1.2): the login succeeds, but a new password comes before anything else. And
every place a password is set says why a password is refused, in the caller's language."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import body
from tests.api.two_factor import SECRET, code, enroll

PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Lange-Wandeling-Naar-Westpunt-42"


@pytest.fixture(autouse=True)
def pinned(clock_pinned):
    return clock_pinned


@pytest.fixture
def grow_list(monkeypatch, tmp_path):
    """Replaces the bundled list by one that also holds PASSWORD, as a rebuilt list would (call it once
    the accounts exist: their passwords were fine when they were set)."""
    from chalicelib.security import password_list

    def grow() -> None:
        path = tmp_path / "breached_passwords.bloom"
        path.write_bytes(password_list.build([PASSWORD, "password", "wachtwoord", "welkom"], rate=1e-4))
        monkeypatch.setattr(password_list, "PATH", path)
        password_list.bundled.cache_clear()

    yield grow
    password_list.bundled.cache_clear()


@pytest.fixture
def list_grew(alice, grow_list):
    grow_list()


@pytest.fixture
def alice(user_factory):
    return user_factory("alice", totp_secret=SECRET)


def _login(api, password: str = PASSWORD):
    response = api.post("/api/v1/auth/login", {"username": "alice", "password": password})
    assert response.status_code == 200, response.body
    return body(response)


def _second_step(api) -> dict:
    from chalicelib import clock

    clock.pin(clock.now() + 30)
    response = api.post("/api/v1/auth/totp", {"code": code(SECRET)})
    assert response.status_code == 200, response.body
    return body(response)


def _login_events(username: str) -> list:
    from chalicelib.storage.audit import AuditEvent

    return [event for event in AuditEvent.target_index.query(username) if event.action == "login.password"]


def test_a_login_with_a_password_listed_since_succeeds_and_a_new_one_comes_first(api, alice, list_grew):
    assert _login(api) == {"next": "totp", "password_change_required": True}
    assert _second_step(api) == {"next": "done", "password_change_required": True}
    assert body(api.get("/api/v1/me"))["password_change_required"] is True
    refused = api.get("/api/v1/account/sessions")
    assert refused.status_code == 403
    assert body(refused)["error"]["code"] == "password_change_required"
    assert "Kies eerst een nieuw wachtwoord" in body(refused)["error"]["message"]
    for page in ("/portal", "/account", "/mfa/backup-codes"):
        moved = api.get(page)
        assert moved.status_code == 302 and moved.headers["Location"] == "/account/new-password"
    step = api.get("/account/new-password")
    assert step.status_code == 200 and "Kies een nieuw wachtwoord" in step.body.decode()
    details = _login_events("alice")[-1].details.as_dict()
    assert details.get("password_change_required") == "password.common"

    same = api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": PASSWORD})
    assert same.status_code == 400 and body(same)["error"]["reason"] == "password.common"
    changed = api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.body

    assert "password_change_required" not in body(api.get("/api/v1/me"))
    assert api.get("/api/v1/account/sessions").status_code == 200
    assert api.get("/portal").status_code == 200
    assert api.get("/account/new-password").headers["Location"] == "/portal"  # nothing owed any more
    fresh = type(api)(api.client)
    assert _login(fresh, NEW_PASSWORD) == {"next": "totp"}


def test_an_unlisted_password_logs_in_without_a_debt(api, alice):
    assert _login(api) == {"next": "totp"}
    assert _second_step(api) == {"next": "done"}
    assert "password_change_required" not in body(api.get("/api/v1/me"))
    assert "password_change_required" not in _login_events("alice")[-1].details.as_dict()


def test_the_owed_change_needs_the_current_password_but_no_second_code(api, alice, list_grew):
    _login(api)
    _second_step(api)
    wrong = api.post("/api/v1/account/password",
                     {"current_password": "Not-The-Password-1", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 401
    assert body(wrong)["error"]["code"] == "invalid_credentials" and body(wrong)["error"]["field"] == "current_password"
    assert api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
                    ).status_code == 204


def test_without_the_debt_a_change_still_needs_the_code(api, alice):
    _login(api)
    _second_step(api)
    missing = api.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert missing.status_code == 400 and body(missing)["error"]["field"] == "code"


def test_the_debt_survives_a_first_enrollment_and_a_backup_code_login(api, make_api, user_factory, grow_list):
    user_factory("bert")
    grow_list()
    login = api.post("/api/v1/auth/login", {"username": "bert", "password": PASSWORD})
    assert body(login) == {"next": "enroll", "password_change_required": True}
    enrolled = enroll(api, "bert")
    assert api.get("/portal").headers["Location"] == "/account/new-password"
    backup = make_api()
    assert body(backup.post("/api/v1/auth/login", {"username": "bert", "password": PASSWORD}))[
        "password_change_required"] is True
    used = backup.post("/api/v1/auth/backup-code", {"code": enrolled.codes[0]})
    assert body(used)["password_change_required"] is True and body(used)["backup_codes_left"] == 9
    assert backup.get("/account/passkeys").headers["Location"] == "/account/new-password"


def _flagged_routes() -> list[tuple[str, str]]:
    from chalicelib import api
    from chalicelib.api import http
    from chalicelib.services.sessions import Access

    routes = []
    for module, prefix in api.registrations():
        for endpoint in http.endpoints(module.blueprint):
            if endpoint.access in (Access.FULL, Access.ENROLL):
                routes.append((endpoint.method, prefix + re.sub(r"\{\w+\}", "x", endpoint.path)))
    return routes


def test_every_route_of_a_full_login_refuses_the_session_until_the_new_password(api, alice, list_grew):
    """Only the new password itself, /me, /session, the language and the backup-code sheet of a first
    enrollment (Access.RENEW) take such a session; every other route of a full login answers 403."""
    _login(api)
    _second_step(api)
    routes = _flagged_routes()
    assert len(routes) > 25
    for method, path in routes:
        if method == "GET":
            response = api.get(path)
        elif method == "DELETE":
            response = api.delete(path)
        else:
            response = api.post(path, {})
        assert response.status_code == 403, (method, path, response.body)
        assert body(response)["error"]["code"] == "password_change_required", (method, path)
    assert api.get("/api/v1/session").status_code == 200


# ---------------------------------------------------------------- why, wherever a password is set


@pytest.mark.parametrize(("lang", "breached", "context"), [
    ("nl", "uitgelekte of veelgebruikte", "Belastingdienst, Curaçao, Digitaal Portaal"),
    ("en", "leaked or commonly used", "Belastingdienst, Curaçao, Digitaal Portaal"),
    ("pap", "ku a lek òf ku hende ta usa hopi", "Belastingdienst, Kòrsou, Digitaal Portaal"),
])
def test_a_refused_new_password_says_why_in_the_callers_language(api, full_login, lang, breached, context):
    full_login(api, "alice")
    for candidate, reason, why in (("P@ssw0rd-2024!", "password.common", breached),
                                   ("Belastingdienst-2024!", "password.context", context)):
        from chalicelib import clock

        clock.pin(clock.now() + 30)
        response = api.post(f"/api/v1/account/password?lang={lang}",
                            {"current_password": PASSWORD, "new_password": candidate, "code": code(SECRET)})
        error = body(response)["error"]
        assert (response.status_code, error["code"], error["field"], error["reason"]) == \
            (400, "weak_password", "new_password", reason)
        assert why in error["message"]


def test_reset_and_activation_links_refuse_listed_and_context_passwords_with_the_reason(api, make_api, user_factory):
    from tests.api.sent_mail import last_to, link_token

    user_factory("alice", totp_secret=SECRET)
    api.post("/api/v1/auth/password-reset", {"username": "alice"})
    _, token = link_token(last_to("alice@example.org"))
    for candidate, reason in (("Welkom2024!!!!", "password.common"), ("D1g1taal-Portaal-99", "password.context"),
                              ("mijn-alice-wachtwoord", "password.contains_identity")):
        response = api.post("/api/v1/auth/password-reset/complete?lang=en", {"token": token, "new_password": candidate})
        assert response.status_code == 400 and body(response)["error"]["reason"] == reason
    assert api.post("/api/v1/auth/password-reset/complete", {"token": token, "new_password": NEW_PASSWORD}
                    ).status_code == 204


WHY = {"nl": "Waarom? Aanvallers proberen eerst", "en": "Why? Attackers first try",
       "pap": "Dikon? Atakantenan ta purba"}


@pytest.mark.parametrize("lang", sorted(WHY))
def test_every_page_that_sets_a_password_explains_the_list(api, full_login, lang, grow_list):
    for path in ("/password/reset", "/account/activate"):
        assert WHY[lang] in api.get(f"{path}?lang={lang}").body.decode()
    full_login(api, "alice")
    grow_list()
    assert WHY[lang] in api.get(f"/account?lang={lang}").body.decode()
    renewing = type(api)(api.client)
    renewing.post("/api/v1/auth/login", {"username": "alice", "password": PASSWORD})
    _second_step(renewing)
    assert WHY[lang] in renewing.get(f"/account/new-password?lang={lang}").body.decode()
