"""Bulk import through the contract: ask for an import, POST the file to the presigned S3 form, let
the upload's S3 event (delivered through the local stage's queue, as `make run` does) start the
processing function, then read the job. Every bad-input file of the issue; every row counted once;
re-imports, retries after a crash, and one processor at a time."""

from __future__ import annotations

import base64
import csv
import io
import json
import threading

import pytest
import requests

from tests.api.conftest import body
from tests.api.sent_mail import last_to, sent_to

IMPORTS = "/api/v1/representative/imports"
REP = "/api/v1/representative/authorizations"
FIRM_CRIB = "200000009"
HEADER = "client_crib,tax_type,start_date,end_date\n"


@pytest.fixture
def firm(make_api, full_login, clock_pinned):
    api = make_api()
    full_login(api, "rep.punda", roles=("representative",), crib=FIRM_CRIB, firm_name="Kantoor Punda")
    return api


def start(api, dry_run: bool = False, path: str = IMPORTS, **extra) -> dict:
    response = api.post(path, {"dry_run": dry_run, **extra})
    assert response.status_code == 201, response.body
    return body(response)


def upload(started: dict, content: bytes) -> None:
    """What the browser does: a multipart POST of the form's fields, then the file, straight to S3."""
    form = started["upload"]
    response = requests.post(form["url"], data=form["fields"], files={"file": ("machtigingen.csv", content)},
                             timeout=30)
    assert response.status_code in (200, 201, 204), response.text


def deliver() -> int:
    """The upload's S3 event reaches the processing function (the local stage's worker, one round)."""
    from infra.local_authorizations import deliver_once

    return deliver_once()


def status(api, import_id: str, path: str = IMPORTS) -> dict:
    response = api.get(f"{path}/{import_id}")
    assert response.status_code == 200, response.body
    return body(response)


def run_import(api, content: bytes, dry_run: bool = False) -> dict:
    started = start(api, dry_run)
    upload(started, content)
    assert deliver() == 1
    return status(api, started["import_id"])


def report(job: dict) -> list[list[str]]:
    """The error report as a spreadsheet would read it (the link is a presigned S3 GET)."""
    assert job["errors_csv"], job
    response = requests.get(job["errors_csv"], timeout=30)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def counted_once(job: dict) -> None:
    assert job["status"] == "done", job
    assert job["imported"] + job["skipped"] + job["failed"] == job["total"] == job["processed"], job


def firm_items() -> list:
    from chalicelib.storage.authorizations import Authorization

    return list(Authorization.representative_index.query(FIRM_CRIB))


GOOD = [f"1000000{index:02d},IB,2027-01-01,\n" for index in range(10, 16)]


# ---------------------------------------------------------------- the whole flow


def test_good_and_bad_rows_are_counted_reported_and_noticed(firm, user_factory):
    user_factory("klant.tien", crib="100000010", language="pap")
    rows = GOOD + [
        "12345,IB,2027-01-01,\n",                      # 9-digit rule
        "100000020,XX,2027-01-01,\n",                  # unknown tax type
        "100000021,IB,2027-02-30,\n",                  # impossible date
        "100000022,IB,2027-06-01,2027-05-01\n",        # end before start
        "=1+2,IB,2027-01-01,\n",                       # formula in a cell: the report must not run it
        GOOD[0],                                       # duplicate of row 2
        "100000010,WB,2027-01-01,2027-12-31\n",        # good: second authorization of the same client
    ]
    job = run_import(firm, (HEADER + "".join(rows)).encode())
    counted_once(job)
    assert (job["total"], job["imported"], job["skipped"], job["failed"]) == (13, 7, 0, 6)
    lines = report(job)
    assert lines[0] == ["rij", "kolom", "foutcode", "melding", "waarde"]
    problems = {(line[0], line[1], line[2]) for line in lines[1:]}
    assert problems == {("8", "client_crib", "invalid_crib"), ("9", "tax_type", "unknown_tax_type"),
                        ("10", "start_date", "invalid_date"), ("11", "end_date", "end_before_start"),
                        ("12", "client_crib", "invalid_crib"), ("13", "*", "duplicate_row")}
    formula = next(line for line in lines if line[0] == "12")
    assert formula[4] == "'=1+2"
    assert next(line for line in lines if line[0] == "13")[4] == "2"
    assert all(line[3] and not line[3].startswith("import.") for line in lines[1:])

    listed = body(firm.get(REP))["items"]
    assert len(listed) == 7 and {item["status"] for item in listed} == {"pending"}
    assert {item["source"] for item in listed} == {"import"}
    # One summary notice per client account, in its language, never one per row.
    (notice,) = sent_to("klant.tien@example.org")
    assert "Kantoor Punda" in notice.body and "2 outorisashon" in notice.body
    assert "(via kuenta rep.punda)" in notice.body  # the account that imported


