"""The processing function's work: one uploaded import file, from the S3 event to the job's end.

The file is read twice as a stream (memory stays flat whatever the row count):
  1. `summarize`: a file that cannot be read at all (empty, binary, not UTF-8, wrong header, over
     100,000 rows or 10 MB) fails the job with a clear reason before anything is written; otherwise
     the row total for the progress bar.
  2. every row is checked; good rows are looked up 100 keys per consistent BatchGetItem and the new
     ones put 25 per BatchWriteItem (unprocessed items retried with backoff). Each row ends in
     exactly one of imported / skipped (already present) / failed: imported + skipped + failed = total.

Idempotence and retries. Keys are deterministic, and an imported item remembers its import id and
row number. A run that finds an item of its own import and row counts it as imported (an earlier
attempt wrote it), one of its own import but another row as a duplicate row of the file, anything
else as skipped. So a retry restarts from the first row and arrives at the same counts and the same
error report without writing anything twice; re-importing a file creates nothing new. One processor
at a time: a run claims the job with a lease it renews with every progress update (every 1,000 rows);
a run that dies leaves a lease that lapses, and the retried event claims the job again. While a live
run holds it, the retry is refused (ImportBusyError) so the event is delivered again later.

When the job is done, the clients get their summary notices (services/import_notices.py).
"""

from __future__ import annotations

import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from chalicelib import clock
from chalicelib.services import authorizations, import_notices, import_rows
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.authorizations import ACTIVE, PENDING
from chalicelib.services.import_rows import ErrorReport, Row, RowError, RowRules, UnreadableFileError
from chalicelib.storage import authorizations as authorization_store
from chalicelib.storage import import_jobs as store
from chalicelib.storage import uploads
from chalicelib.storage.authorizations import BATCH_GET_LIMIT, BATCH_WRITE_LIMIT
from chalicelib.storage.import_jobs import DONE, FAILED, PROCESSING, WAITING, Counts, Ending, ImportJob

log = logging.getLogger("portal.imports")

LEASE_SECONDS = import_notices.LEASE_SECONDS  # a run renews it with every progress update; a dead run's lapses
LEASE_MARGIN = 30  # renew before writing when less than this is left
PROGRESS_EVERY = 1000  # rows between progress updates (the job item is written this often)


def short(import_id: str) -> str:
    """How logs name an import: enough to find it, and not mistaken for a secret by the log filter."""
    return import_id[:12]


class ImportBusyError(Exception):
    """Another run holds the job's lease; the event must be delivered again later (Lambda retries)."""


class LeaseLostError(Exception):
    """This run no longer holds the job (another took it over): stop without writing more."""


def handle_upload(bucket: str, key: str) -> str:
    """The entry point of the S3 event (and of the local worker): process the upload's import."""
    import_id = uploads.import_id_of(bucket, key)
    if import_id is None:
        log.warning("import.ignored_object")
        return "ignored"
    return process(import_id)


@dataclass
class _Run:
    """One processing attempt of one job: its lease, its counters and its pending writes."""

    job: ImportJob
    token: str
    lease_until: int
    total: int = 0
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    write_requests: int = 0
    reported_at: int = 0
    lookup: dict[str, Row] = field(default_factory=dict)  # checked rows waiting for their BatchGetItem
    buffer: dict[str, Row] = field(default_factory=dict)  # new rows waiting for their BatchWriteItem
    seen: set[int] = field(default_factory=set)  # dry run only: keys that would be imported

    @property
    def processed(self) -> int:
        return self.imported + self.skipped + self.failed

    def counts(self) -> Counts:
        return Counts(self.total, self.imported, self.skipped, self.failed)

    def renew(self) -> None:
        lease_until = int(clock.now()) + LEASE_SECONDS
        if not store.renew(self.job, self.token, lease_until, self.counts()):
            raise LeaseLostError(self.job.import_id)
        self.lease_until, self.reported_at = lease_until, self.processed

    def progress(self) -> None:
        if self.processed - self.reported_at >= PROGRESS_EVERY or clock.now() >= self.lease_until - LEASE_MARGIN:
            self.renew()


