"""The import jobs table: one item per bulk import (its status, counts and lease), and one slot item
per representative CRIB that serializes the writers of that representative's authorizations.

Every status transition is one conditional request, so at most one processor works on a job:
  waiting_for_upload -> processing   (claim: also when a processing run's lease has lapsed)
  processing -> done | failed        (only by the run holding the lease: run_token)
The slot (key "slot#<representative CRIB>") is taken when a real (not dry-run) import is requested
and released when it ends; while a run holds it, `writing_until` tells single registrations of that
representative to wait (they check it in their own transaction). See storage/authorizations.py for
why that makes the unconditional BatchWriteItem puts safe.

A history item per representative CRIB (key "history#<CRIB>") lists the ids of the firm's imports,
newest last, appended in the transaction that creates each job: the firm's past imports without an
index over the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import size
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.base import Conflict, is_condition_failure, meta, transaction_connection

WAITING = "waiting_for_upload"
PROCESSING = "processing"
DONE = "done"
FAILED = "failed"
# A running import keeps the slot this long past its lease, so when its run dies, the retried event
# (Lambda retries after about 1 and 3 minutes) finds the slot still its own.
SLOT_AFTER_LEASE = 5 * 60


class ImportJob(Model):
    Meta = meta("import_jobs", ttl_attribute="expires_at")

    import_id = UnicodeAttribute(hash_key=True)
    representative_crib = UnicodeAttribute()
    firm_name = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = NumberAttribute()
    dry_run = BooleanAttribute(default=False)
    # Support imported with "signed forms received": the authorizations start active, not pending.
    activate = BooleanAttribute(default=False)
    lang = UnicodeAttribute(default="nl")  # of the error report and the reason text
    rules_date = UnicodeAttribute()  # YYYY-MM-DD: "today" for the row rules, fixed so retries agree
    status = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    reason_row = NumberAttribute(null=True)
    reason_detail = UnicodeAttribute(null=True)
    upload_key = UnicodeAttribute()
    upload_expires = NumberAttribute()
    total = NumberAttribute(default=0)
    processed = NumberAttribute(default=0)
    imported = NumberAttribute(default=0)
    skipped = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    errors_key = UnicodeAttribute(null=True)
    run_token = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(default=0)
    attempts = NumberAttribute(default=0)
    started_at = NumberAttribute(null=True)
    finished_at = NumberAttribute(null=True)
    notices = UnicodeAttribute(default="none")  # none | pending | sent
    notified_through = UnicodeAttribute(null=True)  # last client CRIB whose notice went out
    notices_sent = NumberAttribute(default=0)
    expires_at = NumberAttribute()  # TTL: jobs are kept for a while, then DynamoDB removes them


class ImportSlot(Model):
    """Shares the import jobs table (a differently keyed item); not in tables.models()."""

    Meta = meta("import_jobs")

    import_id = UnicodeAttribute(hash_key=True)  # "slot#<representative CRIB>"
    holder = UnicodeAttribute(null=True)  # import id
    held_until = NumberAttribute(null=True)
    writing_until = NumberAttribute(null=True)


def slot_key(representative_crib: str) -> str:
    return f"slot#{representative_crib}"


def not_writing(now: int):  # type: ignore[no-untyped-def]
    """The condition (on the slot item) that no import of the representative is writing at `now`."""
    return ImportSlot.writing_until.does_not_exist() | (ImportSlot.writing_until < now)


class NoticeMarker(Model):
    """One per client notice of an import that went out (key "notice#<import id>#<client CRIB>"), in the
    import jobs table: a sender that takes over skips every client with a marker. Not in tables.models()."""

    Meta = meta("import_jobs", ttl_attribute="expires_at")

    import_id = UnicodeAttribute(hash_key=True)
    sent_at = NumberAttribute()
    expires_at = NumberAttribute()


def _marker_key(import_id: str, client_crib: str) -> str:
    return f"notice#{import_id}#{client_crib}"


class ImportHistory(Model):
    """The ids of one representative's imports, oldest first (key "history#<representative CRIB>"), in the
    import jobs table; expires with the newest job. Not in tables.models()."""

    Meta = meta("import_jobs", ttl_attribute="expires_at")

    import_id = UnicodeAttribute(hash_key=True)
    import_ids = ListAttribute(of=UnicodeAttribute, default=list)
    expires_at = NumberAttribute()


# The history keeps this many ids: older jobs have expired from the table by then anyway at any
# realistic pace, and the item stays far below DynamoDB's 400 KB.
HISTORY_LENGTH = 500


def history_key(representative_crib: str) -> str:
    return f"history#{representative_crib}"


def history(representative_crib: str) -> list[str]:
    """The representative's import ids, newest first."""
    try:
        item = ImportHistory.get(history_key(representative_crib), consistent_read=True)
    except DoesNotExist:
        return []
    return list(reversed(item.import_ids or []))


