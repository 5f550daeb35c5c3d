"""Reading and checking bulk-authorization files (docs/authorizations.md, the import format), and
writing the error report. Pure Python over an iterator of byte chunks, so a file is read as a stream:
memory holds one buffered block and one record, never the whole file.

A file either cannot be read at all (`UnreadableFileError`, the job fails with that reason before anything is
written) or yields one outcome per data row: a checked `Row`, or the `RowError`s that make it fail.
Blank records are not data rows; row numbers are record numbers as a spreadsheet shows them
(the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO

from chalicelib.i18n import t
from chalicelib.services import tax_types

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
REQUIRED_COLUMNS = ("client_crib", "tax_type", "start_date", "end_date")
OPTIONAL_COLUMNS = ("client_name", "reference")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Dutch column names a firm's own spreadsheet may use, each meaning one of COLUMNS (compared after
# lower-casing, with spaces and hyphens as underscores). The English names keep working.
DUTCH_COLUMNS = {
    "client_crib": ("crib", "crib_klant", "crib_client", "crib_cliënt", "crib_nummer", "cribnummer"),
    "tax_type": ("belastingsoort", "belasting_soort", "soort_belasting"),
    "start_date": ("ingangsdatum", "begindatum", "startdatum"),
    "end_date": ("einddatum",),
    "client_name": ("naam", "naam_klant", "naam_client", "naam_cliënt", "klantnaam"),
    "reference": ("kenmerk", "referentie"),
}
_COLUMN_NAMES = {**{name: name for name in COLUMNS},
                 **{alias: column for column, aliases in DUTCH_COLUMNS.items() for alias in aliases}}


def column_name(cell: str) -> str | None:
    """The column a header cell names, in English or Dutch; None for an unknown name."""
    return _COLUMN_NAMES.get(re.sub(r"[\s\-]+", "_", cell.strip().lower()))


def template_csv(lang: str) -> str:
    """The file a firm can start from: the header and one example row, in the firm's language (Dutch
    names, `;` and DD-MM-YYYY as a Dutch spreadsheet writes them; in English the English names)."""
    if lang == "en":
        delimiter, columns, start, end = ",", COLUMNS, "2027-01-01", "2027-12-31"
    else:
        delimiter, start, end = ";", "01-01-2027", "31-12-2027"
        columns = tuple(DUTCH_COLUMNS[column][0] for column in COLUMNS)
    example = ("100000002", "IB", start, end, t("import_flow.template.example_name", lang),
               t("import_flow.template.example_reference", lang))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerow(example)
    return "\ufeff" + buffer.getvalue()


def column_names(column: str) -> str:
    """A column as an error message names it: its English name and its first Dutch one."""
    return f"{column} / {DUTCH_COLUMNS[column][0]}"
# Longest accepted cell per column; longer cells fail the row with `cell_too_long`.
CELL_LIMITS = {"client_crib": 32, "tax_type": 32, "start_date": 32, "end_date": 32,
               "client_name": 200, "reference": 100}
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CRIB = re.compile(r"^[0-9]{9}$")
ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
DUTCH_DATE = re.compile(r"^([0-9]{2})-([0-9]{2})-([0-9]{4})$")
EARLIEST_YEAR, LATEST_YEAR = 1950, 2100
READ_BLOCK = 64 * 1024
ROW_COLUMN = "*"  # the column of an error about the whole row (its cell count, a duplicate row)

# The csv module refuses fields over 128 KiB by raising mid-file; the 10 MB file limit bounds a field
# anyway, and an over-long cell is a row error (cell_too_long), not an unreadable file.
csv.field_size_limit(MAX_BYTES)


class UnreadableFileError(Exception):
    """The file cannot be read at all; `reason` is a catalogue code (import.reason.<reason>)."""

    def __init__(self, reason: str, *, row: int | None = None, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row
        self.detail = detail


@dataclass(frozen=True)
class RowRules:
    """What a row is checked against besides its own cells."""

    representative_crib: str
    today: date


@dataclass(frozen=True)
class Row:
    number: int
    client_crib: str
    tax_type: str
    start_date: date
    end_date: date | None
    client_name: str | None = None
    reference: str | None = None

    @property
    def period(self) -> tuple[str, str]:
        return self.start_date.isoformat(), self.end_date.isoformat() if self.end_date else ""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    code: str
    value: str = ""


# ---------------------------------------------------------------- reading the stream


class _ChunkReader(io.RawIOBase):
    """A raw binary stream over byte chunks (e.g. an S3 body's iter_chunks()), refusing binary files."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")
        self._first = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            if self._first and chunk[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                raise UnreadableFileError("not_utf8", row=1)
            self._first = self._first and not chunk
            # Text never contains NUL; spreadsheets (.xlsx), archives and images always do.
            if b"\x00" in chunk:
                raise UnreadableFileError("binary_file")
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Decoded lines (UTF-8, a leading BOM dropped, line ends kept for the csv module)."""
    text = io.TextIOWrapper(io.BufferedReader(_ChunkReader(chunks), READ_BLOCK), encoding="utf-8-sig",
                            errors="strict", newline="")
    number = 0
    try:
        for line in text:
            number += 1
            yield line
    except UnicodeDecodeError:
        raise UnreadableFileError("not_utf8", row=number + 1) from None


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


@dataclass(frozen=True)
class Header:
    delimiter: str
    columns: tuple[str, ...]


def _header(line: str) -> Header:
    delimiter = ";" if line.count(";") > line.count(",") else ","
    cells = next(csv.reader([line], delimiter=delimiter))
    named = [column_name(cell) for cell in cells]
    if not any(named):
        raise UnreadableFileError("missing_header", row=1)
    for cell, column in zip(cells, named, strict=True):
        if column is None:
            raise UnreadableFileError("unknown_column", row=1, detail=cell.strip()[:40])
    columns = tuple(column for column in named if column)
    if len(set(columns)) != len(columns):
        raise UnreadableFileError("duplicate_column", row=1)
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise UnreadableFileError("missing_columns", row=1, detail=", ".join(column_names(name) for name in missing))
    return Header(delimiter, columns)


def records(chunks: Iterable[bytes]) -> tuple[Header, Iterator[tuple[int, list[str]]]]:
    """The checked header and an iterator of (row number, cells) for every non-blank data record.

    Raises UnreadableFileError for an empty, binary or non-UTF-8 file, a missing or wrong header, or
    quoting the csv module cannot follow.
    """
    lines = _lines(chunks)
    skipped = 0
    for line in lines:
        if line.strip():
            header = _header(line)
            break
        skipped += 1
    else:
        raise UnreadableFileError("empty_file")

    def data() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(lines, delimiter=header.delimiter, strict=True)
        number = skipped + 1
        try:
            for cells in reader:
                number += 1
                if not _is_blank(cells):
                    yield number, cells
        except csv.Error:
            raise UnreadableFileError("malformed_csv", row=number + 1) from None

    return header, data()


@dataclass(frozen=True)
class FileSummary:
    rows: int
    delimiter: str


def summarize(chunks: Iterable[bytes]) -> FileSummary:
    """Pass one: the number of data rows and the delimiter, or UnreadableFileError when the file cannot be
    imported at all (so nothing is written for a file that would fail halfway)."""
    header, data = records(chunks)
    total = 0
    for _ in data:
        total += 1
        if total > MAX_ROWS:
            raise UnreadableFileError("too_many_rows", detail=str(MAX_ROWS))
    if total == 0:
        raise UnreadableFileError("no_rows")
    return FileSummary(total, header.delimiter)


# ---------------------------------------------------------------- checking a row


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD or DD-MM-YYYY; None for any other form and for dates that do not exist."""
    match = ISO_DATE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = DUTCH_DATE.match(text)
        if not match:
            return None
        day, month, year = (int(part) for part in match.groups())
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _text_problem(value: str) -> str | None:
    if value.startswith(FORMULA_PREFIXES):
        return "formula_cell"
    if any(unicodedata.category(char) == "Cc" for char in value):
        return "invalid_characters"
    return None


def check_fields(number: int, fields: dict[str, str], rules: RowRules) -> Row | list[RowError]:
    """One authorization's fields (from a file row or a form) checked by the import rules."""
    values = {column: (fields.get(column) or "").strip() for column in COLUMNS}
    errors = [RowError(number, column, "cell_too_long", value)
              for column, value in values.items() if len(value) > CELL_LIMITS[column]]
    too_long = {error.column for error in errors}

    def fail(column: str, code: str) -> None:
        errors.append(RowError(number, column, code, values[column]))

    crib = values["client_crib"]
    tax_type = tax_types.normalize(values["tax_type"])
    start = parse_date(values["start_date"])
    end = parse_date(values["end_date"]) if values["end_date"] else None
    checks = {
        "client_crib": ("required" if not crib else "invalid_crib" if not CRIB.match(crib)
                        else "own_crib" if crib == rules.representative_crib else None),
        "tax_type": "required" if not values["tax_type"] else "unknown_tax_type" if tax_type is None else None,
        "start_date": "required" if not values["start_date"] else "invalid_date" if start is None else None,
        "end_date": ("invalid_date" if values["end_date"] and end is None
                     else "end_before_start" if end is not None and start is not None and end < start
                     else "end_in_past" if end is not None and end < rules.today else None),
    }
    for column in OPTIONAL_COLUMNS:
        checks[column] = _text_problem(values[column]) if values[column] else None
    for column, code in checks.items():
        if code and column not in too_long:
            fail(column, code)
    if errors:
        return sorted(errors, key=lambda error: COLUMNS.index(error.column))
    assert tax_type is not None and start is not None
    return Row(number, crib, tax_type, start, end, values["client_name"] or None, values["reference"] or None)


def check_row(number: int, cells: list[str], header: Header, rules: RowRules) -> Row | list[RowError]:
    """A file record checked: the column count first, then every field."""
    if len(cells) != len(header.columns):
        shown = header.delimiter.join(cells)
        return [RowError(number, ROW_COLUMN, "wrong_column_count", shown)]
    return check_fields(number, dict(zip(header.columns, cells, strict=True)), rules)


def rows(chunks: Iterable[bytes], rules: RowRules) -> Iterator[Row | list[RowError]]:
    """Pass two: the outcome of every data row, in file order."""
    header, data = records(chunks)
    for number, cells in data:
        yield check_row(number, cells, header, rules)


# ---------------------------------------------------------------- the error report


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character is escaped with a quote."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


REPORT_VALUE_LIMIT = 60


class ErrorReport:
    """The error-report CSV (row, column, error code, message, value), built in a spooled temporary
    file: small reports stay in memory, large ones spill to disk, so memory stays flat."""

    def __init__(self, lang: str, delimiter: str = ",") -> None:
        self.lang = lang
        self.lines = 0
        self._buffer = tempfile.SpooledTemporaryFile(max_size=1024 * 1024, mode="w+b")
        self._buffer.write(codecs.BOM_UTF8)  # so spreadsheet programs read the file as UTF-8
        self._text: io.TextIOWrapper | None = io.TextIOWrapper(self._buffer, encoding="utf-8", newline="",
                                                               write_through=True)
        self._writer = csv.writer(self._text, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        self._writer.writerow([t(f"import.report.{column}", lang)
                               for column in ("row", "column", "code", "message", "value")])

    def add(self, error: RowError) -> None:
        value = error.value if len(error.value) <= REPORT_VALUE_LIMIT else error.value[:REPORT_VALUE_LIMIT] + "…"
        message = t(f"import.row.{error.code}", self.lang)
        self._writer.writerow([spreadsheet_safe(str(cell))
                               for cell in (error.row, error.column, error.code, message, value)])
        self.lines += 1

    def file(self) -> IO[bytes]:
        """The finished report, positioned at its start (nothing can be added after this)."""
        if self._text is not None:
            self._text.flush()
            self._text.detach()
            self._text = None
        self._buffer.seek(0)
        return self._buffer

    def close(self) -> None:
        if self._text is not None:
            self._text.detach()
            self._text = None
        self._buffer.close()
