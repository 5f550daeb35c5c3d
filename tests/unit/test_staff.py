"""services/staff.py: every staff action's rules (role with 2FA, not one's own account, staff accounts
and roles by an admin only, admin-only actions, a reason of 1 to 1000 characters), each refusal
recorded as `denied` with the rule it broke, and nothing recorded when the action is allowed."""

from __future__ import annotations

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import staff
from chalicelib.services.audit import RequestContext
from chalicelib.storage.users import User
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", user_agent="desk")


def _user(name: str, *roles: str, mfa: bool = True) -> User:
    """An account as the desk sees it (nothing stored: the rules read only roles and 2FA)."""
    return User(name, roles=set(roles), mfa_enabled=mfa)


SUPPORT = _user("sam.support", "support")
ADMIN = _user("ada.admin", "admin")
TAXPAYER = _user("jan.jansen", "taxpayer")


def test_an_allowed_action_returns_the_stripped_reason_and_records_nothing(aws):
    assert staff.authorize(SUPPORT, "support.unblock", CONTEXT, reason="  caller identified  ",
                           target=TAXPAYER) == "caller identified"
    assert events_about("jan.jansen") == []


# (actor, target, options, the rule recorded); each case acts on a target of its own.
BROKEN_RULES = [
    (_user("sam.support", "support", mfa=False), _user("case.one"), {}, "staff_role_with_2fa"),
    (_user("piet", "taxpayer", "representative"), _user("case.two"), {}, "staff_role_with_2fa"),
    (SUPPORT, _user("sam.support", "support"), {}, "own_account"),
    (ADMIN, "  Ada.Admin ", {}, "own_account"),
    (SUPPORT, _user("sara.support", "support"), {}, "staff_account_admin_only"),
    (SUPPORT, "new.colleague", {"grants": ("taxpayer", "support")}, "staff_role_admin_only"),
    (SUPPORT, _user("case.three"), {"admin_only": True}, "admin_only"),
]


def test_each_broken_rule_is_403_and_recorded_as_denied(aws):
    for actor, target, options, rule in BROKEN_RULES:
        with pytest.raises(PortalError) as refused:
            staff.authorize(actor, "support.unblock", CONTEXT, reason="asked", target=target, **options)
        assert (refused.value.code, refused.value.field) == (ErrorCode.FORBIDDEN, None)
        name = target.username if isinstance(target, User) else target.strip().lower()
        assert events_about(name) == [{"action": "support.unblock", "outcome": "denied", "actor": actor.username,
                                       "reason": None, "details": {"rule": rule}}], rule


def test_an_admin_may_do_what_support_may_not(aws):
    assert staff.authorize(ADMIN, "support.unblock", CONTEXT, reason="r", target=_user("sara.support", "support"),
                           grants=("admin",), admin_only=True) == "r"
    assert events_about("sara.support") == []


def test_a_missing_blank_overlong_or_non_text_reason_is_400_naming_reason(aws):
    reasons = [None, "", "   ", "x" * 1001, 42]
    for reason in reasons:
        with pytest.raises(PortalError) as refused:
            staff.authorize(SUPPORT, "support.reset_2fa", CONTEXT, reason=reason, target=TAXPAYER)
        assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_REQUEST, "reason")
    assert [event["details"] for event in events_about("jan.jansen")] == [{"rule": "reason_required"}] * 5


def test_a_reason_of_exactly_1000_characters_is_accepted(aws):
    assert staff.authorize(SUPPORT, "support.reset_2fa", CONTEXT, reason="x" * 1000, target=TAXPAYER) == "x" * 1000


def test_a_broken_rule_is_reported_before_a_missing_reason(aws):
    with pytest.raises(PortalError) as refused:
        staff.authorize(TAXPAYER, "support.unblock", CONTEXT, reason=None, target="els")
    assert refused.value.code is ErrorCode.FORBIDDEN
    assert [event["details"] for event in events_about("els")] == [{"rule": "staff_role_with_2fa"}]


def test_a_refused_target_name_is_recorded_cut_to_64_characters(aws):
    with pytest.raises(PortalError):
        staff.authorize(TAXPAYER, "support.unblock", CONTEXT, reason="r", target="a" * 500)
    assert events_about("a" * 500) == []
    assert [event["outcome"] for event in events_about("a" * 64)] == ["denied"]


def test_authorize_role_checks_only_the_role_and_records_a_refusal(aws):
    staff.authorize_role(SUPPORT, "support.create_account", CONTEXT, target="jan.jansen")
    assert events_about("jan.jansen") == []
    with pytest.raises(PortalError) as refused:
        staff.authorize_role(_user("ada.admin", "admin", mfa=False), "support.create_account", CONTEXT,
                             target="jan.jansen")
    assert refused.value.code is ErrorCode.FORBIDDEN
    assert [event["details"] for event in events_about("jan.jansen")] == [{"rule": "staff_role_with_2fa"}]


def test_require_staff_and_is_admin():
    staff.require_staff(SUPPORT)
    staff.require_staff(ADMIN)
    for outsider in (TAXPAYER, _user("sam.support", "support", mfa=False)):
        with pytest.raises(PortalError) as refused:
            staff.require_staff(outsider)
        assert refused.value.code is ErrorCode.FORBIDDEN
    assert (staff.is_admin(ADMIN), staff.is_admin(SUPPORT), staff.is_admin(User("x"))) == (True, False, False)
