"""The catalogues: every key in every language, placeholders alike, language negotiation."""

from __future__ import annotations

import re
import string
from pathlib import Path

from chalicelib.i18n import LANGUAGES, catalogue, pick_language

ROOT = Path(__file__).resolve().parents[2]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys():
    reference = set(catalogue("nl"))
    for lang in LANGUAGES:
        keys = set(catalogue(lang))
        assert keys == reference, f"{lang}: missing {sorted(reference - keys)}, extra {sorted(keys - reference)}"


def test_placeholders_match_across_languages():
    for key, text in catalogue("nl").items():
        for lang in LANGUAGES:
            assert _placeholders(catalogue(lang)[key]) == _placeholders(text), (lang, key)


def test_no_empty_translations():
    for lang in LANGUAGES:
        assert all(value.strip() for value in catalogue(lang).values()), lang


def test_every_key_used_in_code_and_templates_exists():
    used: set[str] = set()
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")
    for path in list((ROOT / "chalicelib").rglob("*.py")) + list((ROOT / "chalicelib").rglob("*.html")):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    missing = sorted(key for key in used if key not in catalogue("nl"))
    assert not missing, missing


def test_every_error_code_has_a_message():
    from chalicelib.errors import ErrorCode

    for code in ErrorCode:
        assert f"error.{code.value}" in catalogue("nl"), code


def test_language_negotiation():
    assert pick_language(None, None, None) == "nl"
    assert pick_language("en", "pap", "nl") == "en"
    assert pick_language(None, "pap", "en") == "pap"
    assert pick_language(None, None, "de-DE, en-GB;q=0.8, nl;q=0.5") == "en"
    assert pick_language("xx", None, None) == "nl"
