"""GET /api/v1/account/activity: the account holder's own events, newest first, paged, in readable words
in the caller's language, never another account's events and never an event's secrets."""

from __future__ import annotations

import json

import pytest

from chalicelib import clock
from chalicelib.services.audit import RequestContext, record
from tests.api.conftest import body
from tests.api.two_factor import SECRET, code, password_step

CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Safari/537.36")


def login(api, username: str, user_agent: str = CHROME_WINDOWS) -> None:
    """Both login steps through the API (each login needs a TOTP step of its own)."""
    clock.advance(31)
    headers = {"User-Agent": user_agent}
    assert api.post("/api/v1/auth/login", {"username": username, "password": "Correct-Horse-Battery-9"},
                    headers=headers).status_code == 200
    clock.advance(1)  # events of one instant have no order among themselves
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET)}, headers=headers).status_code == 200


@pytest.fixture
def two_accounts(user_factory, clock_pinned):
    user_factory("anna.activiteit", totp_secret=SECRET, crib="123456789")
    user_factory("bert.buurman", totp_secret=SECRET)


def later(action: str, **event) -> None:
    """Record an event one second after the one before (events of one instant have no order)."""
    clock.advance(1)
    record(action, **event)


def activity(api, query: str = ""):
    response = api.get(f"/api/v1/account/activity{query}")
    assert response.status_code == 200, response.body
    return body(response)


def test_the_owner_sees_their_logins_and_failed_attempts_on_their_name_newest_first(api, make_api, two_accounts):
    attacker = make_api()
    assert password_step(attacker, "anna.activiteit", "Wrong-Password-123").status_code == 401
    login(api, "anna.activiteit")
    items = activity(api)["items"]
    labels = [item["label"] for item in items]
    assert labels[:3] == ["Ingelogd met een code uit de authenticator-app", "Wachtwoord ingevoerd (eerste inlogstap)",
                          "Mislukte inlogpoging: verkeerd wachtwoord"]
    assert [item["id"] for item in items] == sorted((item["id"] for item in items), reverse=True)
    login_event = items[0]
    assert login_event["device"] == "Chrome op Windows"
    assert login_event["time"].endswith("(UTC-4)")
    assert items[2]["succeeded"] is False and items[2]["suspicious"] is True


def test_another_accounts_events_never_appear(api, make_api, two_accounts):
    other = make_api()
    login(other, "bert.buurman")
    assert password_step(make_api(), "bert.buurman", "Wrong-Password-123").status_code == 401
    login(api, "anna.activiteit")
    mine = activity(api)["items"]
    theirs = activity(other)["items"]
    assert mine and theirs
    assert not {item["id"] for item in mine} & {item["id"] for item in theirs}
    assert "bert.buurman" not in json.dumps(mine)
    assert "Mislukte inlogpoging: verkeerd wachtwoord" in [item["label"] for item in theirs]
    assert "Mislukte inlogpoging: verkeerd wachtwoord" not in [item["label"] for item in mine]


def test_events_on_the_accounts_crib_and_by_the_account_are_its_activity(api, two_accounts):
    context = RequestContext(ip="198.51.100.7")
    later("authorization.create", actor="kantoor.x", target="crib:123456789", outcome="success", context=context,
           details={"tax_type": "IB", "representative_crib": "987654321"})
    later("authorization.create", actor="kantoor.x", target="crib:555555555", outcome="success", context=context,
           details={"tax_type": "IB"})
    later("import.request", actor="anna.activiteit", target="import:abc", outcome="success", context=context)
    login(api, "anna.activiteit")
    items = activity(api)["items"]
    labels = [item["label"] for item in items]
    assert labels.count("Machtiging voor Inkomstenbelasting aangevraagd") == 1
    assert "Bestand met machtigingen aangeboden" in labels
    granted = next(item for item in items if item["action"] == "authorization.create")
    assert granted["by"] == "een ander account (vertegenwoordiger of servicedesk)"
    text = json.dumps(items)
    assert "987654321" not in text and "123456789" not in text and "kantoor.x" not in text


def test_pages_of_twenty_newest_first_each_event_once(api, two_accounts):
    login(api, "anna.activiteit")
    for number in range(43):
        target = "crib:123456789" if number % 3 == 0 else "anna.activiteit"
        later("account.language", actor="anna.activiteit", target=target, outcome="success",
               context=RequestContext(), details={"language": "en"})
    first = activity(api)
    second = activity(api, f"?cursor={first['cursor']}")
    third = activity(api, f"?cursor={second['cursor']}")
    assert (len(first["items"]), len(second["items"])) == (20, 20)
    assert third["cursor"] is None
    ids = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert len(ids) == len(set(ids)) == 43 + 2  # and the login's password and TOTP events
    assert ids == sorted(ids, reverse=True)


def test_labels_in_the_three_languages(api, two_accounts):
    login(api, "anna.activiteit")
    later("passkey.added", actor="anna.activiteit", target="anna.activiteit", outcome="success",
           context=RequestContext(), details={"passkey": "Telefoon"})
    expected = {
        "nl": ("Passkey ‘Telefoon’ toegevoegd", "Ingelogd met een code uit de authenticator-app", "Chrome op Windows"),
        "en": ("Passkey ‘Telefoon’ added", "Logged in with a code from the authenticator app", "Chrome on Windows"),
        "pap": ("Passkey ‘Telefoon’ agregá", "A log in ku un kódigo di e app di outentikashon", "Chrome riba Windows"),
    }
    for lang, (added, logged_in, device) in expected.items():
        items = activity(api, f"?lang={lang}")["items"]
        assert items[0]["label"] == added
        assert items[1]["label"] == logged_in
        assert items[1]["device"] == device