def test_reimporting_the_same_file_creates_nothing_new(firm):
    content = (HEADER + "".join(GOOD)).encode()
    first = run_import(firm, content)
    assert (first["imported"], first["skipped"]) == (6, 0)
    second = run_import(firm, content)
    counted_once(second)
    assert (second["imported"], second["skipped"], second["failed"]) == (0, 6, 0)
    assert second["errors_csv"] is None
    assert len(firm_items()) == 6


def test_a_dry_run_validates_and_writes_nothing(firm):
    content = (HEADER + "".join(GOOD) + GOOD[1] + "1,IB,2027-01-01,\n").encode()
    job = run_import(firm, content, dry_run=True)
    counted_once(job)
    assert (job["dry_run"], job["imported"], job["failed"]) == (True, 6, 2)
    assert {line[2] for line in report(job)[1:]} == {"duplicate_row", "invalid_crib"}
    assert firm_items() == []
    # The real import afterwards counts the same.
    real = run_import(firm, content)
    assert (real["imported"], real["skipped"], real["failed"]) == (6, 0, 2)


def test_rows_already_present_are_skipped(firm):
    single = firm.post(REP, {"client_crib": "100000012", "tax_type": "IB", "start_date": "2027-01-01"})
    assert single.status_code == 201
    job = run_import(firm, (HEADER + "".join(GOOD)).encode())
    counted_once(job)
    assert (job["imported"], job["skipped"]) == (5, 1)
    assert len(firm_items()) == 6


# ---------------------------------------------------------------- every bad input of the issue

READABLE = [
    ("semicolon", b"client_crib;tax_type;start_date;end_date\n100000010;IB;01-01-2027;31-12-2027\n", (1, 0)),
    ("bom_crlf", b"\xef\xbb\xbfclient_crib,tax_type,start_date,end_date\r\n100000010,IB,2027-01-01,\r\n", (1, 0)),
    ("quoted", b'client_crib,tax_type,start_date,end_date,client_name\n100000010,IB,2027-01-01,,"Bakker, J."\n'
               b'"100000011","OB","2027-01-01","","Line\nbreak"\n', (1, 1)),
    ("extra_and_missing_columns", (HEADER + "100000010,IB,2027-01-01,,extra\n100000011,IB\n"
                                   "100000012,IB,2027-01-01,\n").encode(), (1, 2)),
    ("crib_rule", (HEADER + "10000001,IB,2027-01-01,\n1000000100,IB,2027-01-01,\n10000001A,IB,2027-01-01,\n"
                   f"{FIRM_CRIB},IB,2027-01-01,\n").encode(), (0, 4)),
    ("tax_type", (HEADER + "100000010,ib,2027-01-01,\n100000011,XY,2027-01-01,\n").encode(), (1, 1)),
    ("dates", (HEADER + "100000010,IB,2027-02-29,\n100000011,IB,31-11-2027,\n100000012,IB,2027/01/01,\n"
               "100000013,IB,2027-01-01,2026-12-31\n").encode(), (0, 4)),
    ("duplicates", (HEADER + "100000010,IB,2027-01-01,\n100000010,IB,01-01-2027,\n" * 2).encode(), (1, 3)),
    ("long_cells", ("client_crib,tax_type,start_date,end_date,reference\n"
                    f"100000010,IB,2027-01-01,,{'R' * 101}\n{'1' * 5000},IB,2027-01-01,,\n").encode(), (0, 2)),
    ("formula_cells", ("client_crib,tax_type,start_date,end_date,client_name\n"
                       + "".join(f"10000001{index},IB,2027-01-01,,{prefix}cmd|' /C calc'!A0\n"
                                 for index, prefix in enumerate("=+-@"))).encode(), (0, 4)),
]


@pytest.mark.parametrize(("name", "content", "expected"), READABLE, ids=[case[0] for case in READABLE])
def test_every_row_of_a_readable_file_is_counted_exactly_once(firm, name, content, expected):
    job = run_import(firm, content)
    counted_once(job)
    assert (job["imported"], job["failed"]) == expected
    if job["failed"]:
        for line in report(job)[1:]:
            assert not line[4].startswith(("=", "+", "-", "@", "\t", "\r")), line


