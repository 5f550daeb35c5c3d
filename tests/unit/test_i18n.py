"""The catalogues: every key in every language, placeholders alike, language negotiation."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from chalicelib.i18n import catalogue, pick_language
from tests.unit.ui_texts import script_findings, template_findings

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("nl", "en", "pap")  # every text exists in these three


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


# ---------------------------------------------------------------- every shown text from the catalogues

TEMPLATES = ROOT / "chalicelib" / "render" / "templates"
SCRIPTS = ROOT / "chalicelib" / "render" / "static"


def test_no_key_is_defined_in_two_area_files():
    """A key in two files of one language would silently override the other."""
    for lang in LANGUAGES:
        seen: dict[str, str] = {}
        for path in sorted((ROOT / "chalicelib" / "i18n" / lang).glob("*.json")):
            for key in json.loads(path.read_text(encoding="utf-8")):
                assert key not in seen, f"{lang}: {key} in {seen.get(key)} and {path.name}"
                seen[key] = path.name


def test_templates_show_only_texts_from_the_catalogues():
    findings = [finding for path in sorted(TEMPLATES.glob("*.html"))
                for finding in template_findings(path.read_text(encoding="utf-8"), path.name)]
    assert not findings, "text not from t(...):\n" + "\n".join(map(str, findings))


def test_page_scripts_contain_no_texts():
    """Scripts take their texts from data-* attributes rendered from the catalogue."""
    findings = [finding for path in sorted(SCRIPTS.glob("*.js"))
                for finding in script_findings(path.read_text(encoding="utf-8"), path.name)]
    assert not findings, "text in a script:\n" + "\n".join(map(str, findings))


def test_the_text_finder_finds_literal_texts():
    template = """{% extends "base.html" %}{# a comment with words in it #}
<h1>{{ t("login.title") }}</h1>
<p>Welkom terug</p>
<input placeholder="naam@voorbeeld.cw" aria-label="{{ t('login.username') }}" value="data stays">
<img alt="Logo" src="/static/favicon.svg" data-kind="reason">
<p data-text-error="Er ging iets mis" data-done="{{ t('layout.copied') }}" hidden></p>
<button type="submit" value="Verstuur">{{ t("login.submit") }}</button>
<p>{{ "Een zin buiten de catalogus" }} — {{ user.username }}: 3</p>
<script src="/static/login.js"></script>"""
    found = {finding.text for finding in template_findings(template, "page.html")}
    assert found == {"Welkom terug", "naam@voorbeeld.cw", "Logo", "Verstuur", '"Een zin buiten de catalogus"',
                     "Er ging iets mis"}
    assert [finding.line for finding in template_findings(template, "page.html")
            if finding.text == "Welkom terug"] == [3]

    script = """"use strict";
// Comments may say what they like: "Dit is geen tekst".
const box = document.querySelector("form .field input");
box.className = "button small";
const pattern = /["']/g;
box.setAttribute("aria-label", `Vul ${name} in`);
Portal.announce("Opgeslagen");
if (event.key === "Enter") { show(form.dataset.message || 'Er ging iets mis'); }
"""
    assert [finding.text for finding in script_findings(script, "page.js")] == [
        "Vul   in", "Opgeslagen", "Er ging iets mis"]


# One spelling per word: the variants each language's texts must not use. The seed's own texts (the
# "Inloggen met 2FA" guide and the support page, word for word) keep theirs.
SEED_KEYS = ("guide.", "support_page.")
VARIANTS = {
    "nl": (r"\(s\)", r"\btoestel", r"\bresetten\b", r"\bgereset\b", r"\bback-upcodes?\b", r"\btwee-factor"),
    "en": (r"\(s\)",),
    "pap": (r"\bklek\b", r"\bbek\b", r"\bsesion\b", r"\(s\)"),
}


@pytest.mark.parametrize("lang", sorted(VARIANTS))
def test_one_spelling_per_word(lang):
    found = {key: text for key, text in catalogue(lang).items() if not key.startswith(SEED_KEYS)
             and any(re.search(variant, text, re.IGNORECASE) for variant in VARIANTS[lang])}
    assert not found, found
