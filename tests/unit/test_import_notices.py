"""services/import_notices.py against moto with a pinned clock: when an import is done, one summary
mail per client account with its count, naming the firm and who acted (the desk unnamed); a notice SES
would not take leaves the pass unfinished and the next delivery mails only the clients not yet told;
a live sender's lease keeps others off the notices until it lapses."""

from __future__ import annotations

import boto3
import pytest

from chalicelib.services import import_notices, import_processing, imports, notifications
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.settings import get_settings
from chalicelib.storage import uploads
from chalicelib.storage.import_jobs import get_job
from chalicelib.storage.users import User
from tests.api.sent_mail import sent_to

CONTEXT = RequestContext(ip="192.0.2.7", lang="en")
HEADER = "client_crib,tax_type,start_date,end_date\n"
ROWS = "100000010,IB,2027-01-01,\n100000010,OB,2027-01-01,\n100000011,IB,2027-01-01,\n100000012,IB,2027-01-01,\n"
SUPPORT = User("sam.support", roles={"support"}, mfa_enabled=True)


class Killed(BaseException):
    """Dies like a killed Lambda: not an Exception, so the sender cannot give its lease back."""


@pytest.fixture
def firm(aws, clock_pinned):
    for username, crib in (("klant.tien", "100000010"), ("klant.elf", "100000011")):
        create_account(username, f"{username}@example.org", None, crib=crib, language="en")
    return create_account("rep.punda", "rep@example.org", None, roles=("representative",), crib="200000009",
                          firm_name="Kantoor Punda", language="en")


def _uploaded(started: dict) -> str:
    boto3.client("s3").put_object(Bucket=get_settings().imports_bucket, Key=uploads.upload_key(started["import_id"]),
                                  Body=(HEADER + ROWS).encode())
    return started["import_id"]


def _mails(username: str) -> list:
    return sent_to(f"{username}@example.org")


def test_each_client_account_gets_one_summary_with_its_count_naming_the_firm_and_the_account(firm):
    import_id = _uploaded(imports.request_import(firm, False, CONTEXT))
    assert import_processing.process(import_id) == "done"
    [tien], [elf] = _mails("klant.tien"), _mails("klant.elf")
    assert tien.subject == elf.subject == "New authorizations awaiting your confirmation"
    assert "Kantoor Punda has registered (through account rep.punda) authorizations" in tien.body
    assert "(number of authorizations: 2)" in tien.body
    assert "(number of authorizations: 1)" in elf.body
    assert "100000010" not in tien.body and "100000011" not in elf.body
    assert _mails("rep") == []
    assert get_job(import_id).notices == "sent"
    assert import_notices.send_notices(import_id) is True  # settled: a late event sends nothing
    assert (len(_mails("klant.tien")), len(_mails("klant.elf"))) == (1, 1)


def test_a_signed_forms_import_by_the_desk_says_they_are_active_and_leaves_the_staff_member_unnamed(firm):
    started = imports.request_import_for(SUPPORT, "rep.punda", dry_run=False, signed_forms_received=True,
                                         reason="forms received by post", context=CONTEXT)
    import_processing.process(_uploaded(started))
    [tien] = _mails("klant.tien")
    assert tien.subject == "Authorizations registered from your signed forms"
    assert "registered authorizations for Kantoor Punda (number of authorizations: 2)" in tien.body
    assert "sam.support" not in tien.body


def test_a_notice_ses_would_not_take_is_sent_by_the_next_delivery_to_that_client_only(firm, monkeypatch,
                                                                                       clock_pinned):
    real_send = notifications.send
    refused: list[str] = []

    def send_refusing_elf_once(user, kind, **params):  # type: ignore[no-untyped-def]
        if user.username == "klant.elf" and not refused:
            refused.append(user.username)
            return False
        return real_send(user, kind, **params)

    monkeypatch.setattr(notifications, "send", send_refusing_elf_once)
    import_id = _uploaded(imports.request_import(firm, False, CONTEXT))
    with pytest.raises(import_notices.NoticesIncompleteError):
        import_processing.process(import_id)
    assert (get_job(import_id).status, get_job(import_id).notices) == ("done", "pending")
    assert (len(_mails("klant.tien")), len(_mails("klant.elf"))) == (1, 0)
    clock_pinned.advance(1)  # the failed pass gave its lease back: the event again resumes at once
    assert import_processing.process(import_id) == "done"
    assert (len(_mails("klant.tien")), len(_mails("klant.elf"))) == (1, 1)
    assert get_job(import_id).notices == "sent"


def test_a_dead_senders_lease_keeps_the_notices_until_it_lapses(firm, monkeypatch, clock_pinned):
    def killed(user, kind, **params):  # type: ignore[no-untyped-def]
        raise Killed()

    monkeypatch.setattr(notifications, "send", killed)
    import_id = _uploaded(imports.request_import(firm, False, CONTEXT))
    with pytest.raises(Killed):
        import_processing.process(import_id)
    monkeypatch.undo()
    clock_pinned.advance(89)
    assert import_notices.send_notices(import_id) is False
    with pytest.raises(import_processing.ImportBusyError):
        import_processing.process(import_id)
    assert _mails("klant.tien") == []
    clock_pinned.advance(2)  # the lease of 90 seconds lapsed
    assert import_notices.send_notices(import_id) is True
    assert (len(_mails("klant.tien")), len(_mails("klant.elf"))) == (1, 1)
    assert get_job(import_id).notices == "sent"


def test_an_unknown_job_has_no_notices_to_send(aws, clock_pinned):
    assert import_notices.send_notices("0" * 32) is True

