"""Authorizations through the HTTP contract (docs/api.md "Representatives", "Taxpayers as clients", and the
support desk's representative route): registering, listing, confirming, revoking, expiry, who may
see and change what, notices and audit events."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import last_to, sent_to

REP = "/api/v1/representative/authorizations"
CLIENT = "/api/v1/authorizations"
FIRM_CRIB, OTHER_FIRM_CRIB, CLIENT_CRIB = "200000009", "300000007", "100000002"


@pytest.fixture
def firm(make_api, full_login, clock_pinned):
    """A representative of 'Kantoor Punda' (CRIB 200000009) with a full session."""
    api = make_api()
    full_login(api, "rep.punda", roles=("representative",), crib=FIRM_CRIB, firm_name="Kantoor Punda")
    return api


@pytest.fixture
def other_firm(make_api, full_login, clock_pinned):
    api = make_api()
    full_login(api, "rep.otrobanda", roles=("representative",), crib=OTHER_FIRM_CRIB, firm_name="Kantoor Otrobanda")
    return api


@pytest.fixture
def taxpayer(make_api, full_login, clock_pinned):
    """The taxpayer with CRIB 100000002, who reads English."""
    api = make_api()
    full_login(api, "klant.een", crib=CLIENT_CRIB, language="en")
    return api


def register(api, **fields):
    payload = {"client_crib": CLIENT_CRIB, "tax_type": "IB", "start_date": "2027-01-01", **fields}
    return api.post(REP, payload)


def items(response) -> list[dict]:
    assert response.status_code == 200, response.body
    return body(response)["items"]


def audit_actions(target: str) -> list[str]:
    from chalicelib.storage.audit import by_target

    return [event.action for event in by_target(target, 50, None)]


# ---------------------------------------------------------------- the client's side


def test_client_sees_a_pending_authorization_confirms_it_then_revokes_it(firm, taxpayer):
    created = register(firm, end_date="2027-12-31", client_name="J. Klant", reference="DOS-1")
    assert created.status_code == 201, created.body
    authorization = body(created)
    assert authorization["status"] == "pending"
    assert (authorization["firm_name"], authorization["tax_type_name"]) == ("Kantoor Punda", "Inkomstenbelasting")
    mail = last_to("klant.een@example.org")
    assert "Kantoor Punda" in mail.body and "Income tax" in mail.body and "confirm" in mail.body
    assert CLIENT_CRIB not in mail.body

    (seen,) = items(taxpayer.get(CLIENT))
    assert (seen["id"], seen["status"], seen["firm_name"]) == (authorization["id"], "pending", "Kantoor Punda")
    assert "created_by" not in seen

    assert taxpayer.post(f"{CLIENT}/{authorization['id']}/confirm").status_code == 204
    assert items(taxpayer.get(CLIENT))[0]["status"] == "active"
    assert items(firm.get(REP))[0]["status"] == "active"
    assert "confirmed" in last_to("klant.een@example.org").subject

    again = taxpayer.post(f"{CLIENT}/{authorization['id']}/confirm")
    assert (again.status_code, body(again)["error"]["code"]) == (409, "invalid_authorization_state")

    assert taxpayer.post(f"{CLIENT}/{authorization['id']}/revoke").status_code == 204
    assert items(taxpayer.get(CLIENT))[0]["status"] == "revoked"
    assert items(firm.get(REP))[0]["status"] == "revoked"
    assert "revoked" in last_to("klant.een@example.org").subject
    assert taxpayer.post(f"{CLIENT}/{authorization['id']}/revoke").status_code == 409
    assert len(sent_to("klant.een@example.org")) == 3
    assert sorted(audit_actions(f"crib:{CLIENT_CRIB}")) == [
        "authorization.confirm", "authorization.create", "authorization.revoke"]


NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


def test_notices_name_the_acting_account_and_never_a_whole_crib(make_api, full_login, taxpayer, clock_pinned):
    """A firm without a name is shown by its masked CRIB; every notice says which account acted."""
    unnamed = make_api()
    full_login(unnamed, "rep.naamloos", roles=("representative",), crib=OTHER_FIRM_CRIB)
    authorization = body(register(unnamed))
    requested = last_to("klant.een@example.org")
    assert "******007" in requested.body and "account rep.naamloos" in requested.body
    assert taxpayer.post(f"{CLIENT}/{authorization['id']}/confirm").status_code == 204
    confirmed = last_to("klant.een@example.org")
    assert confirmed.subject == "An authorization was confirmed"
    assert "account klant.een confirmed the authorization for the representative with CRIB number ******007" \
        in confirmed.body
    assert taxpayer.post(f"{CLIENT}/{authorization['id']}/revoke").status_code == 204
    assert "account klant.een revoked" in last_to("klant.een@example.org").body
    mails = sent_to("klant.een@example.org")
    assert len(mails) == 3
    assert [mail.body for mail in mails if NINE_DIGITS.search(mail.subject + mail.body)] == []


def test_support_cannot_make_a_second_account_on_a_clients_crib(firm, taxpayer, make_api, full_login):
    """The attack: a second account on the victim's CRIB confirming in the victim's name."""
    authorization = body(register(firm))
    desk = make_api()
    full_login(desk, "helpdesk.kees", roles=("support",))
    response = desk.post("/api/v1/admin/users", {"username": "nep.klant", "email": "nep@example.org",
                                                 "roles": ["taxpayer"], "crib": CLIENT_CRIB, "reason": "new"})
    assert (response.status_code, body(response)["error"]["code"]) == (409, "crib_taken")
    assert items(taxpayer.get(CLIENT))[0]["id"] == authorization["id"]
    assert items(taxpayer.get(CLIENT))[0]["status"] == "pending"


def test_a_pending_authorization_can_be_revoked_without_confirming(firm, taxpayer):
    authorization = body(register(firm))
    assert taxpayer.post(f"{CLIENT}/{authorization['id']}/revoke").status_code == 204
    assert taxpayer.post(f"{CLIENT}/{authorization['id']}/confirm").status_code == 409


def test_only_the_client_can_confirm_or_revoke(firm, taxpayer, make_api, full_login):
    authorization = body(register(firm))
    stranger = make_api()
    full_login(stranger, "iemand.anders", crib="100000003")
    for action in ("confirm", "revoke"):
        refused = stranger.post(f"{CLIENT}/{authorization['id']}/{action}")
        assert (refused.status_code, body(refused)["error"]["code"]) == (404, "not_found")
    assert items(stranger.get(CLIENT)) == []
    assert taxpayer.post(f"{CLIENT}/{'0' * 32}/confirm").status_code == 404
    assert items(taxpayer.get(CLIENT))[0]["status"] == "pending"


def test_a_taxpayer_cannot_call_representative_routes(taxpayer):
    for method, path in (("get", REP), ("post", REP), ("post", "/api/v1/representative/imports"),
                         ("get", "/api/v1/representative/imports/abc")):
        response = taxpayer.get(path) if method == "get" else taxpayer.post(path, {"client_crib": CLIENT_CRIB})
        assert (response.status_code, body(response)["error"]["code"]) == (403, "forbidden"), path


def test_a_representative_cannot_use_the_client_routes(firm):
    authorization = body(register(firm))
    assert firm.get(CLIENT).status_code == 403
    assert firm.post(f"{CLIENT}/{authorization['id']}/confirm").status_code == 403


def test_routes_need_a_full_session(make_api, firm):
    anonymous = make_api()
    assert anonymous.get(REP).status_code == 401
    assert anonymous.get(CLIENT).status_code == 401
    assert anonymous.post(f"{CLIENT}/x/confirm").status_code == 401


# ---------------------------------------------------------------- the representative's side


def test_a_representative_never_sees_another_firms_authorizations(firm, other_firm, taxpayer):
    mine = body(register(firm, tax_type="IB"))
    theirs = body(register(other_firm, tax_type="IB"))
    assert mine["id"] != theirs["id"]  # same client, tax type and period: the firm is part of the key
    assert [item["id"] for item in items(firm.get(REP))] == [mine["id"]]
    assert [item["id"] for item in items(other_firm.get(REP))] == [theirs["id"]]
    # The client sees both.
    assert {item["id"] for item in items(taxpayer.get(CLIENT))} == {mine["id"], theirs["id"]}
    # A firm's cursor only moves within its own list (the partition is the caller's, never the cursor's).
    from chalicelib.services import cursors

    forged = cursors.encode({"id": theirs["id"], "created": f"9999999999#{theirs['id']}"})
    assert [item["id"] for item in items(firm.get(f"{REP}?cursor={forged}"))] == [mine["id"]]


def test_registering_the_same_authorization_twice_is_refused(firm):
    assert register(firm).status_code == 201
    again = register(firm, start_date="01-01-2027")
    assert (again.status_code, body(again)["error"]["code"]) == (409, "authorization_exists")
    assert register(firm, end_date="2027-06-30").status_code == 201  # another period


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"client_crib": "12345678"}, "client_crib", "invalid_crib"),
    ({"client_crib": FIRM_CRIB}, "client_crib", "own_crib"),
    ({"tax_type": "XB"}, "tax_type", "unknown_tax_type"),
    ({"start_date": "2027-02-30"}, "start_date", "invalid_date"),
    ({"end_date": "2026-12-31"}, "end_date", "end_before_start"),
    ({"start_date": "2020-01-01", "end_date": "2026-12-31"}, "end_date", "end_in_past"),
    ({"reference": "=HYPERLINK(1)"}, "reference", "formula_cell"),
    ({"client_crib": 123456789}, "client_crib", None),
])
def test_bad_input_is_refused_naming_the_field(firm, fields, field, reason):
    response = register(firm, **fields)
    assert response.status_code == 400
    error = body(response)["error"]
    assert (error["code"], error["field"]) == ("invalid_request", field)
    if reason:
        from chalicelib.i18n import t

        assert error["reason"] == f"import.row.{reason}"
        assert error["message"].startswith(t(f"import.row.{reason}", "nl"))
    assert items(firm.get(REP)) == []


def test_list_pages_and_status_filters(firm, taxpayer, clock_pinned):
    ids = [body(register(firm, client_crib=f"1{index:08d}", tax_type="OB"))["id"] for index in range(3, 58)]
    first = body(firm.get(REP))
    assert len(first["items"]) == 50 and first["cursor"]
    second = body(firm.get(f"{REP}?cursor={first['cursor']}"))
    assert len(second["items"]) == 5 and second["cursor"] is None
    assert {item["id"] for item in first["items"] + second["items"]} == set(ids)

    short = body(register(firm, end_date="2027-03-31"))
    assert taxpayer.post(f"{CLIENT}/{short['id']}/confirm").status_code == 204
    assert [item["id"] for item in items(firm.get(f"{REP}?status=active"))] == [short["id"]]
    assert len(items(firm.get(f"{REP}?status=pending"))) == 50


def test_expiry_is_derived_from_the_end_date(firm, taxpayer, full_login, clock_pinned):
    short = body(register(firm, end_date="2027-03-31"))
    lasting = body(register(firm, tax_type="WB"))
    assert taxpayer.post(f"{CLIENT}/{short['id']}/confirm").status_code == 204
    clock_pinned.advance(90 * 24 * 3600)
    full_login(firm, "rep.punda")
    full_login(taxpayer, "klant.een")
    assert [item["id"] for item in items(firm.get(f"{REP}?status=expired"))] == [short["id"]]
    assert [item["id"] for item in items(firm.get(f"{REP}?status=pending"))] == [lasting["id"]]
    assert items(firm.get(f"{REP}?status=active")) == []
    statuses = {item["id"]: item["status"] for item in items(taxpayer.get(CLIENT))}
    assert statuses == {short["id"]: "expired", lasting["id"]: "pending"}
    refused = taxpayer.post(f"{CLIENT}/{short['id']}/revoke")
    assert (refused.status_code, body(refused)["error"]["code"]) == (409, "invalid_authorization_state")


@pytest.mark.parametrize("query", ["status=unknown", "cursor=%%%", "cursor=eyJ4IjoxfQ"])
def test_bad_list_parameters_are_refused(firm, query):
    response = firm.get(f"{REP}?{query}")
    assert response.status_code == 400
    assert body(response)["error"]["field"] in ("status", "cursor")


def test_a_representative_account_without_a_firm_crib_may_not_act(make_api, full_login):
    api = make_api()
    full_login(api, "rep.zonder", roles=("representative",))
    assert api.get(REP).status_code == 403
    assert register(api).status_code == 403


# ---------------------------------------------------------------- representative access by the support desk

ADMIN = "/api/v1/admin/representatives"


@pytest.fixture
def staff(make_api, full_login, clock_pinned):
    api = make_api()
    full_login(api, "helpdesk.ria", roles=("support",))
    return api


def test_support_creates_representative_access_for_a_new_account(staff):
    response = staff.post(ADMIN, {"username": "Nieuw.Kantoor", "firm_name": "  Nieuw   Kantoor B.V. ",
                                  "crib": "400000005", "email": "info@nieuwkantoor.cw", "reason": "Formulier 12"})
    assert response.status_code == 201, response.body
    assert body(response) == {"username": "nieuw.kantoor", "firm_name": "Nieuw Kantoor B.V.", "crib": "400000005",
                              "roles": ["representative"], "created": True}
    assert "/account/activate" in last_to("info@nieuwkantoor.cw").body
    from chalicelib.storage.users import get_user

    created = get_user("nieuw.kantoor")
    # No password yet (the activation link sets it) and no 2FA: the first login enrolls it.
    assert (created.password_hash, created.mfa_enabled, created.crib) == (None, False, "400000005")
    assert "support.create_representative" in audit_actions("nieuw.kantoor")


def test_support_gives_an_existing_account_the_role(staff, user_factory):
    user_factory("adviseur.jan", roles=["representative"])
    response = staff.post(ADMIN, {"username": "adviseur.jan", "firm_name": "Jan Advies", "crib": "400000005",
                                  "reason": "Verzoek SR-1234"})
    assert response.status_code == 201
    assert body(response)["roles"] == ["representative"] and body(response)["created"] is False
    assert "Jan Advies" in last_to("adviseur.jan@example.org").body
    from chalicelib.storage.users import crib_owner

    assert crib_owner("400000005") == "adviseur.jan"


def test_a_taxpayer_account_without_crib_does_not_become_the_firms_client(staff, user_factory, make_api, full_login):
    """Giving it the firm's CRIB would make it the client of every authorization on that CRIB."""
    user_factory("burger.zonder", roles=["taxpayer"])
    response = staff.post(ADMIN, {"username": "burger.zonder", "firm_name": "Zonder B.V.", "crib": "400000005",
                                  "reason": "verzoek"})
    assert (response.status_code, body(response)["error"]["code"]) == (409, "conflict")
    from chalicelib.storage.users import crib_owner, get_user

    assert get_user("burger.zonder").crib is None and crib_owner("400000005") is None


