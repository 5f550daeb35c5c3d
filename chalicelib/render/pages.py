"""HTML pages with Jinja2 (imported on first use, once per container): one layout, one catalogue per
language, no inline script (the CSP forbids it)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from chalicelib.contact import get_contact
from chalicelib.i18n import LANGUAGES, t
from chalicelib.render.assets import asset, resolve
from chalicelib.roles import Role

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def _environment():  # type: ignore[no-untyped-def]
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Templates name roles as the code does (Role.TAXPAYER), never by a string of their own.
    environment.globals["Role"] = Role
    # The error summary's words (templates/error_summary.html).
    from chalicelib.render import form_errors

    environment.globals["form_messages"] = form_errors.messages
    environment.globals["lockout_texts"] = form_errors.lockout_texts
    # The audit trail's codes and times in words (render/labels.py).
    from chalicelib.render import labels

    environment.globals.update(action_label=labels.action_label, outcome_label=labels.outcome_label,
                               action_choices=labels.action_choices, trail_time=labels.trail_time)
    # Static files by their fingerprinted names (render/assets.py).
    environment.globals["asset"] = asset
    return environment


def render(template: str, lang: str, path: str, **values: Any) -> str:
    """Render a page in `lang`; `path` is the page's own path, used by the language switch."""

    def translate(key: str, **params: object) -> str:
        return t(key, lang, **params)

    values.setdefault("contact", get_contact())
    return _environment().get_template(template).render(
        t=translate, lang=lang, languages=LANGUAGES, path=path, **values
    )


STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


def static_file(name: str) -> tuple[bytes, str, str] | None:
    """A file under static/ (by its plain or fingerprinted name), its content type and cache rule; None
    for anything else (no path traversal, no stale fingerprint)."""
    found = resolve(name)
    if found is None:
        return None
    content_type = STATIC_TYPES.get(found.path.suffix)
    if content_type is None:
        return None
    return found.path.read_bytes(), content_type, found.cache_control
