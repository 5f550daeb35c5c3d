"""services/authorizations.py against moto with a pinned clock (2027-01-15 04:00 on the island): a
firm registers under its own CRIB only, the client alone confirms or revokes, another taxpayer's id
is a 404 exactly like an unknown one, an authorization past its end date is expired from the next
island day, and a refused change writes nothing."""

from __future__ import annotations

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import authorizations
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.storage.authorizations import get_authorization
from chalicelib.storage.users import User
from tests.api.sent_mail import sent_to
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", lang="en")
FIRM = User("rep.punda", roles={"representative"}, crib="200000009", firm_name="Kantoor Punda", mfa_enabled=True)
FIELDS = {"client_crib": "100000002", "tax_type": "ib", "start_date": "2027-01-01", "end_date": "2027-01-20"}


@pytest.fixture
def client(aws, clock_pinned):
    return create_account("klant.een", "klant@example.org", None, crib="100000002", language="en")


def _refused(call, *args) -> PortalError:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalError) as refused:
        call(*args)
    return refused.value


def _status(identifier: str) -> str:
    return get_authorization(identifier).status


def test_a_registered_authorization_is_pending_recorded_and_told_to_the_client(client):
    shown = authorizations.register(FIRM, FIELDS, CONTEXT)
    assert {key: shown[key] for key in ("representative_crib", "firm_name", "client_crib", "tax_type",
                                        "tax_type_name", "start_date", "end_date", "status", "source",
                                        "created_by", "created_at")} == {
        "representative_crib": "200000009", "firm_name": "Kantoor Punda", "client_crib": "100000002",
        "tax_type": "IB", "tax_type_name": "Income tax", "start_date": "2027-01-01", "end_date": "2027-01-20",
        "status": "pending", "source": "single", "created_by": "rep.punda", "created_at": "2027-01-15T08:00:00Z"}
    assert len(shown["id"]) == 32 and "100000002" not in shown["id"]
    assert _status(shown["id"]) == "pending"
    assert [(event["action"], event["details"]["status"]) for event in events_about("crib:100000002")] == [
        ("authorization.create", "pending")]
    [notice] = sent_to("klant@example.org")
    assert "account rep.punda" in notice.body and "100000002" not in notice.body


def test_the_same_authorization_twice_is_refused_and_stored_once(client):
    first = authorizations.register(FIRM, FIELDS, CONTEXT)
    assert _refused(authorizations.register, FIRM, {**FIELDS, "tax_type": " IB "}, CONTEXT).code \
        is ErrorCode.AUTHORIZATION_EXISTS
    assert authorizations.list_for_representative(FIRM, None, None, "en")["items"][0]["id"] == first["id"]
    assert len(authorizations.list_for_representative(FIRM, None, None, "en")["items"]) == 1
    assert len(sent_to("klant@example.org")) == 1


def test_a_bad_field_is_400_naming_it_with_the_row_rule_and_stores_nothing(client):
    for fields, field, reason in (
        ({**FIELDS, "client_crib": "12345"}, "client_crib", "import.row.invalid_crib"),
        ({**FIELDS, "client_crib": "200000009"}, "client_crib", "import.row.own_crib"),
        ({**FIELDS, "tax_type": "XX"}, "tax_type", "import.row.unknown_tax_type"),
        ({**FIELDS, "end_date": "2027-01-14"}, "end_date", "import.row.end_in_past"),
    ):
        refusal = _refused(authorizations.register, FIRM, fields, CONTEXT)
        assert (refusal.code, refusal.field, refusal.extra) == (ErrorCode.INVALID_REQUEST, field,
                                                                {"reason": reason})
    assert authorizations.register(FIRM, {**FIELDS, "end_date": "2027-01-15"}, CONTEXT)["status"] == "pending"
    assert len(authorizations.list_for_representative(FIRM, None, None, "en")["items"]) == 1


def test_only_a_representative_with_a_firm_crib_registers(client):
    for user in (User("klant.een", roles={"taxpayer"}, crib="100000002"),
                 User("rep.zonder", roles={"representative"})):
        assert _refused(authorizations.register, user, FIELDS, CONTEXT).code is ErrorCode.FORBIDDEN
        assert _refused(authorizations.list_for_representative, user, None, None, "en").code is ErrorCode.FORBIDDEN
    assert events_about("crib:100000002") == []


