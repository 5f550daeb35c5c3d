"""The mail outbox: a mail SES would not take (temporary trouble, a timeout) is kept, sealed, and sent
by a retry exactly once; its link then works; a mail that keeps failing is marked failed and is on
the account's trail at the support desk."""

from __future__ import annotations

import threading

import botocore.exceptions
import pytest

from chalicelib.services import notifications
from chalicelib.services.notifications import MAX_SEND_ATTEMPTS, MailKind
from chalicelib.storage import mail, outbox
from tests.api.conftest import body
from tests.api.sent_mail import last_to, link_token, sent_to
from tests.api.two_factor import SECRET, code

PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Een-Heel-Nieuw-Wachtwoord-1"
THROTTLED = botocore.exceptions.ClientError(
    {"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."},
     "ResponseMetadata": {"HTTPStatusCode": 400}}, "SendEmail")


@pytest.fixture
def failing_ses(monkeypatch):
    """SES refuses with throttling until `failing_ses.set()` is called (counts the tries)."""
    recovered = threading.Event()
    original = mail.send
    tries = {"count": 0}

    def send(*args, **kwargs):
        tries["count"] += 1
        if not recovered.is_set():
            raise THROTTLED
        return original(*args, **kwargs)

    monkeypatch.setattr(mail, "send", send)
    recovered.tries = tries  # type: ignore[attr-defined]
    return recovered


def _queued(username: str) -> list[outbox.OutboxMail]:
    return [item for item in outbox.OutboxMail.scan() if item.username == username]


def _failures(username: str) -> list:
    from chalicelib.storage.audit import by_target

    return [event for event in by_target(username, 20, None) if event.action == "mail.failed"]


def _after_backoff(clock, seconds: int = 3600) -> None:
    clock.advance(seconds)


def test_a_reset_link_ses_throttles_is_queued_sealed_and_sent_once_by_the_retry(clock_pinned, api, user_factory,
                                                                                failing_ses):
    user_factory("ana.maria")
    assert api.post("/api/v1/auth/password-reset", {"username": "ana.maria"}).status_code == 202
    assert not sent_to("ana.maria@example.org") and not _failures("ana.maria")
    [item] = _queued("ana.maria")
    assert item.kind == MailKind.PASSWORD_RESET and item.status == outbox.PENDING
    # Sealed: neither the address nor the link's token is readable in the stored item.
    raw = str(item.to_simple_dict())
    assert "ana.maria@example.org" not in raw and "#token=" not in raw
    # It expires with the link (30 minutes), so the token never outlives it in the table.
    assert int(item.expires_at) - int(clock_pinned.now()) == 30 * 60

    assert notifications.send_due() == {"sent": 0, "retrying": 0, "failed": 0}  # not due yet
    failing_ses.set()
    clock_pinned.advance(notifications.RETRY_BASE_SECONDS)
    assert notifications.send_due() == {"sent": 1, "retrying": 0, "failed": 0}
    assert notifications.send_due() == {"sent": 0, "retrying": 0, "failed": 0}
    assert len(sent_to("ana.maria@example.org")) == 1 and not _queued("ana.maria")

    _, token = link_token(last_to("ana.maria@example.org"))
    completed = api.post("/api/v1/auth/password-reset/complete", {"token": token, "new_password": NEW_PASSWORD})
    assert completed.status_code == 204
    assert api.post("/api/v1/auth/login", {"username": "ana.maria", "password": NEW_PASSWORD}).status_code == 200


def test_an_email_verification_link_ses_throttles_arrives_by_the_retry_and_works(clock_pinned, api, full_login,
                                                                                  failing_ses):
    full_login(api, "alice")
    changed = api.post("/api/v1/account/email", {"password": PASSWORD, "new_email": "alice@nieuw.example",
                                                 "code": code(SECRET)})
    assert changed.status_code == 202, changed.body
    assert {item.kind for item in _queued("alice")} == {MailKind.EMAIL_VERIFY, MailKind.EMAIL_CHANGE_REQUESTED}
    failing_ses.set()
    clock_pinned.advance(notifications.RETRY_BASE_SECONDS)
    assert notifications.send_due()["sent"] == 2
    _, token = link_token(last_to("alice@nieuw.example"))
    verified = api.post("/api/v1/account/email/verify", {"token": token})
    assert verified.status_code in (200, 204), verified.body
    assert body(api.get("/api/v1/me"))["email"] == "alice@nieuw.example"


