"""Bulk import of authorizations ("massaal machtigingen inlezen", docs/authorizations.md): asking
for an import and reading its status.

A representative (or support on their behalf) asks for an import and gets a presigned POST; the
browser uploads the CSV straight to S3; the upload's S3 event starts the processing function
(services/import_processing.py), never an API request. A real (not dry-run) import holds the
representative's slot from the request until it ends, so a firm runs one at a time (see
storage/import_jobs.py and storage/authorizations.py for why that matters).
"""

from __future__ import annotations

import secrets

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.i18n import t
from chalicelib.roles import Role
from chalicelib.services import authorizations
from chalicelib.services.accounts import normalize_username
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.authorizations import representative_crib
from chalicelib.services.staff import authorize, require_staff
from chalicelib.storage import import_jobs as store
from chalicelib.storage import uploads
from chalicelib.storage.import_jobs import DONE, FAILED, PROCESSING, WAITING, ImportJob
from chalicelib.storage.users import User, get_user

UPLOAD_WINDOW = 15 * 60  # the presigned POST's lifetime
SLOT_GRACE = 5 * 60  # how long after the upload window an unstarted import keeps the representative's slot
JOB_RETENTION = 30 * 24 * 3600
REPORT_LINK_SECONDS = 300
NAMING_REASONS = ("unknown_column", "missing_header")


# ---------------------------------------------------------------- asking for an import


def _new_import(actor: User, representative: User, *, dry_run: bool, activate: bool, reason: str | None,
                context: RequestContext) -> dict:
    crib = representative_crib(representative)
    now = int(clock.now())
    import_id = secrets.token_hex(16)
    job = ImportJob(
        import_id, representative_crib=crib, firm_name=representative.firm_name, created_by=actor.username,
        created_at=now, dry_run=dry_run, activate=activate, lang=context.lang,
        rules_date=authorizations.today().isoformat(), status=WAITING, upload_key=uploads.upload_key(import_id),
        upload_expires=now + UPLOAD_WINDOW, expires_at=now + JOB_RETENTION,
    )
    audit = new_event("import.request", actor=actor.username, target=f"import:{import_id}", outcome="success",
                      context=context, reason=reason,
                      details={"representative": representative.username, "representative_crib": crib,
                               "dry_run": dry_run, "activate": activate})
    try:
        store.create_job(job, audit, now=now, hold_slot_until=None if dry_run else now + UPLOAD_WINDOW + SLOT_GRACE)
    except store.SlotTakenError:
        raise PortalError(ErrorCode.IMPORT_RUNNING) from None
    from chalicelib.services.import_rows import MAX_BYTES  # the file rules, loaded where first needed

    post = uploads.presigned_post(job.upload_key, MAX_BYTES, UPLOAD_WINDOW)
    return {"import_id": import_id, "dry_run": dry_run, "upload": {"url": post["url"], "fields": post["fields"]}}


def request_import(user: User, dry_run: bool, context: RequestContext) -> dict:
    """POST /representative/imports: a job waiting for its upload, and the presigned POST for it."""
    return _new_import(user, user, dry_run=dry_run, activate=False, reason=None, context=context)


def _representative_named(username: str) -> User | None:
    name = normalize_username(username)
    user = get_user(name) if 0 < len(name) <= 64 else None
    return user if user and Role.REPRESENTATIVE in (user.roles or ()) and user.crib else None


def request_import_for(actor: User, username: str, *, dry_run: bool, signed_forms_received: bool,
                       reason: str | None, context: RequestContext) -> dict:
    """POST /admin/representatives/{username}/imports: support imports on a representative's behalf;
    with the client's signed forms received the authorizations start active."""
    representative = _representative_named(username)
    why = authorize(actor, "import.request", context, reason=reason, target=representative or username)
    if representative is None:
        raise PortalError(ErrorCode.NOT_FOUND, field="username")
    return _new_import(actor, representative, dry_run=dry_run, activate=signed_forms_received, reason=why,
                       context=context)


# ---------------------------------------------------------------- job status


def _reason_view(job: ImportJob, lang: str) -> dict:
    row = str(job.reason_row) if job.reason_row else "?"
    # These reasons name every accepted column, the Dutch names too.
    key = f"import_flow.reason.{job.reason}" if job.reason in NAMING_REASONS else f"import.reason.{job.reason}"
    return {"reason": job.reason, "reason_message": t(key, lang, row=row, detail=job.reason_detail or "")}


def job_view(job: ImportJob, lang: str, *, with_link: bool = True) -> dict:
    """What GET .../imports/{id} answers. An upload that never came, and a run that died and was not
    retried while its slot lasted, show as failed (upload_expired, interrupted): the representative
    may start a new import then, and what was already written is skipped by it."""
    status = job.status
    shown: dict = {"import_id": job.import_id, "dry_run": bool(job.dry_run), "activate": bool(job.activate)}
    if status == WAITING and clock.now() > job.upload_expires + SLOT_GRACE:
        status, job.reason = FAILED, "upload_expired"
    elif status == PROCESSING and clock.now() > job.lease_until + store.SLOT_AFTER_LEASE:
        status, job.reason = FAILED, "interrupted"
    shown.update(status=status, total=int(job.total), processed=int(job.processed), imported=int(job.imported),
                 skipped=int(job.skipped), failed=int(job.failed), errors_csv=None)
    if status == FAILED:
        shown.update(_reason_view(job, lang))
    from chalicelib.services.import_history import outcome

    shown["outcome"] = outcome(shown, lang)
    if with_link and job.errors_key and status in (DONE, FAILED):
        shown["errors_csv"] = uploads.download_url(job.errors_key, f"import-{job.import_id[:8]}-errors.csv",
                                                   REPORT_LINK_SECONDS)
    return shown


def owned_job(crib: str, import_id: str) -> ImportJob:
    job = store.get_job(import_id) if 0 < len(import_id) <= 64 else None
    if job is None or job.representative_crib != crib:
        raise PortalError(ErrorCode.NOT_FOUND)
    return job


def import_status(user: User, import_id: str, lang: str) -> dict:
    """GET /representative/imports/{id}: only the firm's own imports (others answer 404)."""
    return _with_error_rows(owned_job(representative_crib(user), import_id), lang)


def _with_error_rows(job: ImportJob, lang: str) -> dict:
    """The status, and once the import has ended its first refused rows to show on the page."""
    from chalicelib.services.import_history import error_rows

    shown = job_view(job, lang)
    shown["error_rows"] = error_rows(job) if shown["status"] in (DONE, FAILED) else []
    return shown


def import_status_for(actor: User, username: str, import_id: str, lang: str) -> dict:
    """GET /admin/representatives/{username}/imports/{id} for the support desk."""
    require_staff(actor)
    representative = _representative_named(username)
    if representative is None:
        raise PortalError(ErrorCode.NOT_FOUND, field="username")
    return _with_error_rows(owned_job(representative_crib(representative), import_id), lang)
