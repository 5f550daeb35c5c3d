"""The representative portal for real: `make run`'s stage and Chromium. The demo representative logs
in with password + TOTP, uploads a CSV with good and bad rows straight to S3 from the browser, watches
the progress bar to the end (processing started by the upload itself), downloads the error report;
the demo client then confirms one of the new authorizations on "Machtigingen". Plus: parallel
confirmations of one authorization change it exactly once."""

from __future__ import annotations

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor

from infra.local import DEMO_ACCOUNTS
from tests.e2e.conftest import fresh_code, screenshot

ACCOUNTS = {account["username"]: account for account in DEMO_ACCOUNTS}
ADVISER, CLIENT = ACCOUNTS["demo.adviseur"], ACCOUNTS["demo.klant"]

# demo.klant is CRIB 100000002; the file is what an adviser's spreadsheet exports (Dutch: semicolons).
IMPORT_FILE = (
    "client_crib;tax_type;start_date;end_date;client_name;reference\r\n"
    "100000002;WB;01-03-2026;31-12-2028;Demo Klant;DK-1\r\n"
    "100000002;LB;2026-03-01;;Demo Klant;DK-2\r\n"
    "100000010;IB;2026-01-01;;Andere Klant;AK-1\r\n"
    "12345678;IB;2026-01-01;;Te kort;X-1\r\n"
    "100000011;XB;2026-01-01;;Onbekend;X-2\r\n"
    "100000012;IB;2026-02-30;;Geen datum;X-3\r\n"
    "100000013;OB;2026-01-01;;=HYPERLINK(\"http://example.org\");X-4\r\n"
    "100000002;WB;2026-03-01;2028-12-31;Dubbel;DK-1\r\n"
)


def log_in(page, portal, account: dict) -> None:
    """Password, then the authenticator's code for a time step this account has not used yet."""
    page.goto(f"{portal.url}/login")
    page.get_by_label("Gebruikersnaam").fill(account["username"])
    page.get_by_label("Wachtwoord", exact=True).fill(account["password"])
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/login/totp")
    page.get_by_label("6-cijferige code").fill(fresh_code(account["username"], account["totp_secret"]))
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/portal")


def api_login(portal, account: dict):
    """A logged-in HTTP session (password + a TOTP code for a time step this account has not used)."""
    http = portal.session()
    assert http.post(f"{portal.url}/api/v1/auth/login",
                     json={"username": account["username"], "password": account["password"]}).status_code == 200
    code = fresh_code(account["username"], account["totp_secret"])
    assert http.post(f"{portal.url}/api/v1/auth/totp", json={"code": code}).status_code == 200
    return http