def test_two_retry_runs_at_once_send_a_mail_once(clock_pinned, user_factory, failing_ses):
    """The interleaving: both runs read the due item, one claims it first; the other's claim fails."""
    user = user_factory("ana.maria")
    notifications.send(user, MailKind.ACCOUNT_UNBLOCKED)
    failing_ses.set()
    clock_pinned.advance(notifications.RETRY_BASE_SECONDS)
    [seen_by_first] = list(outbox.due(int(clock_pinned.now()), 10))
    [seen_by_second] = list(outbox.due(int(clock_pinned.now()), 10))
    assert notifications._retry(seen_by_first) == "sent"
    assert notifications._retry(seen_by_second) is None
    assert len(sent_to("ana.maria@example.org")) == 1


def test_a_mail_that_keeps_failing_is_marked_failed_and_shown_at_the_desk(clock_pinned, api, full_login,
                                                                          user_factory, failing_ses):
    user = user_factory("ana.maria")
    notifications.send(user, MailKind.MFA_RESET)
    outcomes = []
    for _ in range(MAX_SEND_ATTEMPTS + 2):
        _after_backoff(clock_pinned)
        outcomes.append(notifications.send_due())
    assert [run["retrying"] for run in outcomes[:MAX_SEND_ATTEMPTS - 2]] == [1] * (MAX_SEND_ATTEMPTS - 2)
    assert sum(run["failed"] for run in outcomes) == 1 and sum(run["sent"] for run in outcomes) == 0
    assert failing_ses.tries["count"] == MAX_SEND_ATTEMPTS  # the first send and the retries
    [item] = _queued("ana.maria")
    assert item.status == outbox.FAILED
    [failure] = _failures("ana.maria")
    assert failure.details.as_dict() == {"kind": "mfa_reset", "to": "a***@example.org"}

    full_login(api, "desk", roles=("support",))
    account = body(api.get("/api/v1/admin/users/ana.maria"))
    assert [event["details"]["kind"] for event in account["recent_events"] if event["action"] == "mail.failed"] == \
        ["mfa_reset"]


def test_a_link_that_expired_in_the_outbox_is_not_sent(clock_pinned, api, user_factory, failing_ses):
    user_factory("ana.maria")
    api.post("/api/v1/auth/password-reset", {"username": "ana.maria"})
    failing_ses.set()
    clock_pinned.advance(31 * 60)
    assert notifications.send_due() == {"sent": 0, "retrying": 0, "failed": 1}
    assert not sent_to("ana.maria@example.org")
    assert [event.details.as_dict()["kind"] for event in _failures("ana.maria")] == ["password_reset"]


def test_a_refusal_no_retry_changes_is_recorded_at_once(user_factory, monkeypatch):
    def rejected(*_args, **_kwargs):
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "MessageRejected", "Message": "Email address is not verified."},
             "ResponseMetadata": {"HTTPStatusCode": 400}}, "SendEmail")

    user = user_factory("ana.maria")
    monkeypatch.setattr(mail, "send", rejected)
    assert not notifications.send(user, MailKind.PASSWORD_CHANGED)
    assert not _queued("ana.maria") and len(_failures("ana.maria")) == 1


def test_the_scheduled_function_and_the_command_run_the_retry(clock_pinned, client, user_factory, failing_ses,
                                                               capsys):
    from chalicelib import manage

    for name in ("ana.maria", "jan.jansen"):
        notifications.send(user_factory(name), MailKind.ACCOUNT_UNBLOCKED)
    failing_ses.set()
    clock_pinned.advance(notifications.RETRY_BASE_SECONDS)
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    assert client.lambda_.invoke("send_outbox", event).payload == {"sent": 2, "retrying": 0, "failed": 0}
    assert manage.send_outbox() == 0
    assert capsys.readouterr().out.strip() == "sent 0, retrying 0, failed 0"
