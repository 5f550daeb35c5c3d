"""Finds user-visible text that does not come from the catalogues: literal text in page templates
and natural-language string literals in page scripts. Used by test_i18n.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Attributes a browser shows or reads aloud; their values must come from t(...) as well.
VISIBLE_ATTRIBUTES = frozenset({"alt", "title", "aria-label", "aria-description", "aria-valuetext", "placeholder",
                                "label", "value"})
# `value` is only shown on buttons; on other inputs it is data.
BUTTON_TYPES = frozenset({"button", "submit", "reset"})
LETTER = re.compile(r"[^\W\d_]")
MARK = "\x00"  # stands in for a {{ ... }} expression: rendered from the catalogue or from data
# Two words with a space between them ("Probeer opnieuw"), or one capitalized word alone ("Fout").
PHRASE = re.compile(r"[^\W\d_]{2,}[ \u00a0]+[^\W\d_]{2,}")
WORD = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]+[.!?:]?")
# Single capitalized words that scripts use as identifiers, not as text for people.
SCRIPT_WORDS = frozenset({"Accept", "Enter", "Escape", "Tab", "Backspace", "Delete", "Home", "End", "Space",
                          "Object", "Array", "Date", "Error", "Promise", "Number", "String", "Boolean"})
# Product names the seed lists as examples of authenticator apps: the same in every language.
PROPER_NAMES = ("Google Authenticator", "Microsoft Authenticator", "LastPass Authenticator", "Entrust Identity")
# Calls whose string arguments are selectors or protocol words, not text.
CODE_CALLS = re.compile(r"(querySelector(All)?|closest|matches|getElementById|addEventListener|removeEventListener|"
                        r"getAttribute|setAttribute|removeAttribute|hasAttribute|toggleAttribute|createElement|"
                        r"getItem|setItem|removeItem|fetch|api|add|remove|toggle|contains)\(\s*$"
                        r"|\.(className|id|name|type|rel|target|autocomplete|inputMode)\s*=\s*$")


@dataclass(frozen=True)
class Finding:
    where: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.text!r}"


def natural_language(literal: str) -> bool:
    """True for a string a person would read: a phrase, or a capitalized word that is no identifier."""
    stripped = literal.strip()
    if stripped in PROPER_NAMES or stripped == "use strict":
        return False
    if PHRASE.search(stripped):
        return True
    return bool(WORD.fullmatch(stripped)) and stripped.rstrip(".!?:") not in SCRIPT_WORDS


# ---------------------------------------------------------------- templates

_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.S)
_STATEMENT = re.compile(r"\{%.*?%\}", re.S)
_TEMPLATE_STRING = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


def _blank(match: re.Match, keep: str = "") -> str:
    """Replace a Jinja block, keeping its newlines so line numbers stay right."""
    return keep + "\n" * match.group(0).count("\n")


class _TemplateText(HTMLParser):
    def __init__(self, where: str) -> None:
        super().__init__(convert_charrefs=True)
        self.where = where
        self.findings: list[Finding] = []
        self._raw_depth = 0  # inside <script> or <style>

    def _check(self, text: str) -> None:
        if text.strip() in PROPER_NAMES:
            return
        if LETTER.search(text.replace(MARK, "")):
            self.findings.append(Finding(self.where, self.getpos()[0], " ".join(text.replace(MARK, "{{…}}").split())))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._raw_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            # data-* values are what page scripts show (data-text-..., data-required, ...).
            if name.startswith("data-") and value and natural_language(value.replace(MARK, " ")):
                self.findings.append(Finding(self.where, self.getpos()[0], value))
            if name not in VISIBLE_ATTRIBUTES or not value:
                continue
            if name == "value" and not (tag == "button" or (attributes.get("type") or "") in BUTTON_TYPES):
                continue
            if name == "label" and tag not in ("option", "optgroup", "track"):
                continue
            self._check(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._raw_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._raw_depth = max(0, self._raw_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self._raw_depth:
            self._check(data)


def template_findings(source: str, where: str) -> list[Finding]:
    """Literal text in a Jinja template: text nodes and shown attributes must be {{ ... }} only, and
    string literals inside Jinja expressions must not be sentences (they would bypass t())."""
    findings: list[Finding] = []
    source = _COMMENT.sub(_blank, source)
    for block in (_EXPRESSION, _STATEMENT):
        for match in block.finditer(source):
            for literal in _TEMPLATE_STRING.findall(match.group(0)):
                if natural_language(literal[1:-1]):
                    findings.append(Finding(where, source.count("\n", 0, match.start()) + 1, literal))
    markup = _STATEMENT.sub(_blank, _EXPRESSION.sub(lambda match: _blank(match, MARK), source))
    parser = _TemplateText(where)
    parser.feed(markup)
    parser.close()
    return findings + parser.findings


# ---------------------------------------------------------------- scripts

_REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}


def script_literals(source: str) -> list[tuple[int, str, str]]:
    """The string literals of a script as (line, text, code before it); comments and regular
    expressions are skipped, template literals give their fixed parts."""
    literals: list[tuple[int, str, str]] = []
    i, line, length = 0, 1, len(source)
    while i < length:
        char = source[i]
        if char == "\n":
            line += 1
            i += 1
        elif source.startswith("//", i):
            i = source.find("\n", i) if "\n" in source[i:] else length
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = length if end < 0 else end + 2
            line += source.count("\n", i, end)
            i = end
        elif char in "'\"`":
            start, i, parts = i, i + 1, []
            while i < length and source[i] != char:
                if source[i] == "\\":
                    parts.append(source[i:i + 2])
                    i += 2
                elif char == "`" and source.startswith("${", i):
                    depth, i = 0, i + 1
                    while i < length:
                        depth += {"{": 1, "}": -1}.get(source[i], 0)
                        i += 1
                        if depth == 0:
                            break
                    parts.append(" ")
                else:
                    parts.append(source[i])
                    i += 1
            literals.append((line, "".join(parts), source[max(0, start - 80):start]))
            line += source.count("\n", start, i)
            i += 1
        elif char == "/" and source[:i].rstrip()[-1:] in _REGEX_BEFORE:
            i += 1
            in_class = False
            while i < length and (source[i] != "/" or in_class) and source[i] != "\n":
                if source[i] == "\\":
                    i += 1
                elif source[i] == "[":
                    in_class = True
                elif source[i] == "]":
                    in_class = False
                i += 1
            i += 1
        else:
            i += 1
    return literals


def script_findings(source: str, where: str) -> list[Finding]:
    """Natural-language string literals in a page script (texts must come from data-* attributes)."""
    return [Finding(where, line, text) for line, text, before in script_literals(source)
            if natural_language(text) and not CODE_CALLS.search(before)]
