"""services/notifications.py against moto's SES: a notice in the recipient's language (Dutch when
there is none), the island's time, links with the token in the fragment, and a mail SES refuses
answered False and left on the account's trail with a masked address, never raised."""

from __future__ import annotations

import boto3
import pytest

from chalicelib.services import notifications
from chalicelib.services.audit import RequestContext
from chalicelib.settings import get_settings
from chalicelib.storage.users import User
from tests.api.sent_mail import last_to, sent_to
from tests.unit.trail import events_about

JAN = User("jan.jansen", email="jan@example.org", language="en")


def test_a_notice_goes_to_the_accounts_address_in_its_language(aws, clock_pinned):
    assert notifications.send(JAN, "account_unblocked") is True
    message = last_to("jan@example.org")
    assert message.subject == "Your account has been unblocked"
    assert message.body.startswith("Dear jan.jansen,\n\nCustomer service unblocked your account on "
                                   "15-01-2027 04:00 (UTC-4).")


def test_a_language_without_the_text_gets_the_dutch_one(aws):
    assert notifications.send_to("els@example.org", "de", "account_unblocked", username="els") is True
    assert last_to("els@example.org").subject == "Uw account is gedeblokkeerd"


def test_a_kind_without_a_template_sends_nothing(aws):
    assert notifications.send_to("els@example.org", "nl", "no_such_notice", username="els") is False
    assert sent_to("els@example.org") == []


def test_a_mail_ses_refuses_is_false_and_on_the_accounts_trail(aws):
    ses = boto3.client("ses", region_name="us-east-1")
    sender = get_settings().mail_sender
    ses.delete_identity(Identity=sender)  # SES now refuses every mail from the portal
    try:
        assert notifications.send(JAN, "account_unblocked") is False
    finally:
        ses.verify_email_identity(EmailAddress=sender)
    assert sent_to("jan@example.org") == []
    assert events_about("jan.jansen") == [{"action": "mail.failed", "outcome": "failure", "actor": "system",
                                           "reason": None,
                                           "details": {"kind": "account_unblocked", "to": "j***@example.org"}}]


def test_the_time_people_read_is_utc_minus_4_all_year(clock_pinned):
    assert notifications.event_time() == "15-01-2027 04:00 (UTC-4)"
    assert notifications.event_time(1_815_000_000) == "07-07-2027 18:40 (UTC-4)"  # 22:40 UTC: no summer time


def test_an_address_is_masked_to_its_first_letter_and_domain():
    assert notifications.mask_email("Jan.Jansen@example.org") == "J***@example.org"


def test_a_link_carries_its_token_quoted_in_the_fragment():
    context = RequestContext(origin="https://portal.example")
    assert notifications.link(context, "/password/reset", "abc/+=.jan") == \
        "https://portal.example/password/reset#token=abc%2F%2B%3D.jan"
    with pytest.raises(RuntimeError):
        notifications.link(RequestContext(), "/password/reset", "abc")