def test_representative_imports_and_client_confirms(portal, browser, page, check_accessibility):
    log_in(page, portal, ADVISER)
    page.get_by_role("link", name="Vertegenwoordigersportaal").click()
    page.wait_for_url("**/representative")
    assert page.get_by_role("heading", name="Vertegenwoordigersportaal", level=1).is_visible()
    assert "Demo Belastingadvies B.V." in page.inner_text("main")
    check_accessibility(page)

    # Upload the file; the page records every progress state it shows.
    page.get_by_label("CSV-bestand").set_input_files(
        {"name": "machtigingen.csv", "mimeType": "text/csv", "buffer": IMPORT_FILE.encode("utf-8")})
    page.evaluate("""() => {
        window.seenProgress = [];
        const bar = document.getElementById('import-progress');
        new MutationObserver(() => window.seenProgress.push([bar.value, bar.max]))
            .observe(bar, {attributes: true});
    }""")
    page.get_by_role("button", name="Bestand inlezen").click()
    page.wait_for_selector("#import-status[data-state=done]", timeout=60_000)
    status = page.locator("#import-status")
    # The result is headed by its outcome; the rows refused are shown on the page, not only in the report.
    assert status.get_by_role("heading", level=3).inner_text() == "5 van 8 rijen geweigerd"
    assert page.locator("#import-state").inner_text() == "Klaar"
    refused = page.locator("#import-error-table tbody tr")
    assert refused.count() == 5 and refused.first.locator("td").first.inner_text() == "5"
    assert "CRIB" in refused.first.inner_text()
    assert page.locator("#import-progress-text").inner_text() == "8 van 8 rijen verwerkt"
    assert page.evaluate("document.getElementById('import-progress').value") == 8
    seen = page.evaluate("window.seenProgress")
    assert seen and seen[-1] == [8, 8]
    counts = page.locator("#import-counts").inner_text()
    assert "Geregistreerd: 3" in counts and "Afgekeurd: 5" in counts and "Totaal: 8" in counts
    # The import is in the firm's history, with its outcome and a report that can be downloaded again.
    latest = page.locator("#history-table tbody tr").first
    latest.filter(has_text="5 van 8 rijen geweigerd").wait_for()
    assert latest.get_by_role("link", name="Downloaden").is_visible()
    check_accessibility(page)
    screenshot(page, "representative-import-done-nl")
    with page.expect_download() as again:
        latest.get_by_role("link", name="Downloaden").click()
    assert open(again.value.path(), encoding="utf-8-sig").read().splitlines()[0] == (  # noqa: SIM115
        '"rij";"kolom";"foutcode";"melding";"waarde"')

    # The error report: one line per problem, in Dutch, with the semicolons of the upload, and a
    # formula cell a spreadsheet shows as text.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download het foutenrapport (CSV)").click()
    content = open(download_info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    lines = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert lines[0] == ["rij", "kolom", "foutcode", "melding", "waarde"]
    assert {(line[0], line[2]) for line in lines[1:]} == {
        ("5", "invalid_crib"), ("6", "unknown_tax_type"), ("7", "invalid_date"), ("8", "formula_cell"),
        ("9", "duplicate_row")}
    assert next(line for line in lines if line[0] == "8")[4].startswith("'=HYPERLINK")

    # The firm's list shows the new authorizations, pending.
    page.get_by_label("Toon").select_option("pending")
    page.locator("#authorizations tbody tr", has_text="DK-2").wait_for()
    assert "Wacht op bevestiging" in page.locator("#authorizations tbody tr", has_text="DK-2").inner_text()

    # The client logs in in another browser and confirms one of them.
    client_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    client = client_context.new_page()
    client.set_default_timeout(15_000)
    try:
        log_in(client, portal, CLIENT)
        client.get_by_role("link", name="Machtigingen").click()
        client.wait_for_url("**/authorizations")
        row = client.locator("#authorizations tbody tr", has_text="Winstbelasting")
        row.wait_for()
        assert "Demo Belastingadvies B.V." in row.inner_text() and "Wacht op bevestiging" in row.inner_text()
        check_accessibility(client)
        screenshot(client, "client-authorizations-nl")
        # Each row's links name their authorization for screen readers; no browser confirm() anywhere.
        check = row.get_by_role("link", name="Controleren en bevestigen")
        assert "Winstbelasting van Demo Belastingadvies B.V." in check.inner_text()
        assert row.get_by_role("link", name="Weigeren").is_visible()
        client.on("dialog", lambda dialog: (_ for _ in ()).throw(AssertionError(f"a dialog: {dialog.message}")))
        check.click()
        client.wait_for_url("**/authorizations/*/confirm")
        client.get_by_role("heading", name="Controleer en bevestig").wait_for()
        summary = client.locator(".summary-list").inner_text()
        assert "Demo Belastingadvies B.V." in summary and "WB — Winstbelasting" in summary
        assert re.search(r"Periode\s+(vanaf \d\d-\d\d-\d{4}|\d\d-\d\d-\d{4} t/m \d\d-\d\d-\d{4})", summary)
        check_accessibility(client)
        screenshot(client, "client-authorization-check-nl")
        client.get_by_role("button", name="Machtiging bevestigen").click()
        client.wait_for_url("**/authorizations?done=confirm&id=*")
        client.get_by_role("heading", name="Machtiging bevestigd").wait_for()
        confirmed = client.locator("#authorizations tbody tr", has_text="Winstbelasting")
        confirmed.get_by_text("Actief").wait_for()
        assert confirmed.get_by_role("link", name="Controleren en bevestigen").count() == 0
        assert confirmed.get_by_role("link", name="Intrekken").is_visible()
        check_accessibility(client)
        screenshot(client, "client-authorization-confirmed-nl")
        # Back does not return to the check page of a change already made.
        client.go_back()
        assert "/confirm" not in client.url
    finally:
        client_context.close()

    # The representative sees it active.
    page.get_by_label("Toon").select_option("active")
    page.locator("#authorizations tbody tr", has_text="DK-1").wait_for()


def test_parallel_confirmations_change_an_authorization_once(portal):
    """Twenty confirmations of one pending authorization at the same moment: one 204, the rest 409."""
    adviser, client = api_login(portal, ADVISER), api_login(portal, CLIENT)
    created = adviser.post(f"{portal.url}/api/v1/representative/authorizations",
                           json={"client_crib": CLIENT["crib"], "tax_type": "OB", "start_date": "2026-07-01"})
    assert created.status_code == 201, created.text
    identifier = created.json()["id"]

    def confirm(_: int) -> int:
        http = portal.session()
        http.cookies.update(client.cookies)
        return http.post(f"{portal.url}/api/v1/authorizations/{identifier}/confirm").status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(confirm, range(20)))
    assert sorted(statuses) == [204] + [409] * 19, statuses
    listed = {item["id"]: item for item in client.get(f"{portal.url}/api/v1/authorizations").json()["items"]}
    assert listed[identifier]["status"] == "active"


