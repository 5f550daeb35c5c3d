"""services/import_processing.py against moto with a pinned clock: the upload's event processes its
job once (every row imported, skipped or failed, the items remembering their import and row, the error
report, the audit event), a file that cannot be read or never arrived fails with its reason and writes
nothing, a dry run writes nothing, and events for other objects, unknown or finished jobs change
nothing."""

from __future__ import annotations

import csv
import io

import boto3
import pytest

from chalicelib.services import import_processing, imports
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.settings import get_settings
from chalicelib.storage import uploads
from chalicelib.storage.authorizations import Authorization
from chalicelib.storage.import_jobs import get_job
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", lang="en")
FIRM_CRIB = "200000009"
HEADER = "client_crib,tax_type,start_date,end_date\n"
GOOD = [f"1000000{index:02d},IB,2027-01-01,\n" for index in range(10, 14)]


@pytest.fixture
def firm(aws, clock_pinned):
    return create_account("rep.punda", "rep@example.org", None, roles=("representative",), crib=FIRM_CRIB,
                          firm_name="Kantoor Punda", language="en")


def _started(firm, content: str | bytes | None, dry_run: bool = False) -> str:  # type: ignore[no-untyped-def]
    """An import asked for, and its file (if any) put where the upload form sends it."""
    import_id = imports.request_import(firm, dry_run, CONTEXT)["import_id"]
    if content is not None:
        body = content.encode() if isinstance(content, str) else content
        boto3.client("s3").put_object(Bucket=get_settings().imports_bucket, Key=uploads.upload_key(import_id),
                                      Body=body)
    return import_id


def _counts(import_id: str) -> tuple[str, int, int, int, int]:
    job = get_job(import_id)
    return job.status, int(job.total), int(job.imported), int(job.skipped), int(job.failed)


def _items() -> list[Authorization]:
    return sorted(Authorization.representative_index.query(FIRM_CRIB), key=lambda item: item.client_crib)


def _report(import_id: str) -> list[list[str]]:
    stored = boto3.client("s3").get_object(Bucket=get_settings().imports_bucket, Key=get_job(import_id).errors_key)
    return list(csv.reader(io.StringIO(stored["Body"].read().decode("utf-8-sig"))))


def _job_events(import_id: str) -> list[tuple[str, str, dict]]:
    return [(event["action"], event["outcome"], event["details"]) for event in events_about(f"import:{import_id}")
            if event["action"] != "import.request"]


def test_good_rows_are_imported_as_pending_items_that_remember_their_import_and_row(firm):
    import_id = _started(firm, HEADER + "".join(GOOD))
    assert import_processing.handle_upload(get_settings().imports_bucket, uploads.upload_key(import_id)) == "done"
    assert _counts(import_id) == ("done", 4, 4, 0, 0)
    items = _items()
    assert [(item.client_crib, item.status, item.source, item.import_id, int(item.import_row), item.created_by)
            for item in items] == [(f"1000000{index:02d}", "pending", "import", import_id, index - 8, "rep.punda")
                                   for index in range(10, 14)]
    assert (get_job(import_id).errors_key, get_job(import_id).notices) == (None, "sent")  # no client has an account
    assert _job_events(import_id) == [("import.done", "success",
                                       {"total": 4, "imported": 4, "skipped": 0, "failed": 0, "dry_run": False})]
    assert imports.request_import(firm, False, CONTEXT)["import_id"]  # the firm's slot is free again


def test_each_row_is_imported_skipped_or_failed_with_the_failures_in_the_report(firm):
    first = _started(firm, HEADER + GOOD[0] + GOOD[1])
    import_processing.process(first)
    rows = [GOOD[0], GOOD[2], "12345,IB,2027-01-01,\n", GOOD[2], "100000020,XX,2027-01-01,\n"]
    import_id = _started(firm, HEADER + "".join(rows))
    assert import_processing.process(import_id) == "done"
    assert _counts(import_id) == ("done", 5, 1, 1, 3)
    assert len(_items()) == 3
    assert int(next(item for item in _items() if item.client_crib == "100000010").import_row) == 2  # not rewritten
    report = _report(import_id)
    assert [(line[0], line[1], line[2]) for line in report[1:]] == [
        ("4", "client_crib", "invalid_crib"), ("5", "*", "duplicate_row"), ("6", "tax_type", "unknown_tax_type")]
    assert report[2][4] == "3"  # the duplicate names the row it repeats


def test_a_dry_run_counts_like_a_real_one_and_writes_nothing(firm):
    import_id = _started(firm, HEADER + GOOD[0] + GOOD[1] + GOOD[0], dry_run=True)
    assert import_processing.process(import_id) == "done"
    assert _counts(import_id) == ("done", 3, 2, 0, 1)
    assert _items() == []
    assert get_job(import_id).notices == "none"
    assert _job_events(import_id)[0][2]["dry_run"] is True


@pytest.mark.parametrize(("content", "reason"), [
    ("", "empty_file"),
    (HEADER + GOOD[0] + '100000011,IB,"2027-01-01"x,\n', "malformed_csv"),  # after a good row: none written
    (None, "upload_missing"),
])
def test_a_file_that_cannot_be_read_or_never_came_fails_with_its_reason_and_writes_nothing(firm, content, reason):
    import_id = _started(firm, content)
    assert import_processing.process(import_id) == "failed"
    job = get_job(import_id)
    assert (job.status, job.reason, int(job.imported)) == ("failed", reason, 0)
    assert _items() == []
    assert _job_events(import_id) == [("import.failed", "failure", {"reason": reason})]


def test_a_finished_job_is_left_as_it_is(firm):
    import_id = _started(firm, HEADER + GOOD[0])
    import_processing.process(import_id)
    finished = get_job(import_id)
    assert import_processing.process(import_id) == "done"  # the same event delivered again
    again = get_job(import_id)
    assert (again.attempts, again.finished_at, again.imported) == (finished.attempts, finished.finished_at, 1)
    assert len(_job_events(import_id)) == 1


def test_events_for_other_objects_or_unknown_jobs_change_nothing(firm):
    import_id = _started(firm, HEADER + GOOD[0])
    bucket = get_settings().imports_bucket
    for other_bucket, key in ((bucket, f"reports/{import_id}.csv"), (bucket, f"uploads/{import_id}.txt"),
                              ("another-bucket", uploads.upload_key(import_id)), (bucket, "uploads/a/b.csv")):
        assert import_processing.handle_upload(other_bucket, key) == "ignored", key
    assert get_job(import_id).status == "waiting_for_upload"
    assert import_processing.process("0" * 32) == "unknown"
    assert import_processing.handle_upload(bucket, "uploads/" + "0" * 32 + ".csv") == "unknown"


def test_an_upload_after_another_import_took_the_lapsed_slot_fails_as_expired(firm, clock_pinned):
    import_id = _started(firm, None)
    clock_pinned.advance(15 * 60 + 5 * 60 + 1)  # the upload window, its grace, and one second
    later = _started(firm, HEADER + GOOD[1])
    boto3.client("s3").put_object(Bucket=get_settings().imports_bucket, Key=uploads.upload_key(import_id),
                                  Body=(HEADER + GOOD[0]).encode())
    assert import_processing.process(import_id) == "failed"
    assert (get_job(import_id).status, get_job(import_id).reason) == ("failed", "upload_expired")
    assert _items() == []
    assert import_processing.process(later) == "done"
    assert [item.client_crib for item in _items()] == ["100000011"]