def trim_history(representative_crib: str, length: int) -> None:
    """Drop the oldest ids beyond HISTORY_LENGTH (conditional on the length read, so a concurrent
    append is never lost: then the next reader trims)."""
    surplus = length - HISTORY_LENGTH
    if surplus <= 0:
        return
    try:
        ImportHistory(history_key(representative_crib)).update(
            actions=[ImportHistory.import_ids[index].remove() for index in range(surplus)],
            condition=size(ImportHistory.import_ids) == length)
    except UpdateError as error:
        if not is_condition_failure(error):
            raise


@dataclass(frozen=True)
class Counts:
    """How far a run got: every row counted once, in exactly one of imported, skipped, failed."""

    total: int = 0
    imported: int = 0
    skipped: int = 0
    failed: int = 0

    def actions(self) -> list:
        return [ImportJob.total.set(self.total), ImportJob.imported.set(self.imported),
                ImportJob.skipped.set(self.skipped), ImportJob.failed.set(self.failed),
                ImportJob.processed.set(self.imported + self.skipped + self.failed)]


@dataclass(frozen=True)
class Ending:
    """A job's last transition: done, or failed with a reason (a catalogue code and where it was found).

    `notices_pending` leaves the client notices to the run that ended the job (it keeps the lease
    `lease_until` for them)."""

    status: str
    finished_at: int
    lease_until: int
    counts: Counts | None = None
    notices_pending: bool = False
    errors_key: str | None = None
    reason: str | None = None
    reason_row: int | None = None
    reason_detail: str | None = None

    def actions(self) -> list:
        actions = [ImportJob.status.set(self.status), ImportJob.finished_at.set(self.finished_at)]
        if self.counts is not None:
            actions += [*self.counts.actions(), ImportJob.lease_until.set(self.lease_until),
                        ImportJob.notices.set("pending" if self.notices_pending else "none")]
        optional = ((ImportJob.errors_key, self.errors_key), (ImportJob.reason, self.reason),
                    (ImportJob.reason_row, self.reason_row), (ImportJob.reason_detail, self.reason_detail))
        return actions + [attribute.set(value) for attribute, value in optional if value]


def get_job(import_id: str) -> ImportJob | None:
    if import_id.startswith(("slot#", "notice#", "history#")):
        return None
    try:
        return ImportJob.get(import_id, consistent_read=True)
    except DoesNotExist:
        return None


class SlotTakenError(Conflict):
    """Another import of the same representative holds the slot."""