def test_dates_as_three_fields_with_a_message_at_the_wrong_part(portal, page, check_accessibility):
    """GOV.UK's date input: dag, maand, jaar as text fields (never the browser's mm/dd/yyyy picker); the
    server names the wrong part; in Dutch, then in English."""
    log_in(page, portal, ADVISER)
    page.goto(f"{portal.url}/representative")
    assert page.locator("input[type=date]").count() == 0
    page.get_by_label("CRIB-nummer cliënt (9 cijfers)").fill(CLIENT["crib"])
    page.get_by_label("Belastingsoort").select_option("LB")
    start = page.get_by_role("group", name="Ingangsdatum")
    start.get_by_label("Dag", exact=True).fill("31")
    start.get_by_label("Maand", exact=True).fill("2")
    start.get_by_label("Jaar", exact=True).fill("2027")
    page.get_by_role("button", name="Machtiging registreren").click()
    error = page.locator("#start_date_day-error")
    error.wait_for()
    assert error.inner_text().startswith("Ingangsdatum: deze datum bestaat niet.")
    assert start.get_by_label("Dag", exact=True).get_attribute("aria-invalid") == "true"
    check_accessibility(page)
    screenshot(page, "representative-date-input-error-nl")
    start.get_by_label("Dag", exact=True).fill("28")
    page.get_by_role("button", name="Machtiging registreren").click()
    page.locator("#single-done").wait_for()

    # The firm's list: searched, sorted and exported.
    rows = page.locator("#authorizations tbody tr:visible")
    rows.filter(has_text="28-02-2027").wait_for()
    page.get_by_label("Zoeken in de lijst").fill("loonbelasting 28-02-2027")
    page.locator("#list-shown").filter(has_text="1 van").wait_for()
    assert rows.count() == 1 and "LB" in rows.first.inner_text()
    page.get_by_label("Zoeken in de lijst").fill("")
    page.get_by_label("Sorteren op").select_option("client_crib")
    cells = page.locator("#authorizations tbody tr:visible td.column-client_crib")
    cribs = [text.strip() for text in cells.all_inner_texts()]
    assert cribs == sorted(cribs) and cribs
    with page.expect_download() as exported:
        page.get_by_role("link", name="Exporteer de lijst (CSV)").click()
    lines = open(exported.value.path(), encoding="utf-8-sig").read().splitlines()  # noqa: SIM115
    assert lines[0].startswith('"CRIB-nummer cliënt";"Naam cliënt";"Belastingsoort"')
    assert any("28-02-2027" in line and "LB" in line for line in lines[1:])

    page.goto(f"{portal.url}/representative?lang=en")
    end = page.get_by_role("group", name="End date")
    page.get_by_label("Client CRIB number").fill(CLIENT["crib"])
    page.get_by_role("group", name="Start date").get_by_label("Day", exact=True).fill("1")
    page.get_by_role("group", name="Start date").get_by_label("Month", exact=True).fill("3")
    page.get_by_role("group", name="Start date").get_by_label("Year", exact=True).fill("2027")
    end.get_by_label("Month", exact=True).fill("13")
    page.get_by_role("button", name="Register authorization").click()
    page.locator("#end_date_day-error, #end_date_month-error").filter(has_text="End date:").first.wait_for()
    check_accessibility(page)
    screenshot(page, "representative-date-input-en")


def test_the_desk_imports_on_the_firms_behalf(portal, page, check_accessibility):
    """From the representative account's desk page, with a reason: a trial import in Dutch column names,
    headed by its outcome, the refused row on the page; the firm's history shows it as the desk's."""
    log_in(page, portal, ACCOUNTS["demo.support"])
    page.goto(f"{portal.url}/support/users/{ADVISER['username']}")
    form = page.locator("#import-form")
    form.get_by_role("heading", name="Machtigingen inlezen namens dit kantoor").wait_for()
    form.get_by_label("CSV-bestand").set_input_files({"name": "kantoor.csv", "mimeType": "text/csv", "buffer": (
        b"crib;belastingsoort;ingangsdatum;einddatum\r\n100000002;OB;01-01-2027;\r\n100000002;ZZ;01-01-2027;\r\n"
    )})
    form.get_by_label("Alleen controleren").check()
    form.get_by_label("Reden").fill("Bestand per e-mail ontvangen, eerst gecontroleerd")
    form.get_by_role("button", name="Bestand inlezen namens het kantoor").click()
    outcome = page.locator("#import-outcome")
    outcome.filter(has_text="Proefimport: 1 van 2 rijen geweigerd").wait_for(timeout=60_000)
    assert page.locator("#import-error-table tbody tr").count() == 1
    assert "Gecontroleerd en in orde: 1" in page.locator("#import-counts").inner_text()
    check_accessibility(page)
    screenshot(page, "support-import-nl")

    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/logged-out")
    log_in(page, portal, ADVISER)
    page.goto(f"{portal.url}/representative")
    latest = page.locator("#history-table tbody tr").first
    assert "Klantenservice" in latest.inner_text() and "Proefimport: 1 van 2 rijen geweigerd" in latest.inner_text()
