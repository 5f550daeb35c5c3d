"""Dates as three fields (services/date_parts.py): the registration accepts dag, maand and jaar, and
refuses each wrong part with a message that names it, in the user's language."""

from __future__ import annotations

import pytest

from tests.api.conftest import body

REP = "/api/v1/representative/authorizations"


@pytest.fixture
def firm(make_api, full_login, clock_pinned):
    api = make_api()
    full_login(api, "rep.punda", roles=("representative",), crib="200000009", firm_name="Kantoor Punda")
    return api


def parts(name: str, day: str, month: str, year: str) -> dict:
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def register(api, start=("1", "1", "2027"), end=("", "", ""), lang="nl"):
    payload = {"client_crib": "100000002", "tax_type": "IB", **parts("start_date", *start), **parts("end_date", *end)}
    return api.post(f"{REP}?lang={lang}", payload)


def test_three_fields_make_the_dates(firm):
    created = register(firm, ("7", "03", "2027"), ("31", "12", "2028"))
    assert created.status_code == 201, created.body
    assert (body(created)["start_date"], body(created)["end_date"]) == ("2027-03-07", "2028-12-31")
    open_ended = register(firm, ("1", "4", "2027"))
    assert open_ended.status_code == 201 and body(open_ended)["end_date"] is None


@pytest.mark.parametrize("start, end, field, message", [
    (("32", "1", "2027"), ("", "", ""), "start_date_day", "Ingangsdatum: de dag moet een getal van 1 tot en met 31"),
    (("0", "1", "2027"), ("", "", ""), "start_date_day", "de dag moet een getal van 1 tot en met 31 zijn"),
    (("1", "13", "2027"), ("", "", ""), "start_date_month", "Ingangsdatum: de maand moet een getal van 1 tot en"),
    (("1", "x", "2027"), ("", "", ""), "start_date_month", "de maand moet"),
    (("1", "1", "27"), ("", "", ""), "start_date_year", "Ingangsdatum: het jaar moet uit 4 cijfers bestaan"),
    (("1", "1", "2200"), ("", "", ""), "start_date_year", "van 1950 tot en met 2100"),
    (("", "", ""), ("", "", ""), "start_date_day", "Ingangsdatum: vul de dag, de maand en het jaar in."),
    (("1", "", "2027"), ("", "", ""), "start_date_month", "Ingangsdatum: vul de dag, de maand en het jaar in."),
    (("31", "2", "2027"), ("", "", ""), "start_date_day", "Ingangsdatum: deze datum bestaat niet."),
    (("1", "1", "2027"), ("1", "", ""), "end_date_month", "Einddatum: vul de dag, de maand en het jaar in, of laat"),
    (("1", "1", "2027"), ("30", "2", "2028"), "end_date_day", "Einddatum: deze datum bestaat niet."),
])
def test_each_wrong_part_is_named(firm, start, end, field, message):
    refused = register(firm, start, end)
    assert refused.status_code == 400
    error = body(refused)["error"]
    assert error["field"] == field and message in error["message"], error


def test_the_message_is_in_the_users_language(firm):
    english = body(register(firm, ("1", "13", "2027"), lang="en"))["error"]["message"]
    assert english.startswith("Start date: the month must be a number from 1 to 12.")
    papiamentu = body(register(firm, ("1", "1", "20"), lang="pap"))["error"]["message"]
    assert papiamentu.startswith("Fecha di inisio: e aña mester tin 4 sifra")


def test_the_period_rules_still_apply_to_dates_from_parts(firm):
    refused = register(firm, ("1", "1", "2028"), ("1", "1", "2027"))
    assert refused.status_code == 400 and body(refused)["error"]["field"] == "end_date"


def test_the_page_has_three_fields_per_date_and_no_date_picker(firm):
    page = firm.get("/representative").body.decode()
    assert 'type="date"' not in page
    for name in ("start_date", "end_date"):
        for part in ("day", "month", "year"):
            assert f'name="{name}_{part}" type="text" inputmode="numeric"' in page
    assert "<legend>Ingangsdatum</legend>" in page and ">Dag</label>" in page and ">Maand</label>" in page
