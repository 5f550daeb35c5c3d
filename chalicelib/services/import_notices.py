"""Client notices of a bulk import: one summary mail per client account when the import is done
("N authorizations of firm X await your confirmation", or for support's signed-forms imports "are
active"), never one mail per row and never inside an API request.

The pass walks the import's items through a sparse index ordered by client CRIB, looks up and mails
50 clients at a time in parallel (a large import has tens of thousands of clients), and records how
far it got under the job's lease, so a retried event resumes there. Each notice that went out leaves
a marker (storage/import_jobs.py), so a sender that takes over skips every client already told: a
notice is sent again only when its sender died between SES taking the mail and the marker being
written, or SES's answer was lost (SES has no idempotency key). A notice SES would not take leaves
the pass unfinished: the event is delivered again and only the clients without a marker are mailed.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from chalicelib import clock
from chalicelib.services import notifications
from chalicelib.services.accounts import STAFF_ROLES
from chalicelib.services.authorizations import actor_label, firm_label
from chalicelib.storage import authorizations as authorization_store
from chalicelib.storage import import_jobs as store
from chalicelib.storage.users import find_by_crib, get_user

log = logging.getLogger("portal.imports")

LEASE_SECONDS = 90  # of whoever works on a job (processing or notices); renewed as the work goes on
NOTICE_CHECKPOINT = 50  # clients between records of how far the notices got
NOTICE_WORKERS = 8  # parallel account lookups and mails within one such batch


MARKER_RETENTION = 30 * 24 * 3600  # as long as the job itself is kept


class NoticesIncompleteError(Exception):
    """SES would not take some notices: the pass stops before them, so a retried event sends them."""


def send_notices(import_id: str) -> bool:
    """Resume the client notices of a finished job whose sender died (claimed with a fresh lease).
    False while another sender's lease holds them (the event must come again later)."""
    now = int(clock.now())
    token = secrets.token_hex(16)
    job = store.claim_notices(import_id, now=now, lease_until=now + LEASE_SECONDS, run_token=token)
    if job is None:
        current = store.get_job(import_id)
        return current is None or current.notices != "pending"
    notify(import_id, token, job.notified_through, int(job.notices_sent or 0))
    return True


def _clients(import_id: str, after: str | None) -> Iterator[tuple[str, int]]:
    """(client CRIB, number of this import's authorizations for it), in CRIB order."""
    current, count = None, 0
    for crib in authorization_store.clients_of_import(import_id, after):
        if crib != current and current is not None:
            yield current, count
            count = 0
        current = crib
        count += 1
    if current is not None:
        yield current, count


INDEX_WAIT_ATTEMPTS = 20


def _await_index(import_id: str, expected: int) -> None:
    """The import index is a GSI (eventually consistent): wait until it lists every imported item, so
    the CRIB-ordered pass does not miss the last clients. Bounded; notices go out regardless."""
    for _ in range(INDEX_WAIT_ATTEMPTS):
        if authorization_store.count_of_import(import_id) >= expected:
            return
        time.sleep(0.5)
    log.warning("import.index_lagging", extra={"import": import_id[:12]})


def _batches(pairs: Iterator[tuple[str, int]], size: int) -> Iterator[list[tuple[str, int]]]:
    batch: list[tuple[str, int]] = []
    for pair in pairs:
        batch.append(pair)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def notify(import_id: str, token: str, after: str | None, sent: int) -> None:
    """One summary mail per client account, in CRIB order, 50 clients at a time (their account lookups
    and mails in parallel: a large import has tens of thousands of clients), a marker per client told
    and a record of how far it got after each 50, so a retry continues where a dead sender stopped
    and skips whoever it told already."""
    job = store.get_job(import_id)
    assert job is not None
    if after is None:
        _await_index(import_id, int(job.imported))
    kind = notifications.MailKind("authorizations_registered" if job.activate else "authorizations_imported")
    creator = get_user(job.created_by)
    by_desk = creator is None or bool(set(creator.roles or ()) & STAFF_ROLES)

    def tell(pair: tuple[str, int]) -> tuple[int, bool]:
        """(mails sent, whether the client is told) for one client CRIB."""
        crib, count = pair
        if store.notice_sent(import_id, crib):
            return 0, True
        results = [notifications.send(user, kind, count=count,
                                      firm=firm_label(job.firm_name, job.representative_crib, user.language or "nl"),
                                      actor=actor_label(job.created_by, user.language or "nl", staff=by_desk))
                   for user in find_by_crib(crib)]
        if all(results):
            now = int(clock.now())
            store.mark_notice_sent(import_id, crib, now=now, expires_at=now + MARKER_RETENTION)
        return sum(results), all(results)

    with ThreadPoolExecutor(max_workers=NOTICE_WORKERS) as pool:
        for batch in _batches(_clients(import_id, after), NOTICE_CHECKPOINT):
            outcomes = list(pool.map(tell, batch))
            sent += sum(count for count, _ in outcomes)
            if not all(told for _, told in outcomes):
                raise NoticesIncompleteError(import_id)
            if not store.notices_progress(import_id, token, through=batch[-1][0], sent=sent,
                                          lease_until=int(clock.now()) + LEASE_SECONDS):
                return
    store.notices_done(import_id, token, sent=sent)
