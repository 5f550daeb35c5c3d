"""services/tax_types.py: the four tax types, what people type normalized to a code, names per language."""

from __future__ import annotations

import pytest

from chalicelib.services import tax_types


@pytest.mark.parametrize(("typed", "code"), [
    ("IB", "IB"), (" ib ", "IB"), ("wb", "WB"), ("Ob", "OB"), ("LB\t", "LB"),
    ("", None), ("XX", None), ("I B", None), (None, None),
])
def test_normalize(typed, code):
    assert tax_types.normalize(typed) == code


def test_names_per_language_with_dutch_for_an_unknown_one():
    assert tax_types.name("IB", "nl") == "Inkomstenbelasting"
    assert tax_types.name("IB", "en") == "Income tax"
    assert tax_types.name("OB", "pap") == "Impuesto riba benta"
    assert tax_types.name("WB", "de") == "Winstbelasting"


def test_choices_are_every_type_in_table_order():
    assert tax_types.choices("en") == [
        {"code": "IB", "name": "Income tax"},
        {"code": "WB", "name": "Profit tax"},
        {"code": "OB", "name": "Turnover tax"},
        {"code": "LB", "name": "Wage tax and contributions (AOV/AWW, AVBZ, BVZ)"},
    ]
