"""Counted words in each language: "1 minuut" but "5 minuten", "1 poging" but "2 pogingen".

Each counted text has two catalogue keys, `<key>.one` and `<key>.other`, both taking `{n}`. Dutch and
English use `.one` for exactly 1; Papiamentu does not inflect a noun after a number ("5 minüt"), so
its two texts may be the same. The pages' scripts get both forms and choose the same way.
"""

from __future__ import annotations

import math

from chalicelib.i18n import t


def counted(key: str, n: int, lang: str) -> str:
    return t(f"{key}.{'one' if n == 1 else 'other'}", lang, n=n)


def minutes(seconds: int, lang: str) -> str:
    """A wait in whole minutes, rounded up (never "0 minuten": a wait that is still on is at least one)."""
    return counted("plural.minutes", max(1, math.ceil(seconds / 60)), lang)
