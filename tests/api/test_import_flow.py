"""What a firm sees of its imports (services/import_history.py, services/import_rows.py column names):
the downloadable template in the firm's language, Dutch column names, a result headed by its outcome
with the refused rows on the page, a trial import that says "gecontroleerd", and the history of past
imports with error reports that can be downloaded again."""

from __future__ import annotations

import csv
import io
import re

import pytest
import requests

from tests.api.conftest import body
from tests.api.test_imports import FIRM_CRIB, IMPORTS, deliver, run_import, start, status, upload


@pytest.fixture
def firm(make_api, full_login, clock_pinned):
    api = make_api()
    full_login(api, "rep.punda", roles=("representative",), crib=FIRM_CRIB, firm_name="Kantoor Punda")
    return api


DUTCH = (b"crib;belastingsoort;ingangsdatum;einddatum;naam;kenmerk\r\n"
         b"100000010;IB;01-01-2027;31-12-2027;J. Klant;D-1\r\n"
         b"100000028;WB;01-01-2027;;;D-2\r\n"
         b"12345;IB;01-01-2027;;;D-3\r\n"
         b"100000036;XX;01-01-2027;;;D-4\r\n"
         b"100000044;OB;2027-13-01;;;D-5\r\n")


def test_the_template_is_in_the_firms_language_and_imports_as_it_is(firm):
    dutch = firm.get("/representative/import-template.csv?lang=nl")
    assert dutch.status_code == 200 and dutch.headers["Content-Type"].startswith("text/csv")
    assert 'filename="machtigingen-voorbeeld.csv"' in dutch.headers["Content-Disposition"]
    text = dutch.body.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";")) == [
        ["crib", "belastingsoort", "ingangsdatum", "einddatum", "naam", "kenmerk"],
        ["100000002", "IB", "01-01-2027", "31-12-2027", "J. Jansen", "DOSSIER-1"]]
    english = firm.get("/representative/import-template.csv?lang=en").body.decode("utf-8-sig")
    assert english.splitlines()[0] == "client_crib,tax_type,start_date,end_date,client_name,reference"
    job = run_import(firm, dutch.body)
    assert (job["status"], job["imported"], job["failed"]) == ("done", 1, 0), job


def test_a_template_is_only_for_representatives(make_api, full_login):
    taxpayer = make_api()
    full_login(taxpayer, "klant.een", crib="100000002")
    assert taxpayer.get("/representative/import-template.csv").status_code == 403


def test_dutch_column_names_import_and_the_outcome_heads_the_result(firm):
    job = run_import(firm, DUTCH)
    assert (job["status"], job["total"], job["imported"], job["failed"]) == ("done", 5, 2, 3), job
    assert job["outcome"] == "3 van 5 rijen geweigerd"
    assert [(row["row"], row["column"]) for row in job["error_rows"]] == [
        ("4", "client_crib"), ("5", "tax_type"), ("6", "start_date")]
    assert "9 cijfers" in job["error_rows"][0]["message"] and job["error_rows"][0]["value"] == "12345"


def test_english_names_keep_working_and_a_clean_import_says_registered(firm):
    job = run_import(firm, b"client_crib,tax_type,start_date,end_date\n100000010,IB,2027-01-01,\n")
    assert job["outcome"] == "Alle 1 rijen verwerkt: 1 geregistreerd, 0 al aanwezig" and job["error_rows"] == []


@pytest.mark.parametrize("header, reason", [
    ("klant;soort;datum;eind\r\n", "missing_header"),
    ("crib;belastingsoort;ingangsdatum;einde\r\n", "unknown_column"),
])
def test_an_unknown_column_name_is_named_with_every_accepted_name(firm, header, reason):
    job = run_import(firm, (header + "100000010;IB;01-01-2027;\r\n").encode())
    assert (job["status"], job["reason"]) == ("failed", reason), job
    for name in ("crib", "client_crib", "belastingsoort", "tax_type", "ingangsdatum", "start_date", "einddatum",
                 "end_date", "kenmerk", "reference"):
        assert name in job["reason_message"], name
    assert job["outcome"] == "Het bestand is niet ingelezen"


