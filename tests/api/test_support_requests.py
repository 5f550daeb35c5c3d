"""Support requests: filing without a login (same answer for every name, rate-limited), and the desk's
queue, detail and close."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import body

PATH = "/api/v1/support-requests"
QUEUE = "/api/v1/admin/support-requests"


def _file(api, username: str = "jan.jansen", kind: str = "unblock", **extra):
    return api.post(PATH, {"username": username, "email": address_of(username), "kind": kind, **extra})


def address_of(username: str) -> str:
    """An address per name: the per-address limit is not what these tests are about."""
    return f"{re.sub(r'[^a-z0-9.]', '', username.lower()) or 'someone'}@example.org"


@pytest.fixture
def staff(make_api, full_login, clock_pinned):
    desk = make_api()
    full_login(desk, "sam.support", roles=("support",))
    return desk


def test_filing_answers_202_with_a_reference_whether_or_not_the_account_exists(api, user_factory, clock_pinned):
    user_factory("jan.jansen")
    known = _file(api, "jan.jansen", message="Ik ben geblokkeerd")
    unknown = _file(api, "nobody.here")
    assert known.status_code == unknown.status_code == 202
    assert set(body(known)) == set(body(unknown)) == {"reference"}
    assert re.fullmatch(r"SR-[0-9A-Z]{4}-[0-9A-Z]{4}", body(known)["reference"])
    assert body(known)["reference"] != body(unknown)["reference"]
    assert "Set-Cookie" not in known.headers


@pytest.mark.parametrize(("payload", "field", "code"), [
    ({"email": "a@example.org", "kind": "unblock"}, "username", "invalid_request"),
    ({"username": "jan.jansen", "kind": "unblock"}, "email", "invalid_request"),
    ({"username": "jan.jansen", "email": "not an address", "kind": "unblock"}, "email", "invalid_email"),
    ({"username": "jan.jansen", "email": "a@example.org"}, "kind", "invalid_request"),
    ({"username": "jan.jansen", "email": "a@example.org", "kind": "free_money"}, "kind", "invalid_request"),
    ({"username": "jan.jansen", "email": "a@example.org", "kind": "other", "message": "x" * 2001}, "message",
     "invalid_request"),
    ({"username": "jan.jansen", "email": "a@example.org", "kind": "other", "message": 12}, "message",
     "invalid_request"),
])
def test_bad_input_names_the_field(api, payload, field, code):
    response = api.post(PATH, payload)
    assert response.status_code == 400
    assert body(response)["error"]["code"] == code and body(response)["error"]["field"] == field


def test_every_kind_of_the_seed_is_accepted(api, clock_pinned):
    for index, kind in enumerate(("unblock", "reset_2fa", "representative_access", "bulk_authorizations", "other")):
        assert _file(api, f"person.{index}", kind).status_code == 202, kind


def test_filing_is_rate_limited_per_name(api, clock_pinned):
    assert [_file(api, "jan.jansen").status_code for _ in range(4)] == [202, 202, 202, 429]
    refused = _file(api, "JAN.JANSEN")
    assert body(refused)["error"]["code"] == "rate_limited"
    assert 0 < body(refused)["error"]["retry_after"] <= 3600
    assert _file(api, "piet.pietersen").status_code == 202  # another name is not affected
    clock_pinned.advance(3600)
    assert _file(api, "jan.jansen").status_code == 202  # a new window


def test_filing_is_rate_limited_per_ip_address(api, clock_pinned):
    statuses = [_file(api, f"person.{index}").status_code for index in range(21)]
    assert statuses == [202] * 20 + [429]


def test_the_desk_sees_open_requests_first_newest_first(staff, make_api, clock_pinned):
    public = make_api()
    references = []
    for index in range(4):
        references.append(body(_file(public, f"person.{index}"))["reference"])
        clock_pinned.advance(10)
    staff.post(f"{QUEUE}/{references[3]}/close", {"reason": "handled by phone"})
    queue = body(staff.get(QUEUE))
    assert [item["reference"] for item in queue["items"]] == [references[2], references[1], references[0],
                                                              references[3]]
    assert [item["status"] for item in queue["items"]] == ["open", "open", "open", "closed"]
    assert queue["cursor"] is None
    assert [item["reference"] for item in body(staff.get(f"{QUEUE}?status=closed"))["items"]] == [references[3]]
    first = queue["items"][0]
    assert first["username"] == "person.2" and first["kind"] == "unblock" and first["email"] == "person.2@example.org"


def test_the_queue_pages_across_open_and_closed(staff, make_api, clock_pinned):
    from chalicelib.services import support_requests
    from chalicelib.storage.users import get_user

    public = make_api()
    references = []
    for index in range(5):
        references.append(body(_file(public, f"person.{index}"))["reference"])
        clock_pinned.advance(10)
    for reference in references[:2]:
        staff.post(f"{QUEUE}/{reference}/close", {"reason": "done"})
    actor = get_user("sam.support")
    seen, cursor = [], None
    while True:
        page = support_requests.queue(actor, cursor=cursor, limit=2)
        seen += [item["reference"] for item in page["items"]]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert seen == [references[4], references[3], references[2], references[1], references[0]]
    assert staff.get(f"{QUEUE}?cursor=garbage").status_code == 400
    assert staff.get(f"{QUEUE}?status=pending").status_code == 400


def test_a_request_opens_and_closes_once_with_a_reason(staff, make_api, clock_pinned):
    reference = body(_file(make_api(), "jan.jansen", "reset_2fa", message="Telefoon kwijt"))["reference"]
    clock_pinned.advance(60)
    detail = body(staff.get(f"{QUEUE}/{reference.lower()}"))
    assert detail["reference"] == reference and detail["status"] == "open" and detail["message"] == "Telefoon kwijt"

    assert staff.post(f"{QUEUE}/{reference}/close", {}).status_code == 400
    blank = staff.post(f"{QUEUE}/{reference}/close", {"reason": "  "})
    assert body(blank)["error"]["field"] == "reason"
    assert staff.post(f"{QUEUE}/{reference}/close", {"reason": "2FA reset after ID check"}).status_code == 204
    again = staff.post(f"{QUEUE}/{reference}/close", {"reason": "once more"})
    assert again.status_code == 409 and body(again)["error"]["code"] == "conflict"
    closed = body(staff.get(f"{QUEUE}/{reference}"))
    assert closed["status"] == "closed" and closed["closed_by"] == "sam.support"
    assert closed["close_reason"] == "2FA reset after ID check"
    assert staff.get(f"{QUEUE}/SR-0000-0000").status_code == 404
    assert staff.post(f"{QUEUE}/SR-0000-0000/close", {"reason": "x"}).status_code == 404

    events = body(staff.get("/api/v1/admin/audit?target=jan.jansen"))["items"]
    # The two closes without a reason are refusals, recorded as such (same pinned second: any order).
    assert sorted((event["action"], event["actor"], event["outcome"], event["reason"] or "") for event in events) == [
        ("support_request.closed", "sam.support", "denied", ""),
        ("support_request.closed", "sam.support", "denied", ""),
        ("support_request.closed", "sam.support", "success", "2FA reset after ID check"),
        ("support_request.filed", "anonymous", "success", ""),
    ]
    (closing,) = [event for event in events if event["outcome"] == "success" and event["action"].endswith("closed")]
    assert closing["details"]["reference"] == reference
    assert [event["details"] for event in events if event["outcome"] == "denied"] == [{"rule": "reason_required"}] * 2


def test_staff_do_not_close_a_request_about_their_own_account(staff, make_api):
    reference = body(_file(make_api(), "Sam.Support", "unblock"))["reference"]
    refused = staff.post(f"{QUEUE}/{reference}/close", {"reason": "my own"})
    assert refused.status_code == 403 and body(refused)["error"]["code"] == "forbidden"
    assert body(staff.get(f"{QUEUE}/{reference}"))["status"] == "open"
    events = body(staff.get("/api/v1/admin/audit?actor=sam.support&action=support_request."))["items"]
    assert [(event["outcome"], event["target"], event["details"]) for event in events] == [
        ("denied", "sam.support", {"rule": "own_account"})]

