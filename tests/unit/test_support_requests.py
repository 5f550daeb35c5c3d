"""services/support_requests.py against moto: filing (validation, the per-name and per-address
limits, nothing stored on a refusal), the desk's queue and its cursor, and closing once with a reason."""

from __future__ import annotations

import re

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import support_requests
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.storage.support_requests import by_status, get_request
from chalicelib.storage.users import User
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", lang="pap")
SUPPORT = User("sam.support", roles={"support"}, mfa_enabled=True)


def _file(username: str = "jan.jansen", context: RequestContext = CONTEXT, **fields: str | None) -> str:
    # An address per name: the per-address limit has a test of its own.
    address = f"{re.sub(r'[^a-z0-9.]', '', (username or '').lower()) or 'someone'}@example.org"
    values = {"email": address, "kind": "unblock", "message": "locked out", **fields}
    requester = support_requests.Requester(values["email"], username=username, full_name=values.get("full_name"),
                                           crib=values.get("crib"), phone=values.get("phone"))
    return support_requests.file_request(requester, values["kind"], values["message"], context)


def _refused(code: ErrorCode, field: str | None, **fields: str | None) -> PortalError:
    with pytest.raises(PortalError) as refused:
        _file(**fields)
    assert (refused.value.code, refused.value.field) == (code, field)
    return refused.value


def test_a_filed_request_is_stored_open_and_recorded(aws, clock_pinned):
    reference = _file("  Jan.Jansen ", message="  my phone is gone  ")
    assert re.fullmatch(r"SR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", reference)
    assert support_requests.describe(get_request(reference)) == {
        "reference": reference, "status": "open", "kind": "unblock", "username": "jan.jansen",
        "full_name": None, "crib": None, "phone": None, "email": "jan.jansen@example.org",
        "message": "my phone is gone", "language": "pap", "created_at": 1_800_000_000,
        "closed_at": None, "closed_by": None, "close_reason": None}
    assert events_about("jan.jansen") == [{"action": "support_request.filed", "outcome": "success",
                                          "actor": "anonymous", "reason": None,
                                          "details": {"reference": reference, "kind": "unblock",
                                                      "identified_by": "username"}}]


def test_a_blank_message_is_stored_as_none_and_2000_characters_are_accepted(aws):
    assert get_request(_file(message="   ")).message is None
    assert get_request(_file(message="x" * 2000)).message == "x" * 2000


def test_bad_input_is_400_naming_the_field_and_stores_nothing(aws):
    _refused(ErrorCode.INVALID_REQUEST, "username", username="x")
    _refused(ErrorCode.INVALID_EMAIL, "email", email="not an address")
    _refused(ErrorCode.INVALID_REQUEST, "kind", kind="delete_everything")
    _refused(ErrorCode.INVALID_REQUEST, "message", message="x" * 2001)
    assert list(by_status("open", 10, None)) == []
    assert events_about("jan.jansen") == []


def test_every_kind_of_the_form_can_be_filed(aws):
    kinds = ["unblock", "reset_2fa", "representative_access", "bulk_authorizations", "other"]
    for kind in kinds:
        assert get_request(_file(f"asks.{kind}", kind=kind)).kind == kind
    assert sorted(request.kind for request in by_status("open", 10, None)) == sorted(kinds)


def test_three_requests_per_name_and_hour_then_429_with_the_windows_end(aws, clock_pinned):
    references = [_file() for _ in range(3)]
    refusal = _refused(ErrorCode.RATE_LIMITED, None)
    assert refusal.extra == {"retry_after": 3600}  # the pinned clock is at the start of an hour
    assert len(list(by_status("open", 10, None))) == 3
    assert [event["action"] for event in events_about("jan.jansen")] == ["support_request.filed"] * 3
    clock_pinned.advance(3600)
    assert _file() not in references


def test_twenty_requests_per_address_and_hour_and_a_name_refusal_uses_none_of_them(aws, clock_pinned):
    for _ in range(3):
        _file()
    _refused(ErrorCode.RATE_LIMITED, None)  # refused for its name: the address's count stays at 3
    for index in range(17):
        _file(f"someone.{index}")
    with pytest.raises(PortalError) as refused:
        _file("one.more")
    assert refused.value.code is ErrorCode.RATE_LIMITED
    assert events_about("one.more") == []
    _file("one.more", RequestContext(ip="192.0.2.8"))  # another address has its own allowance


