"""services/support_desk.py against moto with a pinned clock: the desk's lookup and each action on an
account (unblock, 2FA reset, account creation, binding a CRIB), what it changes, what it leaves alone,
and that a refused or failed action changes nothing."""

from __future__ import annotations

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import lockout, support_desk
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.storage.lockouts import Lockout
from chalicelib.storage.sessions import sessions_of
from chalicelib.storage.users import User, crib_owner, get_user
from tests.api.sent_mail import last_to, link_token, sent_to
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", origin="https://portal.example")
SUPPORT = User("sam.support", roles={"support"}, mfa_enabled=True)
ADMIN = User("ada.admin", roles={"admin"}, mfa_enabled=True)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = 1_800_000_000


def _refused(call, *args, **kwargs) -> PortalError:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalError) as refused:
        call(*args, **kwargs)
    return refused.value


@pytest.fixture
def jan(aws, clock_pinned):
    return create_account("jan.jansen", "jan@example.org", None, crib="123456782", totp_secret=SECRET)


def _lock_password_and_block_second_factor() -> None:
    Lockout(lockout.key(lockout.Factor.PASSWORD, "jan.jansen"), failures=5, allowed=10, locked_until=T0 + 60).save()
    Lockout(lockout.key(lockout.Factor.SECOND_FACTOR, "jan.jansen"), failures=20, allowed=25, blocked=True).save()


def test_lookup_by_name_address_or_crib_exactly(jan):
    for query in ("  JAN.JANSEN ", "Jan@Example.org", "123456782"):
        assert support_desk.find_users(SUPPORT, query) == {"items": [{
            "username": "jan.jansen", "email": "jan@example.org", "crib": "123456782", "roles": ["taxpayer"],
            "mfa_enabled": True}], "cursor": None}, query
    assert support_desk.find_users(SUPPORT, "jan")["items"] == []
    for query in ("", "   ", "x" * 255):
        refusal = _refused(support_desk.find_users, SUPPORT, query)
        assert (refusal.code, refusal.field) == (ErrorCode.INVALID_REQUEST, "q")
    assert _refused(support_desk.find_users, User("els", roles={"taxpayer"}), "jan.jansen").code is ErrorCode.FORBIDDEN


def test_the_account_view_shows_locks_blocks_and_recent_events(jan):
    _lock_password_and_block_second_factor()
    detail = support_desk.user_detail(SUPPORT, "Jan.Jansen")
    assert (detail["locked"], detail["locked_until"], detail["blocked"], detail["failures"],
            detail["second_factor_failures"]) == (True, T0 + 60, True, 5, 20)
    assert _refused(support_desk.user_detail, SUPPORT, "nobody.here").code is ErrorCode.NOT_FOUND
    assert _refused(support_desk.user_detail, SUPPORT, "x" * 65).code is ErrorCode.NOT_FOUND


def test_unblock_clears_both_factors_records_what_was_and_tells_the_owner(jan):
    _lock_password_and_block_second_factor()
    support_desk.unblock(SUPPORT, "jan.jansen", "  caller identified ", CONTEXT,
                         checks=["callback_registered_phone", "crib_and_birth_date"], note=" ticket 42 ")
    assert {key: lockout.status("jan.jansen")[key] for key in ("locked", "blocked", "failures",
                                                               "second_factor_failures")} == {
        "locked": False, "blocked": False, "failures": 0, "second_factor_failures": 0}
    assert events_about("jan.jansen") == [{"action": "support.unblock", "outcome": "success", "actor": "sam.support",
                                           "reason": "caller identified",
                                           "details": {"was_locked": True, "was_blocked": True,
                                                       "identity_checks": ["callback_registered_phone",
                                                                           "crib_and_birth_date"],
                                                       "identity_note": "ticket 42"}}]
    assert len(sent_to("jan@example.org")) == 1


