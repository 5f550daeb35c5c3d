"""Translations: one catalogue per language (nl default, en, pap), split by area into JSON files.

Every language has the same keys; tests/unit/test_i18n.py fails on a key missing anywhere.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("nl", "en", "pap")
DEFAULT_LANGUAGE = "nl"
_DIR = Path(__file__).parent


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language, merged from its area files."""
    merged: dict[str, str] = {}
    for path in sorted((_DIR / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def normalize_language(value: str | None) -> str | None:
    """'en-US' -> 'en'; None for anything not supported."""
    if not value:
        return None
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def pick_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """?lang=, then the lang cookie, then Accept-Language, then Dutch."""
    for candidate in (query, cookie):
        lang = normalize_language(candidate)
        if lang:
            return lang
    if accept_language:
        weighted = []
        for index, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            weighted.append((-quality, index, tag))
        for _, _, tag in sorted(weighted):
            lang = normalize_language(tag)
            if lang:
                return lang
    return DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The text for key in lang (falling back to Dutch, then the key itself), formatted with params."""
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**params) if params else text
