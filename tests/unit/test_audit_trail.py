"""services/audit_trail.py against moto with a pinned clock: the viewer's filters (target, actor,
action prefix, time range), newest first, pages with a cursor within the query asked for, and every
malformed filter or cursor a 400 naming its field."""

from __future__ import annotations

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import audit_trail, cursors
from chalicelib.services.audit import RequestContext, record
from chalicelib.storage.users import User

STAFF = User("sam.support", roles={"support"}, mfa_enabled=True)
DAY = 24 * 3600


def _events(clock_pinned, *events: tuple[str, str, str]) -> None:
    """(actor, target, action) each, one second apart."""
    for actor, target, action in events:
        record(action, actor=actor, target=target, outcome="success", context=RequestContext(ip="192.0.2.7"))
        clock_pinned.advance(1)


def _shown(page: dict) -> list[tuple[str, str, str]]:
    return [(item["actor"], item["target"], item["action"]) for item in page["items"]]


def _refused(field: str, **filters: str) -> None:
    with pytest.raises(PortalError) as refused:
        audit_trail.search(STAFF, **filters)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_REQUEST, field)


def test_filters_by_target_actor_and_action_prefix_newest_first(aws, clock_pinned):
    _events(clock_pinned, ("jan", "jan", "login.password"), ("piet", "piet", "logout"),
            ("sam.support", "jan", "support.unblock"), ("jan", "jan", "login.second_factor"))
    assert _shown(audit_trail.search(STAFF, target="jan")) == [
        ("jan", "jan", "login.second_factor"), ("sam.support", "jan", "support.unblock"),
        ("jan", "jan", "login.password")]
    assert _shown(audit_trail.search(STAFF, target="jan", by="jan", action="login.")) == [
        ("jan", "jan", "login.second_factor"), ("jan", "jan", "login.password")]
    assert _shown(audit_trail.search(STAFF, by="piet")) == [("piet", "piet", "logout")]
    assert _shown(audit_trail.search(STAFF, action="support")) == [("sam.support", "jan", "support.unblock")]
    assert audit_trail.search(STAFF, target="nobody") == {"items": [], "cursor": None}


def test_an_event_is_shown_in_its_public_form(aws, clock_pinned):
    record("support.unblock", actor="sam.support", target="jan", outcome="success",
           context=RequestContext(ip="192.0.2.7", user_agent="desk"), reason="called", details={"factor": "both"})
    [shown] = audit_trail.search(STAFF, target="jan")["items"]
    assert shown.pop("id").startswith("2027-01-15T08:00:00.000Z#")
    assert shown == {"at": "2027-01-15T08:00:00Z", "actor": "sam.support", "target": "jan",
                     "action": "support.unblock", "outcome": "success", "reason": "called", "ip": "192.0.2.7",
                     "user_agent": "desk", "details": {"factor": "both"}}
    assert [item["action"] for item in audit_trail.recent_for("jan", 5)] == ["support.unblock"]


def test_time_bounds_include_both_ends(aws, clock_pinned):
    _events(clock_pinned, ("jan", "jan", "first"))  # 08:00:00
    clock_pinned.advance(59)
    _events(clock_pinned, ("jan", "jan", "second"))  # 08:01:00
    clock_pinned.advance(DAY)
    _events(clock_pinned, ("jan", "jan", "next.day"))  # 2027-01-16
    def actions(**bounds: str) -> list[str]:
        return [item["action"] for item in audit_trail.search(STAFF, target="jan", **bounds)["items"]]
    assert actions(since="2027-01-15T08:01", until="2027-01-15T08:01Z") == ["second"]
    assert actions(since="2027-01-15", until="2027-01-15") == ["second", "first"]
    assert actions(since="2027-01-15T08:00:01") == ["next.day", "second"]
    assert actions(until="2027-01-15T08:00:00") == ["first"]


def test_without_target_or_actor_the_days_are_read_newest_first_for_30_days(aws, clock_pinned):
    _events(clock_pinned, ("a", "a", "too.old"))
    clock_pinned.advance(DAY)
    _events(clock_pinned, ("b", "b", "day.2"))  # 2027-01-16
    clock_pinned.advance(30 * DAY)
    _events(clock_pinned, ("c", "c", "today"))  # 2027-02-15: the default reaches back to 2027-01-16
    page = audit_trail.search(STAFF)
    assert [item["action"] for item in page["items"]] == ["today", "day.2"]
    assert page["cursor"] is None
    older = audit_trail.search(STAFF, since="2027-01-15", until="2027-01-15")
    assert [item["action"] for item in older["items"]] == ["too.old"]


def test_pages_by_target_follow_each_other_without_gaps_or_repeats(aws, clock_pinned):
    _events(clock_pinned, *[("jan", "jan", f"event.{index}") for index in range(5)])
    seen, cursor = [], None
    for _ in range(3):
        page = audit_trail.search(STAFF, target="jan", cursor=cursor, limit=2)
        seen += [item["action"] for item in page["items"]]
        cursor = page["cursor"]
    assert (seen, cursor) == (["event.4", "event.3", "event.2", "event.1", "event.0"], None)


def test_pages_by_day_cross_into_earlier_days(aws, clock_pinned):
    _events(clock_pinned, ("a", "a", "monday"))
    clock_pinned.advance(DAY)
    _events(clock_pinned, ("b", "b", "tuesday.1"), ("b", "b", "tuesday.2"))
    first = audit_trail.search(STAFF, limit=2)
    assert [item["action"] for item in first["items"]] == ["tuesday.2", "tuesday.1"]
    second = audit_trail.search(STAFF, limit=2, cursor=first["cursor"])
    assert [item["action"] for item in second["items"]] == ["monday"]


def test_malformed_filters_are_400_naming_the_field(aws, clock_pinned):
    _refused("target", target="x" * 201)
    _refused("actor", by="x" * 201)
    _refused("action", action="x" * 201)
    _refused("from", since="15-01-2027")
    _refused("to", until="2027-01-15T25:00")
    _refused("from", since="2027-01-16", until="2027-01-15")
    _refused("cursor", cursor="bm9wZQ")
    _refused("cursor", cursor=cursors.encode({"d": "2027-13-01", "e": ""}))
    _refused("cursor", cursor=cursors.encode({"d": "2027-01-15", "e": "not an event id"}))
    _refused("cursor", target="jan", cursor=cursors.encode({"d": "2027-01-15", "e": ""}))
    assert audit_trail.search(STAFF, target="x" * 200)["items"] == []


def test_only_staff_with_2fa_read_the_trail(aws):
    for outsider in (User("jan", roles={"taxpayer"}, mfa_enabled=True),
                     User("sam.support", roles={"support"}, mfa_enabled=False)):
        with pytest.raises(PortalError) as refused:
            audit_trail.search(outsider, target="jan")
        assert refused.value.code is ErrorCode.FORBIDDEN