def test_unblock_of_an_unknown_account_or_without_a_reason_changes_nothing(jan):
    _lock_password_and_block_second_factor()
    checked = {"checks": ["id_document_in_person"]}
    assert _refused(support_desk.unblock, SUPPORT, "nobody.here", "r", CONTEXT, **checked).code is ErrorCode.NOT_FOUND
    assert events_about("nobody.here") == []
    assert _refused(support_desk.unblock, SUPPORT, "jan.jansen", "", CONTEXT, **checked).field == "reason"
    assert _refused(support_desk.unblock, SUPPORT, "jan.jansen", "r", CONTEXT).field == "identity_checks"
    assert lockout.status("jan.jansen")["blocked"] is True
    assert [event["outcome"] for event in events_about("jan.jansen")] == ["denied", "denied"]
    assert sent_to("jan@example.org") == []


def test_a_2fa_reset_removes_the_secret_ends_sessions_and_keeps_the_password_counter(jan):
    from chalicelib.services.sessions import Level, new_session

    session, _ = new_session(jan, Level.FULL, "done", CONTEXT)
    session.save()
    _lock_password_and_block_second_factor()
    support_desk.reset_second_factor(SUPPORT, "jan.jansen", "lost phone", CONTEXT, checks=["id_document_in_person"])
    stored = get_user("jan.jansen")
    assert (stored.mfa_enabled, stored.totp_secret, int(stored.session_epoch), int(stored.backup_codes_left)) == (
        False, None, 1, 0)
    status = lockout.status("jan.jansen")
    assert (status["second_factor_failures"], status["failures"], status["locked"]) == (0, 5, True)
    assert [session.epoch for session in sessions_of("jan.jansen")] == [0]  # left behind an older epoch
    assert events_about("jan.jansen")[0]["details"] == {"identity_checks": ["id_document_in_person"]}
    assert len(sent_to("jan@example.org")) == 1


@pytest.mark.parametrize(("given", "field", "message"), [
    ({}, "identity_checks", "desk.identity.required"),
    ({"checks": []}, "identity_checks", "desk.identity.required"),
    ({"checks": ["trust me"]}, "identity_checks", "desk.identity.unknown"),
    ({"checks": "id_document_in_person"}, "identity_checks", "desk.identity.unknown"),
    ({"single": "trust me"}, "identity_check", "desk.identity.unknown"),
    ({"checks": ["other"]}, "identity_note", "desk.identity.note_required"),
    ({"checks": ["other"], "note": "   "}, "identity_note", "desk.identity.note_required"),
    ({"checks": ["last_tax_return"], "note": "x" * 501}, "identity_note", "desk.identity.note_too_long"),
    ({"checks": ["crib_and_birth_date", "last_tax_return"]}, "identity_checks", "desk.identity.evidence_required"),
    ({"checks": ["other"], "note": "knew the figures"}, "identity_checks", "desk.identity.evidence_required"),
])
def test_a_2fa_reset_without_a_sound_identity_check_changes_nothing_and_is_recorded(jan, given, field, message):
    refusal = _refused(support_desk.reset_second_factor, SUPPORT, "jan.jansen", "r", CONTEXT, **given)
    assert (refusal.code, refusal.field, refusal.extra["reason"]) == (ErrorCode.INVALID_REQUEST, field, message)
    assert get_user("jan.jansen").mfa_enabled is True
    assert events_about("jan.jansen") == [{"action": "support.reset_2fa", "outcome": "denied", "actor": "sam.support",
                                           "reason": None, "details": {"rule": "identity_check_required"}}]


def test_a_2fa_reset_records_every_check_in_the_lists_order_and_the_note(jan):
    support_desk.reset_second_factor(SUPPORT, "jan.jansen", "r", CONTEXT, single="callback_registered_phone",
                                     checks=["last_tax_return", "other"], note="asked about the 2025 return")
    assert events_about("jan.jansen")[0]["details"] == {
        "identity_checks": ["callback_registered_phone", "last_tax_return", "other"],
        "identity_note": "asked about the 2025 return"}


