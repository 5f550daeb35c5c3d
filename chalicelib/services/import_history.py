"""What a firm sees of its imports besides the one running: the outcome of an import in words ("5 van 9
rijen geweigerd"; a trial import "gecontroleerd", never "geregistreerd"), the list of its past imports,
and their error reports, downloadable again with a fresh short-lived link for as long as the imports
bucket keeps them."""

from __future__ import annotations

from datetime import datetime

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.i18n import t
from chalicelib.services.authorizations import representative_crib
from chalicelib.services.imports import REPORT_LINK_SECONDS, job_view, owned_job
from chalicelib.services.notifications import PORTAL_TIME
from chalicelib.storage import import_jobs as store
from chalicelib.storage import uploads
from chalicelib.storage.import_jobs import DONE, FAILED, ImportJob
from chalicelib.storage.users import User

SHOWN = 20  # the newest imports the page lists
# The imports bucket's lifecycle removes reports after this many days (infra: the bucket's expiry).
REPORT_DAYS = 7


def outcome(shown: dict, lang: str) -> str | None:
    """The heading of a finished import's result, from its status view; None while it runs."""
    if shown["status"] == FAILED and not shown["total"] and not shown["processed"]:
        return t("import_flow.outcome.unreadable", lang)
    if shown["status"] not in (DONE, FAILED):
        return None
    trial = "checked_" if shown["dry_run"] else ""
    if shown["failed"]:
        return t(f"import_flow.outcome.{trial}rejected", lang, failed=shown["failed"], total=shown["total"])
    key = "import_flow.outcome.checked" if shown["dry_run"] else "import_flow.outcome.registered"
    return t(key, lang, total=shown["total"], imported=shown["imported"], skipped=shown["skipped"])


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, PORTAL_TIME).strftime("%d-%m-%Y %H:%M")


def _report_kept(job: ImportJob) -> bool:
    return bool(job.errors_key) and clock.now() - float(job.finished_at or job.created_at) < REPORT_DAYS * 86400


ROWS_SHOWN = 20
_REPORT_HEAD = 32 * 1024  # enough for ROWS_SHOWN rows: values are cut at 60 characters in the report


def error_rows(job: ImportJob) -> list[dict]:
    """The first refused rows of a finished import as its report has them (row, column, message,
    value), for the page to show under the outcome; the report itself has them all."""
    if not job.errors_key:
        return []
    import csv
    import io

    head = uploads.report_head(job.errors_key, _REPORT_HEAD).decode("utf-8-sig", errors="ignore")
    lines = head.splitlines(keepends=True)
    if len(head) >= _REPORT_HEAD and lines:
        lines = lines[:-1]  # the last line may be cut off by the range
    delimiter = ";" if lines and lines[0].count(";") > lines[0].count(",") else ","
    rows = list(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))[1:ROWS_SHOWN + 1]
    return [{"row": row[0], "column": row[1], "message": row[3], "value": row[4]} for row in rows if len(row) == 5]


def history(user: User, lang: str) -> list[dict]:
    """The firm's newest imports, newest first, each with its outcome and whether its report is there
    (none for a representative account without its firm's CRIB: it cannot import)."""
    if not user.crib:
        return []
    crib = representative_crib(user)
    ids = store.history(crib)
    store.trim_history(crib, len(ids))
    rows = []
    for import_id in ids[:SHOWN]:
        job = store.get_job(import_id)
        if job is None or job.representative_crib != crib:
            continue  # expired from the table
        shown = job_view(job, lang, with_link=False)
        kind = "dry_run" if job.dry_run else "activate" if job.activate else "import"
        by = job.created_by if job.created_by == user.username else None
        rows.append({"import_id": job.import_id, "when": _when(job.created_at), "kind": kind,
                     "by": by, "by_desk": by is None, "status": shown["status"],
                     "outcome": outcome(shown, lang) or t("import_flow.history.running", lang),
                     "reason_message": shown.get("reason_message"),
                     "report": "kept" if _report_kept(job) else "gone" if job.errors_key else "none"})
    return rows


def report_link(user: User, import_id: str) -> str:
    """A fresh presigned link to one of the firm's error reports; 404 when there is none (any more)."""
    job = owned_job(representative_crib(user), import_id)
    if not _report_kept(job) or uploads.describe(job.errors_key) is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    return uploads.download_url(job.errors_key, f"import-{job.import_id[:8]}-errors.csv", REPORT_LINK_SECONDS)
