"""The one table of tax types an authorization can cover (docs/authorizations.md): the code a file
or form uses and the name people read, in each language of the portal.

Codes are what is stored and what import files carry; names are for display only, so a renamed tax
never changes a stored authorization.
"""

from __future__ import annotations

from chalicelib.i18n import DEFAULT_LANGUAGE

TAX_TYPES: dict[str, dict[str, str]] = {
    "IB": {
        "nl": "Inkomstenbelasting",
        "en": "Income tax",
        "pap": "Impuesto riba entrada",
    },
    "WB": {
        "nl": "Winstbelasting",
        "en": "Profit tax",
        "pap": "Impuesto riba ganashi",
    },
    "OB": {
        "nl": "Omzetbelasting",
        "en": "Turnover tax",
        "pap": "Impuesto riba benta",
    },
    "LB": {
        "nl": "Loonbelasting en premies (AOV/AWW, AVBZ, BVZ)",
        "en": "Wage tax and contributions (AOV/AWW, AVBZ, BVZ)",
        "pap": "Impuesto riba salario i premie (AOV/AWW, AVBZ, BVZ)",
    },
}

CODES = tuple(TAX_TYPES)


def normalize(code: str) -> str | None:
    """The stored code for what a person typed (' ib ' -> 'IB'); None when it is not a known tax type."""
    candidate = (code or "").strip().upper()
    return candidate if candidate in TAX_TYPES else None


def name(code: str, lang: str) -> str:
    """The tax type's name in `lang` (Dutch when the language is unknown)."""
    names = TAX_TYPES[code]
    return names.get(lang) or names[DEFAULT_LANGUAGE]


def choices(lang: str) -> list[dict[str, str]]:
    """Every tax type as {code, name}, in table order (for forms and the API)."""
    return [{"code": code, "name": name(code, lang)} for code in CODES]