def test_a_created_account_has_no_password_and_gets_an_activation_link(aws, clock_pinned):
    summary = support_desk.create_account(SUPPORT, "Els.de.Vries", "els@example.org", ["taxpayer"], "100000002",
                                          "pap", "asked at the counter", CONTEXT)
    assert summary == {"username": "els.de.vries", "email": "els@example.org", "crib": "100000002",
                       "roles": ["taxpayer"], "mfa_enabled": False}
    stored = get_user("els.de.vries")
    assert (stored.password_hash, stored.language, crib_owner("100000002")) == (None, "pap", "els.de.vries")
    assert link_token(last_to("els@example.org"))[0] == "https://portal.example/account/activate"
    recorded = {event["action"]: event["details"] for event in events_about("els.de.vries")}
    assert recorded == {"password_activation.request": None, "support.create_account": {"roles": ["taxpayer"]}}


def test_account_creation_refuses_taken_names_and_addresses_and_bad_fields(jan):
    def refusal(username="els", email="els@example.org", roles=("taxpayer",), crib=None, language=None,
                actor=SUPPORT):  # type: ignore[no-untyped-def]
        return _refused(support_desk.create_account, actor, username, email, list(roles) if roles else roles,
                        crib, language, "r", CONTEXT)
    cases = [
        (refusal(username="JAN.JANSEN"), ErrorCode.USERNAME_TAKEN, "username"),
        (refusal(email="JAN@example.org"), ErrorCode.EMAIL_TAKEN, "email"),
        (refusal(crib="123456782"), ErrorCode.CRIB_TAKEN, "crib"),
        (refusal(language="de"), ErrorCode.INVALID_REQUEST, "language"),
        (refusal(roles="taxpayer"), ErrorCode.INVALID_REQUEST, "roles"),
        (refusal(roles=("support",)), ErrorCode.FORBIDDEN, None),
    ]
    for found, code, field in cases:
        assert (found.code, found.field) == (code, field)
    assert support_desk.create_account(ADMIN, "sara.support", "sara@example.org", ["support"], None, None, "hired",
                                       CONTEXT)["roles"] == ["support"]
    assert get_user("els") is None
    assert sent_to("els@example.org") == []


def test_an_admin_binds_moves_and_unbinds_a_crib(jan):
    assert support_desk.set_crib(ADMIN, "jan.jansen", "987654321", "wrong number", CONTEXT)["crib"] == "987654321"
    assert (crib_owner("987654321"), crib_owner("123456782")) == ("jan.jansen", None)
    assert events_about("jan.jansen")[0]["details"] == {"crib": "987654321", "previous": "123456782"}
    support_desk.set_crib(ADMIN, "jan.jansen", None, "left the island", CONTEXT)
    assert (get_user("jan.jansen").crib, crib_owner("987654321")) == (None, None)


def test_binding_a_crib_is_an_admins_and_a_taken_or_malformed_one_changes_nothing(jan):
    create_account("els", "els@example.org", None, crib="100000002")
    assert _refused(support_desk.set_crib, SUPPORT, "jan.jansen", "100000003", "r", CONTEXT).code \
        is ErrorCode.FORBIDDEN
    taken = _refused(support_desk.set_crib, ADMIN, "jan.jansen", "100000002", "r", CONTEXT)
    assert (taken.code, taken.field) == (ErrorCode.CRIB_TAKEN, "crib")
    assert _refused(support_desk.set_crib, ADMIN, "jan.jansen", "12345", "r", CONTEXT).field == "crib"
    assert (get_user("jan.jansen").crib, crib_owner("100000002"), crib_owner("123456782")) == (
        "123456782", "els", "jan.jansen")
    assert [event["outcome"] for event in events_about("jan.jansen")] == ["denied"]
