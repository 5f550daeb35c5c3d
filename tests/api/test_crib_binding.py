"""One account per CRIB number: creation reserves the CRIB in the same transaction as the account, a
taken CRIB is a 409 `crib_taken`, and binding a CRIB to an existing account is an admin's action with a
reason that releases the old reservation in the same transaction."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import sent_to

ADMIN = "/api/v1/admin"


@pytest.fixture
def desk(make_api, full_login, clock_pinned):
    clients = {}
    for name, roles in (("sam.support", ("support",)), ("ada.admin", ("admin",))):
        clients[name] = make_api()
        full_login(clients[name], name, roles=roles)
    return clients


def _new_account(username: str, crib: str) -> dict:
    return {"username": username, "email": f"{username}@example.org", "roles": ["taxpayer"], "crib": crib,
            "reason": "registered at the counter"}


def test_a_second_account_on_a_crib_is_refused(desk, user_factory):
    user_factory("echte.burger", crib="123456782")
    response = desk["sam.support"].post(f"{ADMIN}/users", _new_account("andere.burger", "123456782"))
    assert response.status_code == 409
    error = body(response)["error"]
    assert error["code"] == "crib_taken" and error["field"] == "crib"
    assert error["message"].startswith("Dit CRIB-nummer hoort al bij een ander account.")
    from chalicelib.storage.users import get_user

    assert get_user("andere.burger") is None
    assert sent_to("andere.burger@example.org") == []


def test_an_admin_cannot_create_one_either(desk):
    assert desk["ada.admin"].post(f"{ADMIN}/users", _new_account("eerste", "123456782")).status_code == 201
    again = desk["ada.admin"].post(f"{ADMIN}/users", _new_account("tweede", "123456782"))
    assert (again.status_code, body(again)["error"]["code"]) == (409, "crib_taken")


def test_the_operations_command_reserves_the_crib_too(user_factory):
    from chalicelib.errors import PortalError
    from chalicelib.storage.users import crib_owner

    user_factory("echte.burger", crib="123456782")
    assert crib_owner("123456782") == "echte.burger"
    with pytest.raises(PortalError) as refused:
        user_factory("andere.burger", crib="123456782")
    assert refused.value.code.value == "crib_taken"


def test_reservations_are_no_accounts(desk, user_factory):
    """They share the users table: no login, lookup or search ever sees one as an account."""
    user_factory("echte.burger", crib="123456782")
    found = body(desk["sam.support"].get(f"{ADMIN}/users?q=crib%23123456782"))["items"]
    assert found == []
    assert desk["sam.support"].get(f"{ADMIN}/users/crib%23123456782").status_code == 404
    assert [user["username"] for user in body(desk["sam.support"].get(f"{ADMIN}/users?q=123456782"))["items"]] == [
        "echte.burger"]


def test_an_admin_binds_a_crib_with_a_reason_and_the_old_one_is_released(desk, user_factory, clock_pinned):
    user_factory("jan.jansen")
    user_factory("els.de.vries")
    bound = desk["ada.admin"].post(f"{ADMIN}/users/jan.jansen/crib", {"crib": "123456782", "reason": "ID checked"})
    assert bound.status_code == 200 and body(bound)["crib"] == "123456782"
    taken = desk["ada.admin"].post(f"{ADMIN}/users/els.de.vries/crib", {"crib": "123456782", "reason": "typo?"})
    assert (taken.status_code, body(taken)["error"]["code"]) == (409, "crib_taken")

    clock_pinned.advance(1)
    moved = desk["ada.admin"].post(f"{ADMIN}/users/jan.jansen/crib", {"crib": "987654321", "reason": "wrong number"})
    assert moved.status_code == 200
    from chalicelib.storage.users import crib_owner, get_user

    assert (crib_owner("123456782"), crib_owner("987654321")) == (None, "jan.jansen")
    # The released number is free for its real owner now.
    assert desk["ada.admin"].post(f"{ADMIN}/users/els.de.vries/crib",
                                  {"crib": "123456782", "reason": "ID checked"}).status_code == 200

    clock_pinned.advance(1)
    unbound = desk["ada.admin"].post(f"{ADMIN}/users/jan.jansen/crib", {"crib": None, "reason": "left the island"})
    assert unbound.status_code == 200 and body(unbound)["crib"] is None
    assert get_user("jan.jansen").crib is None and crib_owner("987654321") is None

    trail = body(desk["ada.admin"].get(f"{ADMIN}/audit?target=jan.jansen&action=support.bind_crib"))["items"]
    assert [(event["outcome"], event["reason"], event["details"]) for event in trail] == [
        ("success", "left the island", {"crib": "", "previous": "987654321"}),
        ("success", "wrong number", {"crib": "987654321", "previous": "123456782"}),
        ("success", "ID checked", {"crib": "123456782", "previous": ""}),
    ]


def test_binding_needs_a_reason_a_crib_field_and_an_admin(desk, user_factory):
    user_factory("jan.jansen")
    no_reason = desk["ada.admin"].post(f"{ADMIN}/users/jan.jansen/crib", {"crib": "123456782"})
    assert no_reason.status_code == 400 and body(no_reason)["error"]["field"] == "reason"
    no_crib = desk["ada.admin"].post(f"{ADMIN}/users/jan.jansen/crib", {"reason": "r"})
    assert no_crib.status_code == 400 and body(no_crib)["error"]["field"] == "crib"
    bad_crib = desk["ada.admin"].post(f"{ADMIN}/users/jan.jansen/crib", {"crib": "12345", "reason": "r"})
    assert bad_crib.status_code == 400 and body(bad_crib)["error"]["field"] == "crib"
    by_support = desk["sam.support"].post(f"{ADMIN}/users/jan.jansen/crib", {"crib": "123456782", "reason": "r"})
    assert (by_support.status_code, body(by_support)["error"]["code"]) == (403, "forbidden")
    from chalicelib.storage.audit import AuditEvent
    from chalicelib.storage.users import crib_owner, get_user

    assert get_user("jan.jansen").crib is None and crib_owner("123456782") is None
    assert [(event.action, event.target, event.details.as_dict()) for event in AuditEvent.scan()
            if event.actor == "sam.support" and event.outcome == "denied"] == [
        ("support.bind_crib", "jan.jansen", {"rule": "admin_only"})]
    assert desk["ada.admin"].post(f"{ADMIN}/users/nobody.here/crib", {"crib": None, "reason": "r"}).status_code == 404


NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


def test_no_mail_carries_a_whole_crib(desk, user_factory):
    """Every mail sent while creating, binding and granting carries at most a masked CRIB."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses import ses_backends

    desk["sam.support"].post(f"{ADMIN}/users", _new_account("nieuwe.burger", "123456782"))
    user_factory("kantoor.zonder.crib", roles=["representative"])
    desk["sam.support"].post(f"{ADMIN}/representatives", {"username": "kantoor.zonder.crib", "firm_name": "K B.V.",
                                                          "crib": "400000005", "reason": "verzoek"})
    messages = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert len(messages) >= 2
    assert [message.body for message in messages if NINE_DIGITS.search(message.subject + message.body)] == []