def test_a_firm_crib_bound_to_a_taxpayer_account_is_taken_for_a_new_representative(staff, user_factory):
    """A firm's CRIB and a person's CRIB are one namespace: the number is one account's."""
    user_factory("firma.als.klant", crib="400000005")
    response = staff.post(ADMIN, {"username": "nieuw.kantoor", "firm_name": "Nieuw B.V.", "crib": "400000005",
                                  "email": "kantoor@example.org", "reason": "verzoek"})
    assert (response.status_code, body(response)["error"]["code"]) == (409, "crib_taken")
    from chalicelib.storage.users import get_user

    assert get_user("nieuw.kantoor") is None


def test_an_account_with_another_crib_gets_a_separate_representative_account(staff, user_factory):
    user_factory("burger.piet", crib="100000004")
    response = staff.post(ADMIN, {"username": "burger.piet", "firm_name": "Piet B.V.", "crib": "400000005",
                                  "reason": "verzoek"})
    assert (response.status_code, body(response)["error"]["code"]) == (409, "conflict")
    from chalicelib.storage.users import get_user

    assert get_user("burger.piet").roles == {"taxpayer"}


@pytest.mark.parametrize(("payload", "field"), [
    ({"username": "x.kantoor", "firm_name": "X", "crib": "400000005", "email": "x@x.cw", "reason": "r"}, "firm_name"),
    ({"username": "x.kantoor", "firm_name": "X B.V.", "crib": "4000", "email": "x@x.cw", "reason": "r"}, "crib"),
    ({"username": "x.kantoor", "firm_name": "X B.V.", "crib": "400000005", "reason": "r"}, "email"),
    ({"username": "x.kantoor", "firm_name": "X B.V.", "crib": "400000005", "email": "x@x.cw"}, "reason"),
    ({"username": "x.kantoor", "firm_name": "X B.V.", "crib": "400000005", "email": "x@x.cw", "reason": " "},
     "reason"),
])
def test_representative_access_needs_valid_input_and_a_reason(staff, payload, field):
    response = staff.post(ADMIN, payload)
    assert response.status_code == 400
    assert body(response)["error"]["field"] == field


def test_representative_access_is_staff_only_and_never_for_oneself(staff, firm, taxpayer):
    payload = {"username": "helpdesk.ria", "firm_name": "Eigen B.V.", "crib": "400000005", "reason": "test"}
    assert staff.post(ADMIN, payload).status_code == 403
    for caller in (firm, taxpayer):
        assert caller.post(ADMIN, {**payload, "username": "nobody.else"}).status_code == 403