def create_job(job: ImportJob, audit: AuditEvent, *, now: int, hold_slot_until: int | None) -> None:
    """Store a new job (and, for a real import, take the representative's slot) with its audit event,
    in one transaction. Raises SlotTakenError while another import of the representative holds it."""
    try:
        with recorded_transaction(audit) as transaction:
            if hold_slot_until is not None:
                transaction.update(
                    ImportSlot(slot_key(job.representative_crib)),
                    actions=[ImportSlot.holder.set(job.import_id), ImportSlot.held_until.set(hold_slot_until),
                             ImportSlot.writing_until.remove()],
                    condition=ImportSlot.holder.does_not_exist() | (ImportSlot.held_until < now),
                )
            transaction.save(job, condition=ImportJob.import_id.does_not_exist())
            transaction.update(
                ImportHistory(history_key(job.representative_crib)),
                actions=[ImportHistory.import_ids.set((ImportHistory.import_ids | []).append([job.import_id])),
                         ImportHistory.expires_at.set(job.expires_at)],
            )
    except Conflict as conflict:
        raise SlotTakenError() from conflict


def _held_by(import_id: str, run_token: str) -> ImportJob | None:
    """The job if `run_token` holds it: a claim whose answer was lost, sent again by botocore, fails
    its own condition although it was applied."""
    job = get_job(import_id)
    return job if job is not None and job.run_token == run_token else None


def claim(import_id: str, *, representative_crib: str, holds_slot: bool, now: int, lease_until: int,
          run_token: str) -> ImportJob | None:
    """Make this run the job's only processor: from waiting_for_upload, or from processing whose lease
    lapsed (the previous run died). Counters restart at zero: a run recounts the whole file.

    Returns the claimed job; None when the job is not claimable (done, failed, or being processed).
    Raises SlotTakenError when the representative's slot went to another import meanwhile.
    """
    job = ImportJob(import_id)
    actions = [
        ImportJob.status.set(PROCESSING), ImportJob.run_token.set(run_token), ImportJob.lease_until.set(lease_until),
        ImportJob.attempts.add(1), ImportJob.started_at.set(now), *Counts().actions(),
    ]
    condition = ImportJob.import_id.exists() & (
        (ImportJob.status == WAITING) | ((ImportJob.status == PROCESSING) & (ImportJob.lease_until < now)))
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            if holds_slot:
                transaction.condition_check(ImportSlot, slot_key(representative_crib),
                                            condition=ImportSlot.holder == import_id)
            transaction.update(job, actions=actions, condition=condition)
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise
        held = _held_by(import_id, run_token)
        if held is not None:
            return held
        reasons = error.cancellation_reasons or []
        if holds_slot and reasons and reasons[0] is not None:
            raise SlotTakenError() from error
        return None
    return get_job(import_id)


def release_lease(job: ImportJob, run_token: str, *, now: int) -> None:
    """A run that failed unexpectedly gives its lease back (lapsed as of `now`), so the retried event
    can claim the job at once; the representative's slot stays with the job for that retry."""
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            transaction.update(ImportJob(job.import_id), actions=[ImportJob.lease_until.set(now - 1)],
                               condition=ImportJob.run_token == run_token)
            if not job.dry_run:
                transaction.update(ImportSlot(slot_key(job.representative_crib)),
                                   actions=[ImportSlot.held_until.set(now + SLOT_AFTER_LEASE),
                                            ImportSlot.writing_until.remove()],
                                   condition=ImportSlot.holder == job.import_id)
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise
        # The job ended meanwhile (the run failed while sending its client notices) and its slot went
        # with the ending: the lease alone is given back, so the retried event resumes the notices now.
        _give_back_lease(job.import_id, run_token, now)


def _give_back_lease(import_id: str, run_token: str, now: int) -> None:
    try:
        ImportJob(import_id).update(actions=[ImportJob.lease_until.set(now - 1)],
                                    condition=ImportJob.run_token == run_token)
    except UpdateError as error:
        if not is_condition_failure(error):
            raise


