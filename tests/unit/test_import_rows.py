"""The import file format: every bad-input case of the issue, read as a stream of chunks."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from chalicelib.services import import_rows
from chalicelib.services.import_rows import (
    ErrorReport,
    Row,
    RowError,
    RowRules,
    UnreadableFileError,
    parse_date,
    rows,
    spreadsheet_safe,
    summarize,
)

RULES = RowRules(representative_crib="200000009", today=date(2027, 1, 15))
HEADER = "client_crib,tax_type,start_date,end_date\n"


def chunks(data: bytes, size: int = 7) -> list[bytes]:
    """Small chunks, so every rule is also tested across chunk boundaries."""
    return [data[index:index + size] for index in range(0, len(data), size)]


def outcomes(text: str | bytes) -> list[Row | list[RowError]]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(rows(chunks(data), RULES))


def only_error(outcome: Row | list[RowError]) -> RowError:
    assert isinstance(outcome, list) and len(outcome) == 1, outcome
    return outcome[0]


def problem(data: bytes) -> UnreadableFileError:
    with pytest.raises(UnreadableFileError) as raised:
        summarize(chunks(data))
    return raised.value


def test_good_rows_in_both_date_forms_and_open_end():
    result = outcomes(HEADER + "100000002,IB,2027-01-01,2027-12-31\n100000003,ob,01-02-2027,\n")
    assert result == [
        Row(2, "100000002", "IB", date(2027, 1, 1), date(2027, 12, 31)),
        Row(3, "100000003", "OB", date(2027, 2, 1), None),
    ]
    assert summarize(chunks((HEADER + "100000002,IB,2027-01-01,\n").encode())).rows == 1


def test_optional_columns_in_any_order():
    text = ("reference,end_date,client_name,tax_type,start_date,client_crib\n"
            "K-12,,Bakkerij Punda,LB,2027-01-01,100000002\n")
    (row,) = outcomes(text)
    assert row == Row(2, "100000002", "LB", date(2027, 1, 1), None, "Bakkerij Punda", "K-12")


def test_semicolon_delimiter_is_detected():
    summary = summarize(chunks(b"client_crib;tax_type;start_date;end_date\r\n100000002;WB;2027-01-01;\r\n"))
    assert (summary.rows, summary.delimiter) == (1, ";")


def test_bom_and_crlf():
    data = b"\xef\xbb\xbf" + (HEADER.replace("\n", "\r\n") + "100000002,IB,2027-01-01,\r\n").encode()
    (row,) = list(rows(chunks(data, 1), RULES))
    assert isinstance(row, Row) and row.client_crib == "100000002"


def test_quoted_fields_with_delimiters_and_newlines():
    text = ("client_crib,tax_type,start_date,end_date,client_name\n"
            '100000002,IB,2027-01-01,,"Bakker, J. ""Jan"""\n'
            '100000003,IB,2027-01-01,,"Line one\nline two"\n')
    first, second = outcomes(text)
    assert first.client_name == 'Bakker, J. "Jan"'
    assert isinstance(second, list) and second[0].code == "invalid_characters"


@pytest.mark.parametrize(("crib", "code"), [
    ("12345678", "invalid_crib"), ("1234567890", "invalid_crib"), ("12345678A", "invalid_crib"),
    ("123 456 789", "invalid_crib"), ("", "required"), ("200000009", "own_crib"),
])
def test_nine_digit_crib_rule(crib, code):
    error = only_error(outcomes(HEADER + f"{crib},IB,2027-01-01,\n")[0])
    assert (error.row, error.column, error.code) == (2, "client_crib", code)


def test_crib_keeps_leading_zeros():
    (row,) = outcomes(HEADER + "012345678,IB,2027-01-01,\n")
    assert row.client_crib == "012345678"


def test_unknown_tax_type():
    error = only_error(outcomes(HEADER + "100000002,XX,2027-01-01,\n")[0])
    assert (error.column, error.code, error.value) == ("tax_type", "unknown_tax_type", "XX")


@pytest.mark.parametrize("value", ["2027-02-30", "31-04-2027", "2027-13-01", "2027/01/01", "1-1-2027",
                                   "tomorrow", "0001-01-01", "2027-1-1"])
def test_impossible_or_malformed_dates(value):
    error = only_error(outcomes(HEADER + f"100000002,IB,{value},\n")[0])
    assert (error.column, error.code) == ("start_date", "invalid_date")
    assert parse_date(value) is None


def test_leap_day_exists_only_in_leap_years():
    assert parse_date("29-02-2028") == date(2028, 2, 29)
    assert parse_date("2027-02-29") is None


def test_end_before_start_and_end_in_the_past():
    before, past = outcomes(HEADER + "100000002,IB,2027-06-01,2027-05-31\n100000002,IB,2026-01-01,2026-12-31\n")
    assert (only_error(before).column, only_error(before).code) == ("end_date", "end_before_start")
    assert only_error(past).code == "end_in_past"


def test_every_problem_of_a_row_is_reported_once_per_column():
    (outcome,) = outcomes(HEADER + "12,XX,nope,\n")
    assert [(error.column, error.code) for error in outcome] == [
        ("client_crib", "invalid_crib"), ("tax_type", "unknown_tax_type"), ("start_date", "invalid_date")]


