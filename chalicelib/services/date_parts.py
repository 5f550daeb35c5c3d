"""Dates entered as three fields (dag, maand, jaar), as the GOV.UK date input does it: no browser date
picker (whose order follows the browser's locale, mm/dd/yyyy for many), and a message that names the
part that is wrong. The parts become the YYYY-MM-DD the authorization rules read."""

from __future__ import annotations

import re
from datetime import date

from chalicelib.errors import ErrorCode, PortalError

PARTS = ("day", "month", "year")
EARLIEST_YEAR, LATEST_YEAR = 1950, 2100
_NUMBER = re.compile(r"^[0-9]{1,4}$")


def part_fields(name: str) -> tuple[str, str, str]:
    """The request fields of date `name`'s parts: start_date_day, start_date_month, start_date_year."""
    return tuple(f"{name}_{part}" for part in PARTS)  # type: ignore[return-value]


def combine(fields: dict, name: str, *, required: bool) -> str:
    """Date `name` from its parts in `fields` as YYYY-MM-DD ("" for an optional date left empty).

    Raises invalid_request naming the first wrong part (reason import_flow.date.<name>.<problem>)."""
    day, month, year = (str(fields.get(field) or "").strip() for field in part_fields(name))
    if not (day or month or year):
        if required:
            _refuse(name, "day", "missing")
        return ""
    for part, value in (("day", day), ("month", month), ("year", year)):
        if not value:
            _refuse(name, part, "missing" if required else "incomplete")
    for part, value, low, high in (("day", day, 1, 31), ("month", month, 1, 12),
                                   ("year", year, EARLIEST_YEAR, LATEST_YEAR)):
        if not _NUMBER.match(value) or not low <= int(value) <= high or (part == "year" and len(value) != 4):
            _refuse(name, part, part)
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        _refuse(name, "day", "not_a_date")
        raise  # not reached: _refuse raises


def _refuse(name: str, part: str, problem: str) -> None:
    raise PortalError(ErrorCode.INVALID_REQUEST, field=f"{name}_{part}", reason=f"import_flow.date.{name}.{problem}")
