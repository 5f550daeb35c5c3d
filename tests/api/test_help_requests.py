"""The help form's requests as people file them: with a username or, forgotten, with a name and a CRIB
number or phone number; a confirmation mail with the reference in the filer's language, and a mail
when the desk closes the request; neither the answer nor the mail tells whether a username exists."""

from __future__ import annotations

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import last_to, sent_to

PATH = "/api/v1/support-requests"
QUEUE = "/api/v1/admin/support-requests"


@pytest.fixture
def staff(make_api, full_login, clock_pinned):
    desk = make_api()
    full_login(desk, "sam.support", roles=("support",))
    return desk


def test_without_a_username_the_request_is_stored_with_name_crib_and_phone(make_api, staff):
    from chalicelib.storage.support_requests import get_request

    filed = make_api().post(PATH, {"kind": "forgot_username", "email": "ana@example.org",
                                   "full_name": "  Ana   Maria  Martina ", "crib": "100 000 039",
                                   "phone": "+599 9 555 0101"})
    assert filed.status_code == 202
    reference = body(filed)["reference"]
    stored = get_request(reference)
    assert (stored.username, stored.full_name, stored.crib, stored.phone) == (
        None, "Ana Maria Martina", "100000039", "+599 9 555 0101")
    # The desk sees what the person gave, and no account next to it (none was named).
    seen = body(staff.get(f"{QUEUE}/{reference}"))
    assert (seen["full_name"], seen["crib"], seen["phone"], seen["username"]) == (
        "Ana Maria Martina", "100000039", "+599 9 555 0101", None)
    page = staff.get(f"/support/requests/{reference}").body.decode()
    assert "Ana Maria Martina" in page and "100000039" in page and "/support?q=100000039" in page


@pytest.mark.parametrize(("fields", "field"), [
    ({"full_name": "Ana Martina"}, "crib"),  # a name alone finds nobody
    ({"crib": "100000039"}, "username"),  # nor a number without a name
    ({"full_name": "Ana Martina", "crib": "12345"}, "crib"),
    ({"full_name": "Ana Martina", "phone": "call me"}, "phone"),
    ({"full_name": "Ana\u0000Martina", "phone": "+599 9 555 0101"}, "full_name"),
])
def test_without_a_username_the_person_must_be_findable(make_api, fields, field):
    from chalicelib.storage.support_requests import SupportRequest

    refused = make_api().post(PATH, {"kind": "forgot_username", "email": "ana@example.org", **fields})
    assert refused.status_code == 400 and body(refused)["error"]["field"] == field
    assert list(SupportRequest.scan()) == []


def test_the_identity_message_says_what_to_give(make_api):
    refused = make_api().post(PATH, {"kind": "other", "email": "ana@example.org"}, headers={"Accept-Language": "en"})
    assert body(refused)["error"]["message"].startswith("Fill in your username, or your name with your CRIB number")


@pytest.mark.parametrize(("lang", "subject"), [
    ("nl", "Uw verzoek {reference} is ontvangen"), ("en", "Your request {reference} has been received"),
    ("pap", "Nos a risibí bo petishon {reference}")])
def test_the_confirmation_mail_names_the_reference_in_the_filers_language(make_api, lang, subject):
    filed = make_api().post(f"{PATH}?lang={lang}", {"kind": "reset_2fa", "email": "jan@example.org",
                                                   "username": "jan.jansen"})
    reference = body(filed)["reference"]
    mail = last_to("jan@example.org")
    assert mail.subject == subject.format(reference=reference)
    assert reference in mail.body and "jan.jansen" in mail.body and "3" in mail.body
    assert "http" not in mail.body  # a notice carries no link


def test_nothing_tells_whether_the_username_exists(make_api, user_factory):
    user_factory("echte.burger", email="echte.burger@example.org")

    def filed(username: str, address: str) -> tuple[int, list[str], str]:
        answer = make_api().post(PATH, {"kind": "unblock", "email": address, "username": username})
        reference = body(answer)["reference"]
        mail = last_to(address)
        return answer.status_code, sorted(body(answer)), mail.body.replace(reference, "REF").replace(username, "NAME")

    assert filed("echte.burger", "een@example.org") == filed("verzonnen.burger", "twee@example.org")
    assert sent_to("echte.burger@example.org") == []  # the account's own address is not told either


def test_closing_a_request_mails_the_requester(make_api, staff):
    filed = make_api().post(f"{PATH}?lang=en", {"kind": "forgot_username", "email": "ana@example.org",
                                               "full_name": "Ana Martina", "phone": "+599 9 555 0101"})
    reference = body(filed)["reference"]
    closed = staff.post(f"{QUEUE}/{reference}/close", {"reason": "account found, username sent by phone"})
    assert closed.status_code == 204
    mail = last_to("ana@example.org")
    assert mail.subject == f"Your request {reference} has been dealt with"
    assert "Dear Ana Martina" in mail.body and "account found" not in mail.body  # the desk's note stays inside
    assert len(sent_to("ana@example.org")) == 2
    # A second close is refused and mails nobody.
    assert staff.post(f"{QUEUE}/{reference}/close", {"reason": "again"}).status_code == 409
    assert len(sent_to("ana@example.org")) == 2


def test_filing_is_limited_per_address(make_api):
    public = make_api()
    statuses = [public.post(PATH, {"kind": "other", "email": "veel@example.org", "username": f"naam.{i}"}).status_code
                for i in range(6)]
    assert statuses == [202] * 5 + [429]
    assert len(sent_to("veel@example.org")) == 5