def test_the_client_confirms_once_and_revokes_once(client):
    identifier = authorizations.register(FIRM, FIELDS, CONTEXT)["id"]
    authorizations.confirm(client, identifier, CONTEXT)
    assert _status(identifier) == "active"
    assert _refused(authorizations.confirm, client, identifier, CONTEXT).code is ErrorCode.INVALID_AUTHORIZATION_STATE
    authorizations.revoke(client, identifier, CONTEXT)
    stored = get_authorization(identifier)
    assert (stored.status, stored.revoked_by) == ("revoked", "klant.een")
    assert _refused(authorizations.revoke, client, identifier, CONTEXT).code is ErrorCode.INVALID_AUTHORIZATION_STATE
    # Recorded in one pinned second, so compared without their order.
    assert sorted(event["action"] for event in events_about("crib:100000002")) == [
        "authorization.confirm", "authorization.create", "authorization.revoke"]


def test_another_taxpayer_or_the_firm_gets_404_and_changes_nothing(client):
    other = create_account("klant.twee", "twee@example.org", None, crib="100000003")
    identifier = authorizations.register(FIRM, FIELDS, CONTEXT)["id"]
    for user, target in ((other, identifier), (FIRM, identifier), (client, "0" * 32), (client, "x" * 65),
                         (User("klant.een", roles={"representative"}, crib="100000002"), identifier)):
        assert _refused(authorizations.confirm, user, target, CONTEXT).code is ErrorCode.NOT_FOUND
        assert _refused(authorizations.revoke, user, target, CONTEXT).code is ErrorCode.NOT_FOUND
    assert _status(identifier) == "pending"
    assert [event["action"] for event in events_about("crib:100000002")] == ["authorization.create"]


def test_an_authorization_is_confirmable_through_its_end_day_and_expired_after(client, clock_pinned):
    identifier = authorizations.register(FIRM, FIELDS, CONTEXT)["id"]
    late = authorizations.register(FIRM, {**FIELDS, "tax_type": "OB"}, CONTEXT)["id"]
    clock_pinned.advance(5 * 86400 + 19 * 3600 + 3599)  # 2027-01-20 23:59:59 on the island
    authorizations.confirm(client, identifier, CONTEXT)
    clock_pinned.advance(1)  # 2027-01-21 00:00:00
    assert _refused(authorizations.confirm, client, late, CONTEXT).code is ErrorCode.INVALID_AUTHORIZATION_STATE
    assert _refused(authorizations.revoke, client, identifier, CONTEXT).code is ErrorCode.INVALID_AUTHORIZATION_STATE
    assert (_status(identifier), _status(late)) == ("active", "pending")
    shown = authorizations.list_for_client(client, None, "en")["items"]
    assert sorted(item["status"] for item in shown) == ["expired", "expired"]
    assert "created_by" not in shown[0]  # the client does not see who at the firm entered it


def test_the_firms_list_filters_by_status_and_a_taxpayer_without_crib_sees_none(client):
    pending = authorizations.register(FIRM, FIELDS, CONTEXT)["id"]
    active = authorizations.register(FIRM, {**FIELDS, "tax_type": "WB"}, CONTEXT)["id"]
    authorizations.confirm(client, active, CONTEXT)
    def listed(status: str | None) -> list[str]:
        return [item["id"] for item in authorizations.list_for_representative(FIRM, status, None, "en")["items"]]
    assert (listed("pending"), listed("active"), listed("revoked"), listed("expired")) == (
        [pending], [active], [], [])
    assert sorted(listed(None)) == sorted([pending, active])
    refusal = _refused(authorizations.list_for_representative, FIRM, "deleted", None, "en")
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_REQUEST, "status")
    other_firm = User("rep.ander", roles={"representative"}, crib="300000002", mfa_enabled=True)
    assert authorizations.list_for_representative(other_firm, None, None, "en")["items"] == []
    assert authorizations.list_for_client(User("zonder", roles={"taxpayer"}), None, "en") == {
        "items": [], "cursor": None}