def test_a_missing_column_is_named_in_english_and_dutch(firm):
    job = run_import(firm, b"crib;belastingsoort;ingangsdatum\r\n100000010;IB;01-01-2027\r\n")
    assert job["reason"] == "missing_columns" and "end_date / einddatum" in job["reason_message"], job


def test_a_trial_import_says_checked_never_registered(firm):
    job = run_import(firm, DUTCH, dry_run=True)
    assert job["dry_run"] and job["outcome"] == "Proefimport: 3 van 5 rijen geweigerd"
    clean = run_import(firm, b"crib,belastingsoort,ingangsdatum,einddatum\n100000010,IB,2027-01-01,\n", dry_run=True)
    assert clean["outcome"] == "Proefimport: alle 1 rijen gecontroleerd, geen fouten"
    assert "geregistreerd" not in clean["outcome"]
    english = body(firm.get(f"{IMPORTS}/{clean['import_id']}?lang=en"))
    assert english["outcome"] == "Trial import: all 1 rows checked, no errors"
    page = firm.get("/representative").body.decode()
    assert "Gecontroleerd en in orde: {imported}" in page  # the trial import's counts on the page


def history_rows(page: str) -> list[str]:
    table = re.search(r'<table id="history-table">.*?<tbody>(.*?)</tbody>', page, re.S)
    return re.findall(r"<tr data-import-id=\"([0-9a-f]{32})\">(.*?)</tr>", table.group(1), re.S) if table else []


def test_the_history_lists_past_imports_with_outcome_and_a_fresh_report_link(firm, make_api, full_login):
    assert "Uw kantoor heeft nog geen imports gedaan." in firm.get("/representative").body.decode()
    first = run_import(firm, DUTCH)
    second = run_import(firm, DUTCH, dry_run=True)
    rows = history_rows(firm.get("/representative").body.decode())
    assert [import_id for import_id, _ in rows] == [second["import_id"], first["import_id"]]  # newest first
    assert "Proefimport" in rows[0][1] and "Proefimport: 3 van 5 rijen geweigerd" in rows[0][1]
    assert "3 van 5 rijen geweigerd" in rows[1][1] and "rep.punda" in rows[1][1]
    assert f'href="/representative/imports/{first["import_id"]}/errors.csv"' in rows[1][1]

    # The report again, later: each visit presigns a short-lived link to the same report.
    again = firm.get(f"/representative/imports/{first['import_id']}/errors.csv")
    assert again.status_code == 302
    assert again.headers["Location"].split("?")[0] == first["errors_csv"].split("?")[0]
    assert "X-Amz-Expires=300" in again.headers["Location"]
    report = requests.get(again.headers["Location"], timeout=30).content.decode("utf-8-sig")
    assert [line.split(";")[0] for line in report.splitlines()[1:]] == ['"4"', '"5"', '"6"']

    # Another firm sees neither the history nor the report.
    other = make_api()
    full_login(other, "rep.otrobanda", roles=("representative",), crib="300000007", firm_name="Otrobanda")
    assert history_rows(other.get("/representative").body.decode()) == []
    refused = other.get(f"/representative/imports/{first['import_id']}/errors.csv")
    assert refused.status_code == 404 and "Foutenrapport niet gevonden" in refused.body.decode()


def test_an_import_without_errors_has_no_report_and_an_old_one_is_gone(firm):
    from chalicelib.storage.import_jobs import ImportJob

    clean = run_import(firm, b"crib,belastingsoort,ingangsdatum,einddatum\n100000010,IB,2027-01-01,\n")
    failed = run_import(firm, DUTCH, dry_run=True)
    rows = dict(history_rows(firm.get("/representative").body.decode()))
    assert "Geen fouten" in rows[clean["import_id"]]
    # Finished 8 days ago: the imports bucket keeps reports 7 days.
    job = ImportJob.get(failed["import_id"])
    job.update(actions=[ImportJob.finished_at.set(int(job.finished_at) - 8 * 86400)])
    rows = dict(history_rows(firm.get("/representative").body.decode()))
    assert "Niet meer beschikbaar" in rows[failed["import_id"]]
    assert firm.get(f"/representative/imports/{failed['import_id']}/errors.csv").status_code == 404


