"""POST /api/v1/account/activity/not-me ("Dit was ik niet"): every session of the account ends (the
caller's too), the old password stops working and a reset link goes out, the desk gets a support request
naming the reported events, and the report is an audit event. Only the account's own events can be
reported."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from chalicelib.storage import support_requests
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.users import get_user
from tests.api.conftest import body
from tests.api.sent_mail import last_to, link_token
from tests.api.test_activity import activity, login
from tests.api.two_factor import PASSWORD, SECRET, code, password_step


@pytest.fixture
def anna(user_factory, clock_pinned):
    user_factory("anna.activiteit", totp_secret=SECRET)
    user_factory("bert.buurman", totp_secret=SECRET)


def _report(api, events: list[str]):
    return api.post("/api/v1/account/activity/not-me", {"events": events})


def _requests_about(username: str) -> list:
    return [request for request in support_requests.by_status("open", 50, None) if request.username == username]


def test_not_me_ends_every_session_refuses_the_old_password_and_files_a_request(api, make_api, anna):
    intruder = make_api()
    login(intruder, "anna.activiteit")
    login(api, "anna.activiteit")
    other_session = make_api()
    login(other_session, "anna.activiteit")
    old_cookie = api.cookie
    reported = activity(api)["items"][-1]  # the intruder's first login step
    assert reported["label"] == "Wachtwoord ingevoerd (eerste inlogstap)"

    response = _report(api, [reported["id"]])
    assert response.status_code == 200, response.body
    outcome = body(response)
    assert outcome["email"] == "a***@example.org" and outcome["reset_link_sent"] is True
    assert "Max-Age=0" in response.headers["Set-Cookie"]

    # Every session is over, the caller's own cookie included.
    for ended in (intruder, other_session):
        assert ended.get("/api/v1/me").status_code == 401
    api.cookie = old_cookie
    assert api.get("/api/v1/me").status_code == 401
    # The old password opens nothing any more.
    assert password_step(make_api(), "anna.activiteit", PASSWORD).status_code == 401

    (request,) = _requests_about("anna.activiteit")
    assert request.reference == outcome["reference"] and request.kind == "not_me"
    assert reported["id"] in request.message and "Wachtwoord ingevoerd (eerste inlogstap)" in request.message
    (event,) = [e for e in AuditEvent.target_index.query("anna.activiteit") if e.action == "account.not_me_reported"]
    assert event.details.as_dict() == {"reference": outcome["reference"], "events": [reported["id"]]}

    # The mailed link sets a new password, with which the owner logs in again (second factor still asked).
    _, token = link_token(last_to("anna.activiteit@example.org"))
    assert make_api().post("/api/v1/auth/password-reset/complete",
                           {"token": token, "new_password": "Nieuw-Sterk-Wachtwoord-77"}).status_code == 204
    again = make_api()
    assert body(password_step(again, "anna.activiteit", "Nieuw-Sterk-Wachtwoord-77"))["next"] == "totp"


def test_not_me_for_the_page_as_a_whole_names_no_event(api, anna):
    login(api, "anna.activiteit")
    response = _report(api, [])
    assert response.status_code == 200
    (request,) = _requests_about("anna.activiteit")
    assert "Geen bepaalde gebeurtenis genoemd." in request.message


def test_another_accounts_event_cannot_be_reported_and_nothing_changes(api, make_api, anna):
    other = make_api()
    login(other, "bert.buurman")
    theirs = activity(other)["items"][0]["id"]
    login(api, "anna.activiteit")
    mine = activity(api)["items"][0]["id"]
    epoch = int(get_user("anna.activiteit").session_epoch)
    for events in ([theirs], [mine, theirs], ["2027-01-15T08:00:00.000Z#abcdef"], ["not an id"], [7]):
        response = _report(api, events)
        assert response.status_code == 400, events
        assert body(response)["error"]["field"] == "events"
    assert api.get("/api/v1/me").status_code == 200
    assert int(get_user("anna.activiteit").session_epoch) == epoch
    assert _requests_about("anna.activiteit") == []
    assert other.get("/api/v1/me").status_code == 200


def test_the_confirmation_page_names_the_event_and_shows_no_foreign_one(api, make_api, anna):
    other = make_api()
    login(other, "bert.buurman")
    theirs = activity(other)["items"][0]
    login(api, "anna.activiteit")
    mine = activity(api)["items"][0]
    page = api.get(f"/account/activity/not-me?event={quote(mine['id'])}").body.decode()
    assert mine["label"] in page and "Ja, beveilig mijn account" in page and mine["id"] in page
    foreign = api.get(f"/account/activity/not-me?event={quote(theirs['id'])}").body.decode()
    assert theirs["id"] not in foreign and "U meldt geen bepaalde gebeurtenis" in foreign
    assert "confirm(" not in page


def test_not_me_needs_a_full_session(api, anna):
    assert _report(api, []).status_code == 401
    assert password_step(api, "anna.activiteit").status_code == 200
    assert _report(api, []).status_code == 401
    assert api.post("/api/v1/auth/totp", {"code": code(SECRET)}).status_code == 200
    assert _report(api, []).status_code == 200


def test_of_two_reports_that_read_the_account_before_either_wrote_one_applies(api, anna):
    from chalicelib.errors import ErrorCode, PortalError
    from chalicelib.services import not_me
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.sessions import authenticate

    login(api, "anna.activiteit")
    current = authenticate(api.cookie)  # both requests authenticated before either wrote
    context = RequestContext(origin="http://127.0.0.1:8000")
    first = not_me.report(current, [], context)
    with pytest.raises(PortalError) as refused:
        not_me.report(current, [], context)
    assert refused.value.code is ErrorCode.CONFLICT
    (request,) = _requests_about("anna.activiteit")
    assert request.reference == first["reference"]


def test_aws_trouble_with_the_reset_link_leaves_the_account_secured_and_says_so(api, make_api, anna, monkeypatch):
    from botocore.exceptions import ClientError

    from chalicelib.storage import users

    def throttled(*args, **kwargs):
        raise ClientError({"Error": {"Code": "ThrottlingException"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
                          "UpdateItem")

    login(api, "anna.activiteit")
    monkeypatch.setattr(users, "issue_reset_link", throttled)
    response = _report(api, [])
    assert response.status_code == 200
    assert body(response)["reset_link_sent"] is False
    assert api.get("/api/v1/me").status_code == 401
    assert password_step(make_api(), "anna.activiteit", PASSWORD).status_code == 401
    assert len(_requests_about("anna.activiteit")) == 1
