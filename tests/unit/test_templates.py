"""The page templates' shared rules, checked on the sources so they hold for pages no browser test
visits: the stylesheets in the layout only, static files named through the fingerprinting helper, no
inline script or style (the CSP forbids them), scripts that exist, a label
for every input, code fields that phones and password managers recognise."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "chalicelib" / "render" / "templates"
STATIC = ROOT / "chalicelib" / "render" / "static"
UNLABELLED_TYPES = frozenset({"hidden", "submit", "button", "reset"})


class _Markup(HTMLParser):
    """Tags and attributes of one template (Jinja expressions left in place as text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


# `{{ asset('portal.css') }}` is the fingerprinted /static/portal.<hash>.css; read here as the file it names.
_ASSET = re.compile(r"\{\{ asset\('([^']+)'\) \}\}")


def markup(path: Path) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Markup()
    source = re.sub(r"\{%.*?%\}|\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
    parser.feed(_ASSET.sub(lambda found: f"/static/{found.group(1)}", source))
    return parser.tags


def templates() -> list[Path]:
    return sorted(TEMPLATES.glob("*.html"))


def test_stylesheets_linked_from_the_layout_only():
    assert sorted(path.name for path in STATIC.glob("*.css")) == ["portal.css", "site.css"]
    for path in templates():
        links = [attrs.get("href") for tag, attrs in markup(path) if tag == "link" and attrs.get("rel") == "stylesheet"]
        expected = ["/static/portal.css", "/static/site.css"] if path.name == "base.html" else []
        assert links == expected, path.name


def test_static_files_are_named_through_the_fingerprinting_helper():
    """A literal /static/ path would be served with the short cache rule and never change name."""
    for path in templates():
        literal = re.findall(r'(?:src|href)="/static/', path.read_text(encoding="utf-8"))
        assert not literal, f"{path.name}: /static/ path not through asset()"


def test_no_inline_script_style_or_event_handlers():
    for path in templates():
        for tag, attrs in markup(path):
            assert tag != "style", path.name
            assert tag != "script" or attrs.get("src"), f"{path.name}: inline <script>"
            assert "style" not in attrs, f"{path.name}: style attribute on <{tag}>"
            assert not [name for name in attrs if name.startswith("on")], f"{path.name}: event handler on <{tag}>"


def test_scripts_and_images_point_at_existing_static_files():
    for path in templates():
        for tag, attrs in markup(path):
            source = attrs.get("src") or (attrs.get("href") if tag == "link" else None)
            if source and source.startswith("/static/"):
                assert (STATIC / source.removeprefix("/static/")).is_file(), f"{path.name}: {source}"


def test_every_input_has_a_label():
    for path in templates():
        tags = markup(path)
        labelled = {attrs.get("for") for tag, attrs in tags if tag == "label"}
        for tag, attrs in tags:
            if tag not in ("input", "select", "textarea") or (attrs.get("type") or "") in UNLABELLED_TYPES:
                continue
            assert attrs.get("id") in labelled or attrs.get("aria-label") or attrs.get("aria-labelledby"), (
                f"{path.name}: <{tag} name={attrs.get('name')}> has no label")


def test_code_fields_ask_for_a_one_time_code_on_a_numeric_keyboard():
    """Six-digit fields (pattern of digits) say so to phones and password managers."""
    found = 0
    for path in templates():
        for tag, attrs in markup(path):
            if tag == "input" and (attrs.get("pattern") or "").startswith("[0-9]{6}"):
                found += 1
                assert attrs.get("autocomplete") == "one-time-code", f"{path.name}: {attrs.get('id')}"
                assert attrs.get("inputmode") == "numeric", f"{path.name}: {attrs.get('id')}"
    assert found >= 2  # the login's second step and enrollment step 9 at least


def test_fields_for_a_totp_or_backup_code_fit_a_printed_backup_code():
    """Fields that take either code (named `code`, no digits-only pattern) do not force a numeric
    keyboard and leave room for XXXX-XXXX-XXXX-XXXX; a password manager may still fill them."""
    found = 0
    for path in templates():
        for tag, attrs in markup(path):
            if tag != "input" or attrs.get("name") != "code" or attrs.get("pattern"):
                continue
            found += 1
            assert attrs.get("inputmode") != "numeric", f"{path.name}: {attrs.get('id')}"
            assert int(attrs.get("maxlength") or 19) >= 19, f"{path.name}: {attrs.get('id')}"
            assert attrs.get("autocomplete") in ("one-time-code", "off"), f"{path.name}: {attrs.get('id')}"
    assert found >= 3  # backup-code login, re-enrollment, the shared re-check field