def test_extra_or_missing_cells_in_a_row():
    extra, missing = outcomes(HEADER + "100000002,IB,2027-01-01,,surplus\n100000002,IB\n")
    assert (only_error(extra).code, only_error(missing).code) == ("wrong_column_count", "wrong_column_count")


def test_over_long_cells():
    text = "client_crib,tax_type,start_date,end_date,client_name\n" + f"100000002,IB,2027-01-01,,{'x' * 201}\n"
    error = only_error(outcomes(text)[0])
    assert (error.column, error.code) == ("client_name", "cell_too_long")
    huge = only_error(outcomes(HEADER + f"{'9' * 200_000},IB,2027-01-01,\n")[0])
    assert (huge.column, huge.code) == ("client_crib", "cell_too_long")


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_cells_starting_with_formula_characters_fail(prefix):
    text = "client_crib,tax_type,start_date,end_date,reference\n" + f"100000002,IB,2027-01-01,,{prefix}SUM(A1)\n"
    error = only_error(outcomes(text)[0])
    assert (error.column, error.code) == ("reference", "formula_cell")


def test_blank_lines_are_not_rows_but_keep_spreadsheet_numbering():
    result = outcomes(HEADER + "\n100000002,IB,2027-01-01,\n ,  ,,\n100000003,IB,2027-01-01,\n")
    assert [row.number for row in result] == [3, 5]
    assert summarize(chunks((HEADER + "\n100000002,IB,2027-01-01,\n\n").encode())).rows == 1


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty_file"),
    (b"\n\r\n  \n", "empty_file"),
    (b"\xef\xbb\xbf", "empty_file"),
    (HEADER.encode(), "no_rows"),
    (b"100000002,IB,2027-01-01,\n", "missing_header"),
    (b"client_crb,tax_type,start_date,end_date\n100000002,IB,2027-01-01,\n", "unknown_column"),
    (b"client_crib,tax_type,start_date\n100000002,IB,2027-01-01\n", "missing_columns"),
    (b"client_crib,tax_type,start_date,end_date,tax_type\n", "duplicate_column"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary", "binary_file"),
    (HEADER.encode() + b"100000002,IB,2027-01-01,\n\x00\x00\x00\x0dIHDR\x89PNG", "binary_file"),
    (bytes(range(256)) * 4, "binary_file"),
    (b"\xde\xad\xbe\xef\xff\xfe junk without any NUL byte", "not_utf8"),
    (HEADER.encode() + b"1000000\xe902,IB,2027-01-01,\n", "not_utf8"),
    ("client_crib,tax_type,start_date,end_date\n".encode("utf-16"), "not_utf8"),
    (HEADER.encode() + b'100000002,IB,"2027-01-01"x,\n', "malformed_csv"),
    (HEADER.encode() + b'100000002,IB,2027-01-01,"never closed\n', "malformed_csv"),
])
def test_files_that_cannot_be_read_at_all(data, reason):
    assert problem(data).reason == reason


def test_latin1_file_names_the_first_bad_line():
    error = problem(HEADER.encode() + b"100000002,IB,2027-01-01,\n100000003,IB,2027-01-01,\nCura\xe7ao,,,\n")
    assert (error.reason, error.row) == ("not_utf8", 4)


def test_misspelled_column_is_named():
    error = problem(b"client_crib,tax_typ,start_date,end_date\n")
    assert (error.reason, error.detail) == ("unknown_column", "tax_typ")


def test_more_than_the_row_limit(monkeypatch):
    monkeypatch.setattr(import_rows, "MAX_ROWS", 3)
    data = (HEADER + "100000002,IB,2027-01-01,\n" * 4).encode()
    assert problem(data).reason == "too_many_rows"
    assert summarize(chunks((HEADER + "100000002,IB,2027-01-01,\n" * 3).encode())).rows == 3


def test_spreadsheet_safe_cells():
    assert [spreadsheet_safe(value) for value in ("=1+1", "+31", "-2", "@SUM(A1)", "\tx", "\rx", "Jan", "")] == [
        "'=1+1", "'+31", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "Jan", ""]


def test_error_report_is_localized_and_formula_safe():
    report = ErrorReport("nl", delimiter=";")
    report.add(RowError(7, "client_crib", "invalid_crib", "=HYPERLINK(\"http://evil\")"))
    report.add(RowError(8, "reference", "formula_cell", "@SUM(A1:A9)"))
    content = report.file().read()
    report.close()
    assert content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["rij", "kolom", "foutcode", "melding", "waarde"]
    assert lines[1][:3] == ["7", "client_crib", "invalid_crib"]
    assert "9 cijfers" in lines[1][3]
    assert lines[1][4] == "'=HYPERLINK(\"http://evil\")"
    assert lines[2][4] == "'@SUM(A1:A9)"
    for line in lines[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in line)


def test_error_report_in_english_and_papiamentu():
    for lang, header in (("en", "row"), ("pap", "rei")):
        report = ErrorReport(lang)
        report.add(RowError(2, "tax_type", "unknown_tax_type", "XX"))
        lines = list(csv.reader(io.StringIO(report.file().read().decode("utf-8-sig"))))
        report.close()
        assert lines[0][0] == header
        assert lines[1][3] and lines[1][3] != "import.row.unknown_tax_type"
