"""services/audit.py: an event carries who, whom, what, when and from where, with an id that sorts by
time; recording one stores exactly that event."""

from __future__ import annotations

import re

from chalicelib.services import audit
from chalicelib.services.audit import RequestContext
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", user_agent="u" * 400)


def test_an_event_is_keyed_by_its_day_and_a_sortable_unique_id(clock_pinned):
    clock_pinned.pin(1_800_000_000.25)
    first = audit.new_event("logout", actor="jan", target="jan", outcome="success", context=CONTEXT)
    second = audit.new_event("logout", actor="jan", target="jan", outcome="success", context=CONTEXT)
    assert first.day == "2027-01-15"
    assert re.fullmatch(r"2027-01-15T08:00:00\.250Z#[0-9a-f]{12}", first.event_id)
    assert first.event_id != second.event_id
    assert (first.at, first.ip, first.user_agent) == (1_800_000_000, "192.0.2.7", "u" * 300)


def test_an_empty_actor_or_target_is_recorded_as_a_dash(clock_pinned):
    event = audit.new_event("mail.failed", actor="", target="", outcome="failure", context=RequestContext())
    assert (event.actor, event.target, event.ip, event.user_agent) == ("-", "-", None, None)


def test_record_stores_the_event_with_its_reason_and_details(aws, clock_pinned):
    audit.record("support.unblock", actor="sam", target="jan", outcome="success", context=CONTEXT,
                 reason="called", details={"factor": "password"})
    assert events_about("jan") == [{"action": "support.unblock", "outcome": "success", "actor": "sam",
                                    "reason": "called", "details": {"factor": "password"}}]
