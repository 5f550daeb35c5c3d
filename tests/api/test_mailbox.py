"""/dev/mailbox: in the local stage the mails the app sent, newest first, with clickable links; in any
other stage the page does not exist."""

from __future__ import annotations

import html
import re

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import sent_to


def _mailbox(api) -> str:
    response = api.client.http.get("/dev/mailbox")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    return response.body.decode("utf-8")


def test_mailbox_lists_sent_mails_newest_first_with_clickable_links(api, user_factory):
    user_factory("mail.first", password=None)
    user_factory("mail.second", password=None)
    api.post("/api/v1/auth/password-reset", {"username": "mail.first"})
    api.post("/api/v1/auth/password-reset", {"username": "mail.second"}, headers={"Host": "127.0.0.1:8000"})
    page = _mailbox(api)
    assert page.index("mail.second@example.org") < page.index("mail.first@example.org")
    links = re.findall(r'<a href="([^"]+)">', page)
    activation = [html.unescape(link) for link in links if "/account/activate#token=" in link]
    assert activation[0].startswith("http://127.0.0.1:8000/account/activate#token=")
    assert activation[0].endswith(".mail.second")
    # The link from the mailbox works.
    token = activation[0].split("#token=")[1]
    complete = api.post("/api/v1/auth/password-reset/complete",
                        {"token": token, "new_password": "Lange-Wandeling-42-Punda"})
    assert complete.status_code == 204
    assert "Content-Security-Policy" in api.client.http.get("/dev/mailbox").headers


def test_mail_text_is_escaped(api):
    from chalicelib.services import notifications

    notifications.send_to("escape@example.org", "nl", notifications.MailKind.EMAIL_CHANGED, username="<b>x</b>",
                          new_email="<script>alert(1)</script>")
    page = _mailbox(api)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_linkified_splits_urls_from_text():
    from chalicelib.api.mailbox import linkified

    assert linkified("Klik: https://a.example/x#token=1.b hier\n\nklaar") == [
        [("Klik: ", False), ("https://a.example/x#token=1.b", True), (" hier", False)], [], [("klaar", False)]]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_mailbox_does_not_exist_outside_the_local_stage(aws, monkeypatch, stage):
    from chalice.test import Client

    from app import app as chalice_app
    from chalicelib.services import notifications
    from chalicelib.settings import get_settings, reset_settings

    reset_settings()
    try:
        # The test client applies the stage's own environment from .chalice/config.json.
        with Client(chalice_app, stage_name=stage) as client:
            response = client.http.get("/dev/mailbox")
            assert get_settings().stage == stage
        assert response.status_code == 404
        assert body(response)["error"]["code"] == "not_found"
        # Nothing is kept either: outside the local stage mails go to SES only.
        reset_settings()
        monkeypatch.setenv("PORTAL_STAGE", stage)
        assert notifications.send_to("kept@example.org", "nl", notifications.MailKind.ACCOUNT_UNBLOCKED, username="x")
        assert sent_to("kept@example.org")  # SES got it
        assert notifications.sent_locally() == []
    finally:
        monkeypatch.undo()
        reset_settings()