UNREADABLE = [
    ("not_utf8", HEADER.encode() + "100000010,IB,2027-01-01,,Curaçao\n".encode("latin-1"), "not_utf8"),
    ("utf16", (HEADER + "100000010,IB,2027-01-01,\n").encode("utf-16"), "not_utf8"),
    ("binary_junk", bytes(range(256)) * 64, "binary_file"),
    ("xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64, "binary_file"),
    ("empty", b"\n\n", "empty_file"),
    ("header_only", HEADER.encode(), "no_rows"),
    ("header_missing", b"100000010,IB,2027-01-01,\n", "missing_header"),
    ("header_misspelled", b"client_crib,taxtype,start_date,end_date\n100000010,IB,2027-01-01,\n", "unknown_column"),
    ("column_missing", b"client_crib,tax_type,start_date\n100000010,IB,2027-01-01\n", "missing_columns"),
    ("bad_quotes", HEADER.encode() + b'100000010,IB,"2027-01-01"",\n', "malformed_csv"),
]


@pytest.mark.parametrize(("name", "content", "reason"), UNREADABLE, ids=[case[0] for case in UNREADABLE])
def test_a_file_that_cannot_be_read_fails_clearly_and_writes_nothing(firm, name, content, reason):
    job = run_import(firm, content)
    assert (job["status"], job["reason"]) == ("failed", reason)
    assert job["reason_message"] and "import.reason" not in job["reason_message"]
    assert (job["imported"], job["skipped"]) == (0, 0)
    assert firm_items() == []


def test_more_than_100000_rows_fails_before_anything_is_written(firm):
    content = (HEADER + "100000010,IB,2027-01-01,\n" * 100_001).encode()
    job = run_import(firm, content)
    assert (job["status"], job["reason"]) == ("failed", "too_many_rows")
    assert "100000" in job["reason_message"]
    assert firm_items() == []


def test_the_upload_form_limits_the_size_and_a_larger_object_fails(firm):
    started = start(firm)
    policy = json.loads(base64.b64decode(started["upload"]["fields"]["policy"]))
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    assert {"key": started["upload"]["fields"]["key"]} in policy["conditions"]
    # S3 enforces the policy; should an over-size object get there anyway, processing refuses it.
    import boto3

    from chalicelib.settings import get_settings

    oversized = HEADER.encode() + b"100000010,IB,2027-01-01,\n" * (10 * 1024 * 1024 // 24 + 1)
    assert len(oversized) > 10 * 1024 * 1024
    boto3.client("s3").put_object(Bucket=get_settings().imports_bucket, Key=started["upload"]["fields"]["key"],
                                  Body=oversized)
    assert deliver() == 1
    job = status(firm, started["import_id"])
    assert (job["status"], job["reason"]) == ("failed", "file_too_large")


def test_an_upload_that_never_comes_shows_as_expired(firm, clock_pinned, full_login):
    started = start(firm)
    assert status(firm, started["import_id"])["status"] == "waiting_for_upload"
    clock_pinned.advance(21 * 60)
    full_login(firm, "rep.punda")
    job = status(firm, started["import_id"])
    assert (job["status"], job["reason"]) == ("failed", "upload_expired")
    # The slot is free again: a new import can start.
    start(firm)


# ---------------------------------------------------------------- who may see what, one import at a time


def test_imports_belong_to_their_firm(firm, make_api, full_login):
    started = start(firm)
    other = make_api()
    full_login(other, "rep.otrobanda", roles=("representative",), crib="300000007", firm_name="Otrobanda")
    assert other.get(f"{IMPORTS}/{started['import_id']}").status_code == 404
    assert firm.get(f"{IMPORTS}/{'f' * 32}").status_code == 404
    assert firm.get(f"{IMPORTS}/slot%23{FIRM_CRIB}").status_code == 404
    taxpayer = make_api()
    full_login(taxpayer, "klant.een", crib="100000002")
    assert taxpayer.get(f"{IMPORTS}/{started['import_id']}").status_code == 403


def test_one_real_import_at_a_time_per_firm(firm):
    first = start(firm)
    refused = firm.post(IMPORTS, {"dry_run": False})
    assert (refused.status_code, body(refused)["error"]["code"]) == (409, "import_running")
    start(firm, dry_run=True)  # a dry run writes nothing and may run beside it
    upload(first, (HEADER + "".join(GOOD)).encode())
    deliver()
    start(firm)  # the first one is done: the slot is free


def test_bad_request_bodies(firm):
    for payload in ({"dry_run": "yes"}, {"dry_run": 1}, "[]"):
        response = firm.post(IMPORTS, payload)
        assert response.status_code == 400, payload


# ---------------------------------------------------------------- crashes, retries, one processor


class Crash(BaseException):
    """Dies like a killed Lambda: not an Exception, so the run cannot give its lease back."""


def crash_after(monkeypatch, batches: int, error: type[BaseException]) -> None:
    from chalicelib.storage import authorizations as store

    original, calls = store.put_batch, {"count": 0}

    def put_batch(items):  # type: ignore[no-untyped-def]
        calls["count"] += 1
        if calls["count"] > batches:
            raise error("disk on fire")
        return original(items)

    monkeypatch.setattr(store, "put_batch", put_batch)


MANY = HEADER + "".join(f"1{index:08d},IB,2027-01-01,\n" for index in range(100, 400))  # 300 rows
MANY_WITH_DUPLICATES = MANY + "100000100,IB,2027-01-01,\n100000399,IB,2027-01-01,\n"


def check_many(job: dict) -> None:
    counted_once(job)
    assert (job["total"], job["imported"], job["skipped"], job["failed"]) == (302, 300, 0, 2)
    items = firm_items()
    assert len(items) == 300
    assert len({item.import_row for item in items}) == 300


def test_a_run_that_fails_is_retried_without_loss_or_duplicates(firm, monkeypatch):
    from chalicelib.services import import_processing

    started = start(firm)
    upload(started, MANY_WITH_DUPLICATES.encode())
    crash_after(monkeypatch, 5, RuntimeError)
    assert deliver() == 0  # the event failed: it stays on the queue and comes again
    assert status(firm, started["import_id"])["status"] == "processing"
    assert len(firm_items()) == 125
    monkeypatch.undo()
    assert import_processing.process(started["import_id"]) == "done"  # the redelivered event, at once: lease given back
    job = status(firm, started["import_id"])
    check_many(job)
    assert {line[2] for line in report(job)[1:]} == {"duplicate_row"}


def test_a_second_upload_with_the_same_form_cannot_change_a_started_job(firm, monkeypatch):
    from chalicelib.services import import_processing

    started = start(firm)
    upload(started, MANY_WITH_DUPLICATES.encode())
    crash_after(monkeypatch, 5, RuntimeError)
    assert deliver() == 0  # started, 125 rows in, then failed: the job waits for its retry
    assert status(firm, started["import_id"])["status"] == "processing"
    monkeypatch.undo()
    # The upload form is still within its window: the same POST with other rows succeeds at S3...
    other = HEADER + "".join(f"3{index:08d},OB,2027-01-01,\n" for index in range(10)) + "12345,XX,2027-13-01,\n"
    upload(started, other.encode())
    # ...but the retry imports what the job started with.
    assert import_processing.process(started["import_id"]) == "done"
    job = status(firm, started["import_id"])
    check_many(job)
    assert {item.tax_type for item in firm_items()} == {"IB"}
    # The second upload's own event finds the job done and changes nothing.
    deliver()
    again = status(firm, started["import_id"])
    assert {**again, "errors_csv": None} == {**job, "errors_csv": None}
    assert len(firm_items()) == 300


def test_a_run_killed_midway_is_taken_over_after_its_lease(firm, monkeypatch, clock_pinned, full_login):
    from chalicelib.services import import_processing

    started = start(firm)
    upload(started, MANY_WITH_DUPLICATES.encode())
    crash_after(monkeypatch, 3, Crash)
    with pytest.raises(Crash):
        import_processing.process(started["import_id"])
    monkeypatch.undo()
    # The dead run's lease still holds: the retry is refused, so the event is delivered again later.
    with pytest.raises(import_processing.ImportBusyError):
        import_processing.process(started["import_id"])
    # Meanwhile the firm cannot register singles (the import may write any of its keys).
    refused = firm.post(REP, {"client_crib": "100000399", "tax_type": "IB", "start_date": "2027-01-01"})
    assert (refused.status_code, body(refused)["error"]["code"]) == (409, "import_running")
    clock_pinned.advance(91)  # a lease lasts 90 s
    assert import_processing.process(started["import_id"]) == "done"
    full_login(firm, "rep.punda")
    check_many(status(firm, started["import_id"]))
    # A late duplicate event changes nothing.
    assert import_processing.process(started["import_id"]) == "done"
    assert len(firm_items()) == 300


def test_a_run_never_retried_shows_interrupted_and_a_new_import_completes_it(firm, monkeypatch, clock_pinned,
                                                                            full_login):
    from chalicelib.services import import_processing

    started = start(firm)
    upload(started, MANY.encode())
    crash_after(monkeypatch, 4, Crash)
    with pytest.raises(Crash):
        import_processing.process(started["import_id"])
    monkeypatch.undo()
    written = len(firm_items())
    assert written == 100
    clock_pinned.advance(90 + 6 * 60)  # the retries never came; the lease (90 s) and the slot lapsed
    full_login(firm, "rep.punda")
    job = status(firm, started["import_id"])
    assert (job["status"], job["reason"]) == ("failed", "interrupted")
    assert job["reason_message"]
    again = start(firm)  # the firm may start over
    # A very late retry of the dead job finds the slot taken: it ends as interrupted, writing nothing.
    assert import_processing.process(started["import_id"]) == "failed"
    upload(again, MANY.encode())
    assert deliver() == 2  # the dead job's own event comes again as well, and changes nothing
    completed = status(firm, again["import_id"])
    counted_once(completed)
    assert (completed["imported"], completed["skipped"]) == (300 - written, written)
    assert len(firm_items()) == 300


def test_a_second_processor_is_refused_while_the_first_holds_the_job(firm, monkeypatch):
    from chalicelib.services import import_processing
    from chalicelib.storage import authorizations as store

    started = start(firm)
    upload(started, MANY.encode())
    original = store.put_batch
    observed, once = [], threading.Lock()

    def put_batch(items):  # type: ignore[no-untyped-def]
        if once.acquire(blocking=False):
            try:
                import_processing.process(started["import_id"])  # the same event delivered twice, concurrently
            except import_processing.ImportBusyError:
                observed.append("busy")
        return original(items)

    monkeypatch.setattr(store, "put_batch", put_batch)
    assert import_processing.process(started["import_id"]) == "done"
    assert observed == ["busy"]
    assert len(firm_items()) == 300


def test_notices_resume_after_the_sender_dies_and_reach_every_client(firm, monkeypatch, clock_pinned):
    from chalicelib.services import import_notices, import_processing, notifications
    from chalicelib.services.accounts import create_account

    clients = [f"1{index:08d}" for index in range(500, 560)]
    for crib in clients:
        create_account(f"klant.{crib}", f"{crib}@example.org", None, crib=crib)
    monkeypatch.setattr(import_notices, "NOTICE_CHECKPOINT", 20)
    original, sent = notifications.send, {"count": 0}

    def send(user, kind, **params):  # type: ignore[no-untyped-def]
        sent["count"] += 1
        if sent["count"] == 30:
            raise Crash("the sender dies")
        return original(user, kind, **params)

    monkeypatch.setattr(notifications, "send", send)
    started = start(firm)
    upload(started, (HEADER + "".join(f"{crib},IB,2027-01-01,\n{crib},OB,2027-01-01,\n" for crib in clients)).encode())
    with pytest.raises(Crash):
        import_processing.process(started["import_id"])
    assert status(firm, started["import_id"])["status"] == "done"  # the job ended before the notices began
    monkeypatch.setattr(notifications, "send", original)
    clock_pinned.advance(91)  # the dead sender's lease (90 s) lapsed
    assert import_processing.process(started["import_id"]) == "done"  # the event again: notices resume
    per_client = [len(sent_to(f"{crib}@example.org")) for crib in clients]
    assert all(count >= 1 for count in per_client)  # never none
    assert per_client[:20] == [1] * 20  # what was recorded as sent is not sent again
    assert sum(per_client) < len(clients) + 20
    assert "(aantal: 2)" in sent_to(f"{clients[-1]}@example.org")[0].body
    from chalicelib.storage.import_jobs import get_job

    assert get_job(started["import_id"]).notices == "sent"


# ---------------------------------------------------------------- support imports on a representative's behalf


def test_support_imports_with_signed_forms_and_the_authorizations_start_active(make_api, full_login, firm,
                                                                            user_factory):
    user_factory("klant.elf", crib="100000011")
    staff = make_api()
    full_login(staff, "helpdesk.ria", roles=("support",))
    path = "/api/v1/admin/representatives/rep.punda/imports"
    missing_reason = staff.post(path, {"signed_forms_received": True})
    assert (missing_reason.status_code, body(missing_reason)["error"]["field"]) == (400, "reason")
    assert firm.post(path, {"reason": "x"}).status_code == 403
    assert staff.post("/api/v1/admin/representatives/klant.elf/imports", {"reason": "x"}).status_code == 404
    started = start(staff, path=path, signed_forms_received=True, reason="Formulieren ontvangen, dossier 77")
    upload(started, (HEADER + "".join(GOOD)).encode())
    assert deliver() == 1
    job = status(staff, started["import_id"], path=path)
    counted_once(job)
    assert (job["activate"], job["imported"]) == (True, 6)
    assert {item["status"] for item in body(firm.get(REP))["items"]} == {"active"}
    assert status(firm, started["import_id"])["imported"] == 6  # the firm sees the job too
    assert "ondertekende formulieren" in last_to("klant.elf@example.org").body