def process(import_id: str) -> str:
    """Claim the job and process its file; returns the job's final status ("busy" is raised)."""
    job = store.get_job(import_id)
    if job is None:
        return "unknown"
    if job.status in (DONE, FAILED):
        if job.notices == "pending" and not import_notices.send_notices(import_id):
            raise ImportBusyError(import_id)  # a live sender holds the notices: deliver the event later
        return job.status
    now = int(clock.now())
    token = secrets.token_hex(16)
    try:
        claimed = store.claim(import_id, representative_crib=job.representative_crib, holds_slot=not job.dry_run,
                              now=now, lease_until=now + LEASE_SECONDS, run_token=token)
    except store.SlotTakenError:
        # The slot lapsed and another import of the representative took it: an upload that came too
        # late (nothing written), or a run that died and was not retried in time (its counts stand).
        _end_unclaimed(job, "upload_expired" if job.status == WAITING else "interrupted")
        return FAILED
    if claimed is None:
        current = store.get_job(import_id)
        if current is not None and current.status == PROCESSING:
            raise ImportBusyError(import_id)
        return current.status if current else "unknown"
    run = _Run(claimed, token, now + LEASE_SECONDS)
    try:
        return _run(run)
    except LeaseLostError:
        log.warning("import.lease_lost", extra={"import": short(import_id)})
        return "superseded"
    except Exception:
        # Give the lease back at once, so the retried event can restart the job without waiting.
        store.release_lease(run.job, run.token, now=int(clock.now()))
        raise


