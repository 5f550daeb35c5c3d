"""services/representatives.py against moto: support creates a firm's account (no password, an
activation mail) or gives an existing account the role, and refuses what would let an account act
for a CRIB that is not its own, changing nothing when it refuses."""

from __future__ import annotations

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import representatives
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.storage.users import User, crib_owner, get_user
from tests.api.sent_mail import last_to, link_token, sent_to
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", lang="en", origin="https://portal.example")
SUPPORT = User("sam.support", roles={"support"}, mfa_enabled=True)
FIRM_CRIB = "200000009"


def _grant(username: str, **fields: str | None) -> tuple[dict, bool]:
    values = {"firm_name": "Kantoor Punda B.V.", "crib": FIRM_CRIB, "email": None, "reason": "contract signed",
              **fields}
    return representatives.grant_access(SUPPORT, username=username, context=CONTEXT, **values)


def _refused(code: ErrorCode, field: str | None, username: str, **fields: str | None) -> None:
    with pytest.raises(PortalError) as refused:
        _grant(username, **fields)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_a_new_firm_account_gets_the_role_the_crib_and_an_activation_link(aws):
    summary, created = _grant(" Nieuw.Kantoor ", firm_name="  Nieuw   Kantoor  B.V. ", email="kantoor@example.org")
    assert (summary, created) == ({"username": "nieuw.kantoor", "firm_name": "Nieuw Kantoor B.V.",
                                   "crib": FIRM_CRIB, "roles": ["representative"]}, True)
    stored = get_user("nieuw.kantoor")
    assert (stored.password_hash, stored.language, crib_owner(FIRM_CRIB)) == (None, "en", "nieuw.kantoor")
    url, _ = link_token(last_to("kantoor@example.org"))
    assert url == "https://portal.example/account/activate"
    assert sorted((event["action"], event["actor"], event["reason"]) for event in events_about("nieuw.kantoor")) == [
        ("password_activation.request", "sam.support", None),
        ("support.create_representative", "sam.support", "contract signed")]


BAD_INPUT = [
    ({"email": None}, ErrorCode.INVALID_REQUEST, "email"),
    ({"firm_name": " K "}, ErrorCode.INVALID_REQUEST, "firm_name"),
    ({"firm_name": "x" * 121}, ErrorCode.INVALID_REQUEST, "firm_name"),
    ({"firm_name": "Kantoor\x07B.V."}, ErrorCode.INVALID_REQUEST, "firm_name"),
    ({"crib": "20000000"}, ErrorCode.INVALID_REQUEST, "crib"),
    ({"email": "not an address"}, ErrorCode.INVALID_EMAIL, "email"),
    ({"reason": " "}, ErrorCode.INVALID_REQUEST, "reason"),
]


def test_bad_input_creates_nothing(aws):
    for fields, code, field in BAD_INPUT:
        _refused(code, field, "nieuw.kantoor", **{"email": "kantoor@example.org", **fields})
    assert get_user("nieuw.kantoor") is None
    assert crib_owner(FIRM_CRIB) is None
    assert sent_to("kantoor@example.org") == []


def test_a_firm_name_of_2_and_of_120_characters_is_accepted(aws):
    assert _grant("kantoor.twee", firm_name="AB", email="a@example.org")[0]["firm_name"] == "AB"
    assert _grant("kantoor.lang", firm_name="x" * 120, crib="300000002", email="b@example.org")[0]["firm_name"] \
        == "x" * 120


def test_an_existing_account_without_a_crib_gets_the_role_and_a_notice(aws):
    create_account("adviseur.jan", "jan@example.org", None, roles=["representative"])
    summary, created = _grant("adviseur.jan", email="ignored@example.org")
    assert (summary["roles"], summary["crib"], created) == (["representative"], FIRM_CRIB, False)
    assert (get_user("adviseur.jan").firm_name, crib_owner(FIRM_CRIB)) == ("Kantoor Punda B.V.", "adviseur.jan")
    assert len(sent_to("jan@example.org")) == 1
    assert sent_to("ignored@example.org") == []
    assert [event["action"] for event in events_about("adviseur.jan")] == ["support.grant_representative"]


def test_a_taxpayers_account_is_not_made_the_firms_and_keeps_its_own_crib(aws):
    create_account("burger.piet", "piet@example.org", None, crib="100000002")
    create_account("burger.zonder", "zonder@example.org", None)
    _refused(ErrorCode.CONFLICT, "crib", "burger.piet")
    _refused(ErrorCode.CONFLICT, "crib", "burger.zonder")  # a taxpayer with no CRIB yet
    assert get_user("burger.piet").roles == {"taxpayer"}
    assert (get_user("burger.piet").crib, get_user("burger.zonder").crib, crib_owner(FIRM_CRIB)) == (
        "100000002", None, None)
    assert events_about("burger.piet") == events_about("burger.zonder") == []


def test_a_crib_another_account_holds_is_crib_taken(aws):
    create_account("klant.een", "een@example.org", None, crib=FIRM_CRIB)
    create_account("adviseur.jan", "jan@example.org", None, roles=["representative"])
    _refused(ErrorCode.CRIB_TAKEN, "crib", "adviseur.jan")
    assert get_user("adviseur.jan").crib is None
    _refused(ErrorCode.CRIB_TAKEN, "crib", "nieuw.kantoor", email="kantoor@example.org")
    assert get_user("nieuw.kantoor") is None


def test_a_staff_account_never_acts_for_a_firm(aws):
    create_account("sara.support", "sara@example.org", None, roles=["support"])
    admin = User("ada.admin", roles={"admin"}, mfa_enabled=True)
    with pytest.raises(PortalError) as refused:
        representatives.grant_access(admin, username="sara.support", firm_name="K B.V.", crib=FIRM_CRIB, email=None,
                                     reason="r", context=CONTEXT)
    assert refused.value.code is ErrorCode.FORBIDDEN
    assert get_user("sara.support").roles == {"support"}