def _filed_at(clock_pinned, *names: str) -> list[str]:
    references = []
    for name in names:
        references.append(_file(name))
        clock_pinned.advance(1)
    return references


def test_the_queue_shows_open_requests_newest_first_then_closed_ones(aws, clock_pinned):
    first, second, third = _filed_at(clock_pinned, "ann", "bob", "cas")
    support_requests.close(SUPPORT, second, "done", CONTEXT)
    listed = support_requests.queue(SUPPORT)
    assert [item["reference"] for item in listed["items"]] == [third, first, second]
    assert listed["cursor"] is None
    assert [item["reference"] for item in support_requests.queue(SUPPORT, "closed")["items"]] == [second]
    assert [item["reference"] for item in support_requests.queue(SUPPORT, "open")["items"]] == [third, first]


def test_the_queue_pages_across_both_statuses_with_its_cursor(aws, clock_pinned):
    first, second, third = _filed_at(clock_pinned, "ann", "bob", "cas")
    support_requests.close(SUPPORT, first, "done", CONTEXT)
    seen, cursor = [], None
    for _ in range(3):
        page = support_requests.queue(SUPPORT, cursor=cursor, limit=1)
        seen += [item["reference"] for item in page["items"]]
        cursor = page["cursor"]
    assert (seen, cursor) == ([third, second, first], None)


def test_the_queue_refuses_an_unknown_status_a_cursor_of_another_status_and_non_staff(aws, clock_pinned):
    _filed_at(clock_pinned, "ann", "bob")
    cursor = support_requests.queue(SUPPORT, "open", limit=1)["cursor"]
    for arguments, field in (({"status": "pending"}, "status"), ({"status": "closed", "cursor": cursor}, "cursor"),
                             ({"cursor": "bm9wZQ"}, "cursor")):
        with pytest.raises(PortalError) as refused:
            support_requests.queue(SUPPORT, **arguments)
        assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_REQUEST, field)
    with pytest.raises(PortalError) as refused:
        support_requests.queue(User("jan", roles={"taxpayer"}, mfa_enabled=True))
    assert refused.value.code is ErrorCode.FORBIDDEN


def test_closing_stores_who_when_and_why_once(aws, clock_pinned):
    reference = _file()
    clock_pinned.advance(60)
    support_requests.close(SUPPORT, f"  {reference.lower()} ", "  unblocked after a call ", CONTEXT)
    closed = support_requests.describe(get_request(reference))
    assert (closed["status"], closed["closed_at"], closed["closed_by"], closed["close_reason"]) == (
        "closed", 1_800_000_060, "sam.support", "unblocked after a call")
    assert events_about("jan.jansen")[0] == {
        "action": "support_request.closed", "outcome": "success", "actor": "sam.support",
        "reason": "unblocked after a call", "details": {"reference": reference, "kind": "unblock"}}
    with pytest.raises(PortalError) as again:
        support_requests.close(SUPPORT, reference, "twice", CONTEXT)
    assert again.value.code is ErrorCode.CONFLICT
    assert get_request(reference).close_reason == "unblocked after a call"
    assert [event["action"] for event in events_about("jan.jansen")] == [
        "support_request.closed", "support_request.filed"]


def test_closing_an_unknown_reference_or_ones_own_request_changes_nothing(aws):
    with pytest.raises(PortalError) as unknown:
        support_requests.close(SUPPORT, "SR-0000-0000", "r", CONTEXT)
    assert unknown.value.code is ErrorCode.NOT_FOUND
    own = _file("sam.support")
    with pytest.raises(PortalError) as refused:
        support_requests.close(SUPPORT, own, "mine", CONTEXT)
    assert refused.value.code is ErrorCode.FORBIDDEN
    assert get_request(own).status == "open"
    assert sorted((event["action"], event["outcome"]) for event in events_about("sam.support")) == [
        ("support_request.closed", "denied"), ("support_request.filed", "success")]


def test_a_request_is_shown_next_to_its_account_or_none(aws):
    create_account("jan.jansen", "jan@example.org", None)
    shown = support_requests.detail_with_account(SUPPORT, _file())
    assert (shown["request"]["username"], shown["account"]["username"]) == ("jan.jansen", "jan.jansen")
    assert support_requests.detail_with_account(SUPPORT, _file("nobody.here"))["account"] is None
    with pytest.raises(PortalError) as missing:
        support_requests.detail(SUPPORT, "x" * 33)
    assert missing.value.code is ErrorCode.NOT_FOUND