def _run(run: _Run) -> str:
    job = run.job
    # From here on the job works on its own copy: a second POST with the still valid upload form
    # replaces the upload, never what this job (or its retry) imports.
    upload = uploads.keep_source(job.upload_key, uploads.source_key(job.import_id))
    if upload is None or upload.size > import_rows.MAX_BYTES:
        return _fail(run, UnreadableFileError("upload_missing" if upload is None else "file_too_large",
                                              detail=str(import_rows.MAX_BYTES // (1024 * 1024))))
    try:
        summary = import_rows.summarize(uploads.stream(upload))
    except UnreadableFileError as problem:
        return _fail(run, problem)
    except uploads.ObjectChangedError:
        return _fail(run, UnreadableFileError("upload_replaced"))
    run.total = summary.rows
    run.renew()
    report = ErrorReport(job.lang, summary.delimiter)
    try:
        rules = RowRules(job.representative_crib, date.fromisoformat(job.rules_date))
        try:
            for outcome in import_rows.rows(uploads.stream(upload), rules):
                if isinstance(outcome, Row):
                    _add(run, outcome, report)
                else:
                    _failed(run, outcome, report)
                run.progress()
            _resolve(run, report)
            _flush(run, everything=True)
        except uploads.ObjectChangedError:
            # Both passes read the version pass one saw (the job's own copy: nothing but a run writes it).
            return _fail(run, UnreadableFileError("upload_replaced"))
        errors_key = None
        if report.lines:
            errors_key = uploads.report_key(job.import_id)
            uploads.put_report(errors_key, report.file())
    finally:
        report.close()
    return _finish(run, errors_key)


def _failed(run: _Run, errors: list[RowError], report: ErrorReport) -> None:
    run.failed += 1
    for error in errors:
        report.add(error)


def _duplicate(run: _Run, row: Row, first_row: int | None, report: ErrorReport) -> None:
    shown = str(first_row) if first_row else ""
    _failed(run, [RowError(row.number, import_rows.ROW_COLUMN, "duplicate_row", shown)], report)


def _add(run: _Run, row: Row, report: ErrorReport) -> None:
    key = authorizations.authorization_id(run.job.representative_crib, row)
    earlier = run.lookup.get(key) or run.buffer.get(key)
    if earlier is not None:
        _duplicate(run, row, earlier.number, report)
        return
    run.lookup[key] = row
    if len(run.lookup) >= BATCH_GET_LIMIT:
        _resolve(run, report)


def _resolve(run: _Run, report: ErrorReport) -> None:
    """Classify the looked-up rows by what exists (one consistent BatchGetItem per 100 keys)."""
    if not run.lookup:
        return
    found = authorization_store.existing(run.lookup, ("authorization_id", "import_id", "import_row"))
    for key, row in run.lookup.items():
        item = found.get(key)
        if item is None:
            if run.job.dry_run:
                _dry_run_new(run, key, row, report)
            else:
                run.buffer[key] = row
        elif item.import_id == run.job.import_id and int(item.import_row or 0) == row.number:
            run.imported += 1  # written by an earlier attempt of this very job
        elif item.import_id == run.job.import_id:
            _duplicate(run, row, int(item.import_row or 0), report)
        else:
            run.skipped += 1
    run.lookup.clear()
    _flush(run, everything=False)


def _dry_run_new(run: _Run, key: str, row: Row, report: ErrorReport) -> None:
    # A dry run writes nothing, so it remembers the keys it would import to find later duplicates:
    # 128-bit ints, at most MAX_ROWS of them (a few MB at the 100,000-row limit).
    number = int(key, 16)
    if number in run.seen:
        _duplicate(run, row, None, report)
        return
    run.seen.add(number)
    run.imported += 1


def _flush(run: _Run, *, everything: bool) -> None:
    """Write the full batches of 25 (and, at the end, the rest): the batches of one lookup chunk go out
    in parallel (each a BatchWriteItem of its own) and all are written before the next chunk's lookup,
    so a later row always finds what an earlier one wrote."""
    job = run.job
    status = ACTIVE if job.activate else PENDING
    now = int(clock.now())
    keys = list(run.buffer)
    end = len(keys) if everything else len(keys) - len(keys) % BATCH_WRITE_LIMIT
    batches = [keys[start:start + BATCH_WRITE_LIMIT] for start in range(0, end, BATCH_WRITE_LIMIT)]
    if not batches:
        return
    if clock.now() >= run.lease_until - LEASE_MARGIN:
        run.renew()

    def write(batch: list[str]) -> int:
        return authorization_store.put_batch([
            authorizations.new_item(run.buffer[key], representative=job.representative_crib, firm_name=job.firm_name,
                                    status=status, created_by=job.created_by, now=now, import_id=job.import_id)
            for key in batch])

    run.write_requests += sum(_writers().map(write, batches))
    for key in keys[:end]:
        del run.buffer[key]
    run.imported += end


WRITERS = BATCH_GET_LIMIT // BATCH_WRITE_LIMIT  # one lookup chunk's batches at once


@lru_cache(maxsize=1)
def _writers() -> ThreadPoolExecutor:
    """The threads that send BatchWriteItem requests (once per container; botocore clients are
    thread-safe): DynamoDB's latency, not this code, is what an import waits for."""
    return ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="import-writer")


def _log(job: ImportJob, status: str, **extra: object) -> None:
    log.info(f"import.{status}", extra={"import": short(job.import_id), **extra})


def _ended(run: _Run, ending: Ending, event: str, outcome: str, details: dict) -> None:
    """End the job as this run (with its audit event), then send the client notices it leaves pending."""
    job = run.job
    audit = new_event(event, actor=job.created_by, target=f"import:{job.import_id}", outcome=outcome,
                      context=RequestContext(), details=details)
    if not store.end(job, run.token, ending, audit):
        raise LeaseLostError(job.import_id)
    _log(job, ending.status, total=run.total, imported=run.imported, skipped=run.skipped, failed=run.failed,
         write_requests=run.write_requests, reason=ending.reason)
    if ending.notices_pending:
        import_notices.notify(job.import_id, run.token, None, 0)


def _ending(run: _Run, status: str, **fields: object) -> Ending:
    now = int(clock.now())
    return Ending(status, finished_at=now, lease_until=now + LEASE_SECONDS, counts=run.counts(),
                  notices_pending=bool(run.imported and not run.job.dry_run), **fields)  # type: ignore[arg-type]


def _finish(run: _Run, errors_key: str | None) -> str:
    _ended(run, _ending(run, DONE, errors_key=errors_key), "import.done", "success",
           {"total": run.total, "imported": run.imported, "skipped": run.skipped, "failed": run.failed,
            "dry_run": bool(run.job.dry_run)})
    return DONE


def _fail(run: _Run, problem: UnreadableFileError) -> str:
    """The file cannot be imported: the job fails with the reason (and the counts reached, if any)."""
    _ended(run, _ending(run, FAILED, reason=problem.reason, reason_row=problem.row, reason_detail=problem.detail),
           "import.failed", "failure", {"reason": problem.reason})
    return FAILED


def _end_unclaimed(job: ImportJob, reason: str) -> None:
    audit = new_event("import.failed", actor=job.created_by, target=f"import:{job.import_id}", outcome="failure",
                      context=RequestContext(), details={"reason": reason})
    store.end(job, None, Ending(FAILED, finished_at=int(clock.now()), lease_until=0, reason=reason), audit)
    _log(job, FAILED, reason=reason)
