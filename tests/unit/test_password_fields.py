"""Every field a password is typed into, on every page (ASVS 5.0 6.2.6, 6.2.7): masked (type=password),
named for password managers (autocomplete current-password or new-password), and nothing that
blocks pasting or the browser's password helpers."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "chalicelib" / "render" / "templates"
STATIC = ROOT / "chalicelib" / "render" / "static"
INPUT = re.compile(r"<input\b[^>]*>", re.S)


def _password_inputs() -> list[tuple[str, str]]:
    found = []
    for template in sorted(TEMPLATES.glob("*.html")):
        for tag in INPUT.findall(template.read_text(encoding="utf-8")):
            if re.search(r'name="[^"]*password[^"]*"', tag):
                found.append((template.name, tag))
    return found


def test_every_password_field_is_masked_and_named_for_password_managers():
    fields = _password_inputs()
    pages = {name for name, _ in fields}
    assert {"login.html", "account.html", "password_renewal.html",
            "new_password_fields.html"} <= pages
    for name, tag in fields:
        assert 'type="password"' in tag, (name, tag)
        assert re.search(r'autocomplete="(current-password|new-password)"', tag), (name, tag)


def test_nothing_blocks_paste_or_password_managers():
    for path in [*TEMPLATES.glob("*.html"), *STATIC.glob("*.js")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"onpaste|addEventListener\(\s*[\"']paste|preventDefault\(\)[^;]*paste", text), path.name
    for name, tag in _password_inputs():
        assert 'autocomplete="off"' not in tag, (name, tag)
