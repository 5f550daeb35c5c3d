"""security/backup_codes.py: Crockford base32 codes, their printed form, normalization and the keyed hash."""

from __future__ import annotations

import re

from chalicelib.security import backup_codes

PRINTED = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")
KEY = b"k" * 32


def test_a_set_is_ten_distinct_printed_codes_of_80_bits():
    codes = backup_codes.new_set()
    assert len(codes) == 10 == len(set(codes))
    for code in codes:
        assert PRINTED.match(code), code
        # 16 symbols of a 32-letter alphabet: 80 bits.
        assert len(code.replace("-", "")) == 16
        assert not set(code) & set("ILOU")


def test_codes_are_random():
    assert len({backup_codes.new_code() for _ in range(500)}) == 500


def test_normalization_forgives_what_people_type():
    canonical = "0123456789ABCDEF"
    for typed in ("0123-4567-89AB-CDEF", "0123 4567 89ab cdef", " o123-4567-89ab-cdef ", "O1234567-89ABCDEF",
                  "0I23 4567 89AB CDEF", "0l23456789abcdef", "0123\t4567-89AB CDEF"):
        assert backup_codes.normalize(typed) == canonical, typed


def test_normalization_refuses_what_cannot_be_a_code():
    for typed in ("", "0123-4567-89AB", "0123-4567-89AB-CDEF-0", "0123-4567-89AB-CDEU", "0123-4567-89AB-CDE!",
                  "x" * 1000, "123456"):
        assert backup_codes.normalize(typed) is None, typed


def test_printed_codes_survive_normalization():
    for code in backup_codes.new_set():
        assert backup_codes.formatted(backup_codes.normalize(code.lower())) == code
        assert backup_codes.canonical(code) == backup_codes.normalize(code)


def test_digest_is_keyed_and_salted():
    code = "0123456789ABCDEF"
    base = backup_codes.digest(KEY, "jan", "set-1", code)
    assert len(base) == 64 and code not in base
    assert base == backup_codes.digest(KEY, "jan", "set-1", code)
    assert base != backup_codes.digest(b"x" * 32, "jan", "set-1", code)
    assert base != backup_codes.digest(KEY, "piet", "set-1", code)
    assert base != backup_codes.digest(KEY, "jan", "set-2", code)
