"""The staff rules of every desk action (services/staff.py): staff role with 2FA, never one's own
account, staff accounts and staff roles only by an admin, a reason always - and every refusal is in
the audit trail with outcome `denied` and the rule it broke."""

from __future__ import annotations

import pytest

from tests.api.conftest import body

# How the desk identified the owner: every unblock and 2FA reset states at least one check.
CHECKED = {"identity_checks": ["id_document_in_person"]}

ADMIN = "/api/v1/admin"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _denied(actor: str) -> list[tuple[str, str, str]]:
    """(action, target, rule) of the actor's refused staff actions, sorted (the clock is pinned, so events
    of one test share their second), read from the store."""
    from chalicelib.storage.audit import AuditEvent

    return sorted((event.action, event.target, event.details.as_dict().get("rule"))
                  for event in AuditEvent.scan() if event.actor == actor and event.outcome == "denied")


@pytest.fixture
def desk(make_api, full_login, clock_pinned):
    """Logged-in clients: support sam.support, admin ada.admin, taxpayer jan.jansen."""
    clients = {}
    for name, roles in (("sam.support", ("support",)), ("ada.admin", ("admin",)), ("jan.jansen", ("taxpayer",))):
        clients[name] = make_api()
        full_login(clients[name], name, roles=roles)
    return clients


ACTIONS = [
    ("unblock", "support.unblock", {}),
    ("reset-2fa", "support.reset_2fa", {}),
    ("crib", "support.bind_crib", {"crib": "123456782"}),
]


@pytest.mark.parametrize("actor", ["sam.support", "ada.admin"])
@pytest.mark.parametrize(("path", "action", "extra"), ACTIONS)
def test_no_staff_member_acts_on_their_own_account(desk, actor, path, action, extra):
    response = desk[actor].post(f"{ADMIN}/users/{actor.title()}/{path}", {"reason": "testing myself", **extra})
    assert (response.status_code, body(response)["error"]["code"]) == (403, "forbidden")
    assert _denied(actor) == [(action, actor, "own_account")]


@pytest.mark.parametrize("actor", ["sam.support", "ada.admin"])
def test_no_staff_member_gives_their_own_account_representative_access(desk, actor):
    response = desk[actor].post(f"{ADMIN}/representatives", {"username": actor, "firm_name": "Eigen B.V.",
                                                             "crib": "400000005", "reason": "mijzelf"})
    assert response.status_code == 403
    assert _denied(actor) == [("support.grant_representative", actor, "own_account")]


def test_support_does_not_act_on_an_admin(desk):
    for path, action, extra in ACTIONS[:2]:
        response = desk["sam.support"].post(f"{ADMIN}/users/ada.admin/{path}", {"reason": "asked to", **extra})
        assert response.status_code == 403, path
    assert _denied("sam.support") == [("support.reset_2fa", "ada.admin", "staff_account_admin_only"),
                                      ("support.unblock", "ada.admin", "staff_account_admin_only")]
    # An admin may (admins manage staff), with a reason like everyone.
    assert desk["ada.admin"].post(f"{ADMIN}/users/sam.support/unblock",
                                  {"reason": "asked to", **CHECKED}).status_code == 204


@pytest.mark.parametrize("role", ["admin", "support"])
def test_support_does_not_create_staff_accounts(desk, role):
    payload = {"username": "nieuwe.collega", "email": "collega@example.org", "roles": [role],
               "reason": "new hire"}
    response = desk["sam.support"].post(f"{ADMIN}/users", payload)
    assert (response.status_code, body(response)["error"]["code"]) == (403, "forbidden")
    assert _denied("sam.support") == [("support.create_account", "nieuwe.collega", "staff_role_admin_only")]
    from chalicelib.storage.users import get_user

    assert get_user("nieuwe.collega") is None


ROUTES = [
    ("/users/ada.admin/unblock", "support.unblock", "ada.admin"),
    ("/users/ada.admin/reset-2fa", "support.reset_2fa", "ada.admin"),
    ("/users/ada.admin/crib", "support.bind_crib", "ada.admin"),
    ("/users", "support.create_account", "-"),
    ("/representatives", "support.grant_representative", "-"),
    ("/representatives/ada.admin/imports", "import.request", "ada.admin"),
    ("/support-requests/SR-0000-0000/close", "support_request.closed", "-"),
]


@pytest.mark.parametrize(("path", "action", "target"), ROUTES)
def test_an_account_without_a_staff_role_is_refused_and_recorded(desk, path, action, target):
    response = desk["jan.jansen"].post(f"{ADMIN}{path}", {"reason": "let me in"})
    assert (response.status_code, body(response)["error"]["code"]) == (403, "forbidden")
    assert _denied("jan.jansen") == [(action, target, "staff_role_with_2fa")]


def test_account_creation_needs_a_reason(desk):
    payload = {"username": "piet.pietersen", "email": "piet@example.org", "roles": ["taxpayer"]}
    for reason in (None, "", "   "):
        sent = payload if reason is None else {**payload, "reason": reason}
        response = desk["sam.support"].post(f"{ADMIN}/users", sent)
        assert response.status_code == 400
        assert body(response)["error"]["code"] == "invalid_request" and body(response)["error"]["field"] == "reason"
    from chalicelib.storage.users import get_user

    assert get_user("piet.pietersen") is None
    assert _denied("sam.support") == [("support.create_account", "piet.pietersen", "reason_required")] * 3
    created = desk["sam.support"].post(f"{ADMIN}/users", {**payload, "reason": "asked at the counter"})
    assert created.status_code == 201


def test_unblock_without_reason_is_recorded_as_denied(desk, user_factory):
    user_factory("els.de.vries")
    response = desk["ada.admin"].post(f"{ADMIN}/users/els.de.vries/unblock", {})
    assert response.status_code == 400 and body(response)["error"]["field"] == "reason"
    assert _denied("ada.admin") == [("support.unblock", "els.de.vries", "reason_required")]


def test_allowed_actions_leave_no_denied_event(desk, user_factory):
    user_factory("els.de.vries", totp_secret=SECRET)
    assert desk["sam.support"].post(f"{ADMIN}/users/els.de.vries/unblock",
                                    {"reason": "ID checked", **CHECKED}).status_code == 204
    assert _denied("sam.support") == []
