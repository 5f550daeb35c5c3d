"""Four eyes at the desk: a 2FA reset of a representative's or staff account waits for a second staff
member; the requester can never approve it; it expires after 24 hours; a decision is taken once; both
staff members are in the audit trail. Taxpayers keep the one-step reset (tests/api/test_admin.py)."""

from __future__ import annotations

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import sent_to

ADMIN = "/api/v1/admin"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CHECKS = {"identity_checks": ["id_document_in_person", "crib_and_birth_date"], "identity_note": "passport seen"}


@pytest.fixture
def desk(make_api, full_login, clock_pinned):
    """Two support staff members and two admins, each with a full session."""
    clients = {}
    for name, roles in (("sam.support", ("support",)), ("sara.support", ("support",)),
                        ("ada.admin", ("admin",)), ("abe.admin", ("admin",))):
        clients[name] = make_api()
        full_login(clients[name], name, roles=roles)
    return clients


@pytest.fixture
def adviser(make_api, full_login):
    """A representative with 2FA and a live session of their own."""
    own = make_api()
    full_login(own, "kantoor.adviseur", roles=("representative",))
    return own


def _request(client, username: str = "kantoor.adviseur", **extra):
    return client.post(f"{ADMIN}/users/{username}/reset-2fa", {"reason": "lost phone, ticket 7", **CHECKS, **extra})


def _events(client, username: str) -> list[dict]:
    return body(client.get(f"{ADMIN}/audit?target={username}"))["items"]


def _mfa(client, username: str = "kantoor.adviseur") -> bool:
    return body(client.get(f"{ADMIN}/users/{username}"))["mfa_enabled"]


def test_a_representatives_reset_waits_and_a_second_staff_member_applies_it(desk, adviser):
    requested = _request(desk["sam.support"])
    assert requested.status_code == 202
    approval = body(requested)["approval"]
    assert approval["status"] == "pending" and approval["target"] == "kantoor.adviseur"
    assert approval["requested_by"] == "sam.support" and approval["identity_checks"] == [
        "id_document_in_person", "crib_and_birth_date"]
    # Nothing changed yet: 2FA active, the owner's session alive, no notice.
    assert _mfa(desk["sara.support"]) is True and adviser.get("/api/v1/me").status_code == 200
    assert sent_to("kantoor.adviseur@example.org") == []
    waiting = body(desk["sara.support"].get(f"{ADMIN}/approvals"))["items"]
    assert [item["id"] for item in waiting] == [approval["id"]]
    page = desk["sara.support"].get("/support/approvals").body.decode()
    assert "Wacht op goedkeuring" in page and approval["id"] in page and "Goedkeuren en uitvoeren" in page
    account_page = desk["sara.support"].get("/support/users/kantoor.adviseur").body.decode()
    assert ("Wacht op goedkeuring: Tweestapsverificatie wissen, aangevraagd door sam.support"
            in account_page)

    approved = desk["sara.support"].post(f"{ADMIN}/approvals/{approval['id']}/approve", {"reason": "checked file"})
    assert approved.status_code == 204
    assert _mfa(desk["sara.support"]) is False and adviser.get("/api/v1/me").status_code == 401
    assert len(sent_to("kantoor.adviseur@example.org")) == 1
    assert body(desk["sam.support"].get(f"{ADMIN}/approvals"))["items"] == []
    trail = {event["action"]: event for event in _events(desk["sam.support"], "kantoor.adviseur")}
    reset, request = trail["support.reset_2fa"], trail["support.reset_2fa.requested"]
    assert (request["action"], request["actor"], request["outcome"]) == (
        "support.reset_2fa.requested", "sam.support", "pending")
    assert (reset["action"], reset["actor"], reset["outcome"], reset["reason"]) == (
        "support.reset_2fa", "sara.support", "success", "lost phone, ticket 7")
    assert reset["details"] == {"identity_checks": ["id_document_in_person", "crib_and_birth_date"],
                                "identity_note": "passport seen", "approval_id": approval["id"],
                                "requested_by": "sam.support", "approved_by": "sara.support",
                                "approval_reason": "checked file"}
    again = desk["ada.admin"].post(f"{ADMIN}/approvals/{approval['id']}/approve", {"reason": "me too"})
    assert again.status_code == 409 and body(again)["error"]["code"] == "conflict"
    assert len(sent_to("kantoor.adviseur@example.org")) == 1


def test_the_requester_can_never_approve_their_own_request(desk, adviser):
    approval = body(_request(desk["sam.support"]))["approval"]
    refused = desk["sam.support"].post(f"{ADMIN}/approvals/{approval['id']}/approve", {"reason": "urgent"})
    assert refused.status_code == 403 and body(refused)["error"]["code"] == "forbidden"
    assert _mfa(desk["sam.support"]) is True
    denied = [event for event in _events(desk["sam.support"], "kantoor.adviseur") if event["outcome"] == "denied"]
    assert [(event["action"], event["details"]) for event in denied] == [
        ("support.reset_2fa.approve", {"rule": "own_request"})]
    page = desk["sam.support"].get("/support/approvals").body.decode()
    assert "Dit is uw eigen verzoek" in page and "Goedkeuren en uitvoeren" not in page
    assert [item["status"] for item in body(desk["sara.support"].get(f"{ADMIN}/approvals"))["items"]] == ["pending"]