def test_an_unknown_action_gets_a_generic_label_never_its_code(api, two_accounts):
    login(api, "anna.activiteit")
    later("oidc.token_issued", actor="adviseur.y", target="anna.activiteit", outcome="success",
           context=RequestContext(), details={"client": "Boekhouder"})
    later("oidc.consent", actor="anna.activiteit", target="anna.activiteit", outcome="denied",
           context=RequestContext())
    for lang, generic in (("nl", "Andere gebeurtenis in uw account"), ("en", "Other event on your account"),
                          ("pap", "Otro suseso riba bo kuenta")):
        items = activity(api, f"?lang={lang}")["items"]
        assert items[1]["label"] == generic
        assert items[0]["label"].startswith(generic + " (") and "oidc" not in items[0]["label"]


def test_no_secret_of_an_event_reaches_the_owner(api, two_accounts):
    login(api, "anna.activiteit")
    later("support.reset_2fa", actor="desk.medewerker", target="anna.activiteit", outcome="success",
           context=RequestContext(ip="10.0.0.9"), reason="belde vanaf onbekend nummer, ID gezien",
           details={"identity_check": "passport"})
    later("oidc.token_issued", actor="adviseur.y", target="anna.activiteit", outcome="success",
           context=RequestContext(), details={"access_token": "tok-SECRET-123", "code": "654321"})
    later("support_request.filed", actor="anonymous", target="anna.activiteit", outcome="success",
           context=RequestContext(), details={"reference": "SR-ABCD-EFGH", "kind": "reset_2fa"})
    later("email.change", actor="anna.activiteit", target="anna.activiteit", outcome="success",
           context=RequestContext(), details={"old": "a***@example.org", "new": "n***@example.net"})
    items = activity(api)["items"]
    text = json.dumps(items, ensure_ascii=False)
    for secret in ("tok-SECRET-123", "654321", "belde vanaf", "passport", "desk.medewerker", "SR-ABCD-EFGH",
                   "adviseur.y", "a***@example.org"):
        assert secret not in text
    assert items[0]["label"] == "E-mailadres gewijzigd in n***@example.net"
    assert items[3]["label"] == "Uw tweestapsverificatie is gewist door de servicedesk"
    assert items[3]["by"] == "de servicedesk"
    assert set(items[0]) == {"id", "at", "time", "action", "label", "outcome", "succeeded", "by", "device", "ip",
                             "new_device", "suspicious"}


def test_a_cursor_that_is_not_one_of_ours_is_a_400_naming_it(api, two_accounts):
    login(api, "anna.activiteit")
    for cursor in ("garbage", "eyJlIjoiY3JpYjoxMjMifQ"):  # the latter: {"e": "crib:123"}
        response = api.get(f"/api/v1/account/activity?cursor={cursor}")
        assert response.status_code == 400
        assert body(response)["error"]["field"] == "cursor"


def test_activity_needs_a_full_session(api, two_accounts):
    assert api.get("/api/v1/account/activity").status_code == 401
    assert password_step(api, "anna.activiteit").status_code == 200
    assert api.get("/api/v1/account/activity").status_code == 401


def test_the_pages_show_the_activity_and_link_to_it(api, two_accounts):
    login(api, "anna.activiteit")
    page = api.get("/account/activity")
    assert page.status_code == 200
    assert "Ingelogd met een code uit de authenticator-app" in page.body.decode()
    assert 'href="/account/activity"' in api.get("/portal").body.decode()
    assert 'href="/account/activity"' in api.get("/account").body.decode()
    assert api.get("/account/activity?cursor=garbage").status_code == 200


def test_what_the_account_did_as_the_desk_to_another_account_never_reads_as_its_own(api, two_accounts):
    login(api, "anna.activiteit")
    later("support.unblock", actor="anna.activiteit", target="bert.buurman", outcome="success",
          context=RequestContext(), reason="belde zelf", details={"was_locked": True, "was_blocked": False})
    later("support.reset_2fa", actor="anna.activiteit", target="bert.buurman", outcome="denied",
          context=RequestContext(), reason="geen rol")
    items = activity(api)["items"]
    assert [item["label"] for item in items[:2]] == [
        "Tweestapsverificatie van een ander account gewist (servicedesk) (geweigerd)",
        "Een ander account gedeblokkeerd (servicedesk)"]
    assert items[0]["by"] is None and "bert.buurman" not in json.dumps(items)


def test_a_page_is_three_index_queries_never_a_scan(api, two_accounts):
    from bench.dynamodb_requests import counting

    login(api, "anna.activiteit")
    clock.advance(1)  # within a minute of the login: the session is not touched by the measured request
    with counting() as requests:
        assert api.get("/api/v1/account/activity").status_code == 200
    assert requests.operations == ["TransactGetItems", "Query", "Query", "Query"]
