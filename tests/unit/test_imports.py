"""services/imports.py against moto with a pinned clock: asking for an import (a waiting job, a
presigned upload for 15 minutes, one real import per firm at a time), support asking on a firm's
behalf, and each firm seeing only its own jobs, with an upload that never came shown as failed
from the first second after its window and 5 minutes' grace."""

from __future__ import annotations

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import imports
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.storage.import_jobs import get_job
from chalicelib.storage.users import User
from tests.unit.trail import events_about

CONTEXT = RequestContext(ip="192.0.2.7", lang="en")
FIRM = User("rep.punda", roles={"representative"}, crib="200000009", firm_name="Kantoor Punda", mfa_enabled=True)
SUPPORT = User("sam.support", roles={"support"}, mfa_enabled=True)
T0 = 1_800_000_000


def _refused(call, *args, **kwargs) -> PortalError:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalError) as refused:
        call(*args, **kwargs)
    return refused.value


def test_a_requested_import_waits_for_its_upload_for_15_minutes(aws, clock_pinned):
    started = imports.request_import(FIRM, False, CONTEXT)
    assert (len(started["import_id"]), started["dry_run"]) == (32, False)
    assert started["upload"]["fields"]["key"] == f"uploads/{started['import_id']}.csv"
    job = get_job(started["import_id"])
    assert (job.status, job.representative_crib, int(job.upload_expires), int(job.expires_at), job.rules_date) == (
        "waiting_for_upload", "200000009", T0 + 900, T0 + 30 * 86400, "2027-01-15")
    assert [event["action"] for event in events_about(f"import:{started['import_id']}")] == ["import.request"]
    assert imports.import_status(FIRM, started["import_id"], "en") == {
        "import_id": started["import_id"], "dry_run": False, "activate": False, "status": "waiting_for_upload",
        "total": 0, "processed": 0, "imported": 0, "skipped": 0, "failed": 0, "errors_csv": None, "outcome": None,
        "error_rows": []}


def test_a_firm_runs_one_real_import_at_a_time_and_dry_runs_beside_it(aws, clock_pinned):
    first = imports.request_import(FIRM, False, CONTEXT)
    assert _refused(imports.request_import, FIRM, False, CONTEXT).code is ErrorCode.IMPORT_RUNNING
    assert imports.request_import(FIRM, True, CONTEXT)["dry_run"] is True
    other_firm = User("rep.ander", roles={"representative"}, crib="300000002")
    imports.request_import(other_firm, False, CONTEXT)
    assert len(events_about(f"import:{first['import_id']}")) == 1


def test_an_upload_that_never_came_fails_after_its_window_and_grace_and_frees_the_firm(aws, clock_pinned):
    started = imports.request_import(FIRM, False, CONTEXT)
    clock_pinned.advance(15 * 60 + 5 * 60)
    assert imports.import_status(FIRM, started["import_id"], "en")["status"] == "waiting_for_upload"
    clock_pinned.advance(1)
    shown = imports.import_status(FIRM, started["import_id"], "en")
    assert (shown["status"], shown["reason"]) == ("failed", "upload_expired")
    assert shown["reason_message"]
    assert get_job(started["import_id"]).status == "waiting_for_upload"  # shown, not written
    imports.request_import(FIRM, False, CONTEXT)


def test_only_a_representative_with_a_firm_crib_asks_and_only_its_own_jobs_are_shown(aws, clock_pinned):
    for user in (User("klant", roles={"taxpayer"}, crib="100000002"), User("rep.zonder", roles={"representative"})):
        assert _refused(imports.request_import, user, False, CONTEXT).code is ErrorCode.FORBIDDEN
    started = imports.request_import(FIRM, False, CONTEXT)
    other_firm = User("rep.ander", roles={"representative"}, crib="300000002")
    for user, import_id in ((other_firm, started["import_id"]), (FIRM, "0" * 32), (FIRM, "x" * 65), (FIRM, "")):
        assert _refused(imports.import_status, user, import_id, "en").code is ErrorCode.NOT_FOUND


def test_support_asks_on_a_firms_behalf_with_a_reason(aws, clock_pinned):
    create_account("rep.punda", "rep@example.org", None, roles=["representative"], crib="200000009",
                   firm_name="Kantoor Punda")
    started = imports.request_import_for(SUPPORT, " Rep.Punda ", dry_run=False, signed_forms_received=True,
                                         reason="forms received by post", context=CONTEXT)
    job = get_job(started["import_id"])
    assert (job.created_by, job.activate, job.representative_crib) == ("sam.support", True, "200000009")
    [event] = events_about(f"import:{started['import_id']}")
    assert (event["actor"], event["reason"], event["details"]) == (
        "sam.support", "forms received by post",
        {"representative": "rep.punda", "representative_crib": "200000009", "dry_run": False, "activate": True})
    assert imports.import_status_for(SUPPORT, "rep.punda", started["import_id"], "en")["activate"] is True


def test_support_is_refused_for_an_unknown_firm_or_without_a_reason(aws, clock_pinned):
    create_account("klant.een", "klant@example.org", None, crib="100000002")
    for username in ("nobody.here", "klant.een"):
        refusal = _refused(imports.request_import_for, SUPPORT, username, dry_run=True, signed_forms_received=False,
                           reason="r", context=CONTEXT)
        assert (refusal.code, refusal.field) == (ErrorCode.NOT_FOUND, "username")
    create_account("rep.punda", "rep@example.org", None, roles=["representative"], crib="200000009")
    refusal = _refused(imports.request_import_for, SUPPORT, "rep.punda", dry_run=False, signed_forms_received=False,
                       reason=" ", context=CONTEXT)
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_REQUEST, "reason")
    imports.request_import(User("rep.punda", roles={"representative"}, crib="200000009"), False, CONTEXT)