def test_the_write_itself_refuses_the_requesters_approval(desk, adviser):
    """Behind the service's check, the approval's write condition names the requester too."""
    from chalicelib import clock
    from chalicelib.errors import PortalError
    from chalicelib.services import second_factor_reset
    from chalicelib.services.audit import RequestContext, new_event
    from chalicelib.storage.approvals import APPROVED, Decision
    from chalicelib.storage.users import get_user

    approval = body(_request(desk["sam.support"]))["approval"]
    event = new_event("support.reset_2fa", actor="sam.support", target="kantoor.adviseur", outcome="success",
                      context=RequestContext())
    with pytest.raises(PortalError):
        second_factor_reset.apply(get_user("kantoor.adviseur"), event,
                                  Decision(approval["id"], APPROVED, "sam.support", int(clock.now()), "mine"))
    assert _mfa(desk["sara.support"]) is True


def test_a_request_expires_after_24_hours(desk, adviser, clock_pinned, full_login):
    approval = body(_request(desk["sam.support"]))["approval"]
    clock_pinned.advance(24 * 3600)
    full_login(desk["sara.support"], "sara.support")  # a fresh session after a day
    late = desk["sara.support"].post(f"{ADMIN}/approvals/{approval['id']}/approve", {"reason": "next day"})
    assert late.status_code == 409 and body(late)["error"]["code"] == "approval_expired"
    assert body(desk["sara.support"].get(f"{ADMIN}/approvals"))["items"] == []
    assert _mfa(desk["sara.support"]) is True


def test_a_rejected_or_withdrawn_request_changes_nothing(desk, adviser):
    first = body(_request(desk["sam.support"]))["approval"]
    assert desk["sara.support"].post(f"{ADMIN}/approvals/{first['id']}/reject", {"reason": "caller unsure"}
                                     ).status_code == 204
    late = desk["ada.admin"].post(f"{ADMIN}/approvals/{first['id']}/approve", {"reason": "x"})
    assert late.status_code == 409
    second = body(_request(desk["sam.support"]))["approval"]
    assert desk["sam.support"].post(f"{ADMIN}/approvals/{second['id']}/reject", {"reason": "withdrawn"}
                                    ).status_code == 204
    assert _mfa(desk["sara.support"]) is True and adviser.get("/api/v1/me").status_code == 200
    rejected = [event for event in _events(desk["sam.support"], "kantoor.adviseur")
                if event["action"] == "support.reset_2fa.rejected"]
    assert sorted((event["actor"], event["details"]["requested_by"]) for event in rejected) == [
        ("sam.support", "sam.support"), ("sara.support", "sam.support")]


def test_decisions_need_a_reason_and_an_existing_request(desk, adviser):
    approval = body(_request(desk["sam.support"]))["approval"]
    missing = desk["sara.support"].post(f"{ADMIN}/approvals/{approval['id']}/approve", {})
    assert missing.status_code == 400 and body(missing)["error"]["field"] == "reason"
    assert desk["sara.support"].post(f"{ADMIN}/approvals/AP-XXXX-XXXX/approve", {"reason": "r"}).status_code == 404
    assert _mfa(desk["sara.support"]) is True


def test_a_staff_accounts_reset_is_an_admins_request_and_another_admins_approval(desk, full_login, make_api):
    full_login(make_api(), "sem.support", roles=("support",))
    assert _request(desk["sam.support"], "sem.support").status_code == 403  # support never on staff accounts
    approval = body(_request(desk["ada.admin"], "sem.support"))["approval"]
    by_support = desk["sara.support"].post(f"{ADMIN}/approvals/{approval['id']}/approve", {"reason": "ok"})
    assert by_support.status_code == 403
    assert desk["abe.admin"].post(f"{ADMIN}/approvals/{approval['id']}/approve", {"reason": "ok"}).status_code == 204
    assert _mfa(desk["abe.admin"], "sem.support") is False


def test_a_refused_reset_leaves_the_request_pending(desk, adviser, monkeypatch):
    """The decision and the reset are one transaction: when the reset is refused (a passkey appeared
    meanwhile), the approval is not spent either."""
    from chalicelib.services import second_factor_reset
    from chalicelib.storage.passkeys import Passkey

    approval = body(_request(desk["sam.support"]))["approval"]
    ghost = Passkey("kantoor.adviseur", "ghost")
    monkeypatch.setattr(second_factor_reset.passkey_store, "passkeys_of", lambda username: [ghost])
    refused = desk["sara.support"].post(f"{ADMIN}/approvals/{approval['id']}/approve", {"reason": "ok"})
    assert refused.status_code == 409
    monkeypatch.undo()
    assert [item["status"] for item in body(desk["sara.support"].get(f"{ADMIN}/approvals"))["items"]] == ["pending"]
    assert desk["sara.support"].post(f"{ADMIN}/approvals/{approval['id']}/approve", {"reason": "ok"}
                                     ).status_code == 204


def test_taxpayers_keep_the_one_step_reset(desk, full_login, make_api):
    full_login(make_api(), "jan.jansen")
    assert _request(desk["sam.support"], "jan.jansen").status_code == 204
    assert body(desk["sam.support"].get(f"{ADMIN}/approvals"))["items"] == []
    assert _mfa(desk["sam.support"], "jan.jansen") is False