def test_a_desk_import_shows_as_the_desks_without_naming_staff(firm, make_api, full_login):
    desk = make_api()
    full_login(desk, "helpdesk.anna", roles=("support",))
    started = start(desk, path="/api/v1/admin/representatives/rep.punda/imports", reason="Formulieren ontvangen")
    upload(started, DUTCH)
    assert deliver() == 1
    assert status(desk, started["import_id"], "/api/v1/admin/representatives/rep.punda/imports")["outcome"] == (
        "3 van 5 rijen geweigerd")
    (row,) = history_rows(firm.get("/representative").body.decode())
    assert "Klantenservice" in row[1] and "helpdesk.anna" not in row[1]


def test_a_desk_import_is_audited_with_the_staff_member_and_the_firm(firm, make_api, full_login):
    from chalicelib.storage.audit import by_target

    desk = make_api()
    full_login(desk, "helpdesk.anna", roles=("support",))
    started = start(desk, path="/api/v1/admin/representatives/rep.punda/imports", reason="Formulieren ontvangen",
                    signed_forms_received=True)
    (event,) = [event for event in by_target(f"import:{started['import_id']}", 10, None)
                if event.action == "import.request"]
    assert (event.actor, event.reason) == ("helpdesk.anna", "Formulieren ontvangen")
    assert event.details["representative"] == "rep.punda" and event.details["representative_crib"] == FIRM_CRIB
    assert event.details["activate"] is True


def test_the_desk_page_of_a_firm_offers_the_import_and_may_upload(firm, make_api, full_login):
    desk = make_api()
    full_login(desk, "helpdesk.anna", roles=("support",))
    page = desk.get("/support/users/rep.punda")
    html = page.body.decode()
    assert page.status_code == 200 and "Machtigingen inlezen namens dit kantoor" in html
    assert 'data-username="rep.punda"' in html and 'name="signed_forms_received"' in html
    policy = page.headers["Content-Security-Policy"].split("; ")
    connect = next(part for part in policy if part.startswith("connect-src"))
    assert len(connect.split()) == 3  # 'self' and the uploads' origin
    # A taxpayer's desk page has no import.
    full_login(make_api(), "klant.een", crib="100000002")
    assert "Machtigingen inlezen namens dit kantoor" not in desk.get("/support/users/klant.een").body.decode()


def test_the_firms_list_exports_as_csv_in_the_users_language(firm):
    run_import(firm, DUTCH)
    firm.post("/api/v1/representative/authorizations", {"client_crib": "100000051", "tax_type": "OB",
                                                        "start_date": "2027-02-01", "reference": "D-9"})
    exported = firm.get("/representative/authorizations.csv?lang=nl")
    assert exported.status_code == 200 and 'filename="machtigingen.csv"' in exported.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(exported.body.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["CRIB-nummer cliënt", "Naam cliënt", "Belastingsoort", "Periode", "Status", "Kenmerk"]
    assert len(lines) == 4  # the two imported and the one registered, newest first
    assert lines[1][0] == "100000051" and lines[1][5] == "D-9"
    assert ["100000010", "J. Klant", "IB — Inkomstenbelasting", "01-01-2027 t/m 31-12-2027",
            "Wacht op bevestiging", "D-1"] in lines
    pending_only = firm.get("/representative/authorizations.csv?status=active&lang=en").body.decode("utf-8-sig")
    assert pending_only.splitlines() == ['"Client CRIB number","Client name","Tax type","Period","Status","Reference"']
    assert firm.get("/representative/authorizations.csv?status=bogus").status_code == 400
