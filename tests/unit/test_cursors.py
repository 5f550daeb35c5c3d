"""services/cursors.py: a page cursor round-trips, and anything but exactly the expected fields of
the expected types is a 400 naming `cursor`."""

from __future__ import annotations

import base64

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.services import cursors

FIELDS = {"d": str, "e": str}


def _raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_position_round_trips_without_padding():
    cursor = cursors.encode({"e": "2027-01-15T08:30:00.000Z#ab", "d": "2027-01-15"})
    assert "=" not in cursor
    assert cursor == _raw('{"d":"2027-01-15","e":"2027-01-15T08:30:00.000Z#ab"}')
    assert cursors.decode(cursor, FIELDS) == {"d": "2027-01-15", "e": "2027-01-15T08:30:00.000Z#ab"}


def test_no_cursor_is_the_first_page():
    assert cursors.decode(None, FIELDS) is None
    assert cursors.decode("", FIELDS) is None


@pytest.mark.parametrize("cursor", [
    "!!!",  # not base64url
    _raw("not json"),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
    _raw('["d", "e"]'),  # not an object
    _raw('{"d": "2027-01-15"}'),  # a field missing
    _raw('{"d": "2027-01-15", "e": "", "x": 1}'),  # a field too many
    _raw('{"d": 20270115, "e": ""}'),  # a number where text belongs
    _raw('{"d": true, "e": ""}'),
], ids=["base64", "json", "utf8", "array", "missing", "extra", "number", "bool"])
def test_a_malformed_cursor_is_400_naming_cursor(cursor):
    with pytest.raises(PortalError) as refused:
        cursors.decode(cursor, FIELDS)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_REQUEST, "cursor")


def test_a_boolean_is_not_taken_for_a_number():
    with pytest.raises(PortalError):
        cursors.decode(_raw('{"n": true}'), {"n": int})
    assert cursors.decode(_raw('{"n": 7}'), {"n": int}) == {"n": 7}