def renew(job: ImportJob, run_token: str, lease_until: int, counts: Counts) -> bool:
    """Record progress and extend the lease (and the slot's writing window); False when this run no
    longer holds the job (another run took it over: stop without writing anything more)."""
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            transaction.update(ImportJob(job.import_id),
                               actions=[ImportJob.lease_until.set(lease_until), *counts.actions()],
                               condition=(ImportJob.run_token == run_token) & (ImportJob.status == PROCESSING))
            if not job.dry_run:
                transaction.update(ImportSlot(slot_key(job.representative_crib)),
                                   actions=[ImportSlot.held_until.set(lease_until + SLOT_AFTER_LEASE),
                                            ImportSlot.writing_until.set(lease_until)],
                                   condition=ImportSlot.holder == job.import_id)
    except TransactWriteError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def end(job: ImportJob, run_token: str | None, ending: Ending, audit: AuditEvent) -> bool:
    """The job's last transition (done or failed) and its audit event in one transaction, then the
    slot's release. `run_token` None ends a job no run holds (e.g. its upload came too late).
    False when the condition no longer holds (another run owns the job, or it ended already); a
    transaction whose answer was lost counts as applied (its audit event is stored)."""
    if run_token is None:
        condition = (ImportJob.status == WAITING) | (
            (ImportJob.status == PROCESSING) & (ImportJob.lease_until < int(audit.at)))
    else:
        condition = (ImportJob.run_token == run_token) & (ImportJob.status == PROCESSING)
    try:
        with recorded_transaction(audit) as transaction:
            transaction.update(ImportJob(job.import_id), actions=ending.actions(), condition=condition)
    except Conflict:
        return False
    if not job.dry_run:
        release_slot(job)
    return True


def release_slot(job: ImportJob) -> None:
    """Free the representative's slot if this job still holds it (conditional, so never another's)."""
    try:
        ImportSlot(slot_key(job.representative_crib)).update(
            actions=[ImportSlot.holder.remove(), ImportSlot.held_until.remove(), ImportSlot.writing_until.remove()],
            condition=ImportSlot.holder == job.import_id,
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise


def claim_notices(import_id: str, *, now: int, lease_until: int, run_token: str) -> ImportJob | None:
    """Take over an ended job's client notices whose sender died (lease lapsed); None while another
    sender's lease holds (or nothing is pending)."""
    try:
        ImportJob(import_id).update(
            actions=[ImportJob.run_token.set(run_token), ImportJob.lease_until.set(lease_until)],
            condition=(ImportJob.status.is_in(DONE, FAILED) & (ImportJob.notices == "pending")
                       & (ImportJob.lease_until < now)),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return _held_by(import_id, run_token)
        raise
    return get_job(import_id)


def _notices_update(import_id: str, run_token: str, actions: list) -> bool:
    try:
        ImportJob(import_id).update(actions=actions, condition=(ImportJob.run_token == run_token)
                                    & (ImportJob.notices == "pending"))
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def notices_progress(import_id: str, run_token: str, *, through: str, sent: int, lease_until: int) -> bool:
    """Record how far the client notices got (`through`: the last client CRIB of a finished batch) and
    extend the sender's lease; False when this sender no longer holds the job."""
    return _notices_update(import_id, run_token, [ImportJob.notified_through.set(through),
                                                  ImportJob.notices_sent.set(sent),
                                                  ImportJob.lease_until.set(lease_until)])


def notices_done(import_id: str, run_token: str, *, sent: int) -> bool:
    """Every client notice went out: the job's notices are settled and its lease given back."""
    return _notices_update(import_id, run_token, [ImportJob.notices.set("sent"), ImportJob.notices_sent.set(sent),
                                                  ImportJob.lease_until.set(0)])


def notice_sent(import_id: str, client_crib: str) -> bool:
    """Whether this import's notice to this client went out already (a marker is stored)."""
    try:
        NoticeMarker.get(_marker_key(import_id, client_crib), consistent_read=True)
    except DoesNotExist:
        return False
    return True


def mark_notice_sent(import_id: str, client_crib: str, *, now: int, expires_at: int) -> None:
    """Record that this client's notice went out (written once: an upsert of the same marker is harmless)."""
    NoticeMarker(_marker_key(import_id, client_crib)).update(
        actions=[NoticeMarker.sent_at.set(now), NoticeMarker.expires_at.set(expires_at)])
