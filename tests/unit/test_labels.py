"""The audit trail's codes in words (render/labels.py): every action the services record is listed and
worded in every language, found in the code itself rather than from a list kept by hand."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chalicelib.i18n import LANGUAGES, catalogue
from chalicelib.render import labels

ROOT = Path(__file__).resolve().parents[2]
ACTION = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
# Calls whose dotted strings are not audit actions: texts, loggers, log lines, templates.
NOT_ACTIONS = {"t", "getLogger", "warning", "info", "error", "exception", "debug", "page", "page_for", "render",
               "_invalid"}
# Actions the services build with an f-string (lockout.{locked|blocked}, password_{reset|activation}.*).
BUILT = {"lockout.locked", "lockout.blocked", "password_reset.complete", "password_activation.complete",
         "password_activation.request"}


def _recorded_actions() -> set[str]:
    found: set[str] = set()
    for folder in ("services", "api"):
        for path in (ROOT / "chalicelib" / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in NOT_ACTIONS:
                    continue
                # A refusal's `reason` names a text, not an action.
                for value in [*node.args, *(keyword.value for keyword in node.keywords if keyword.arg != "reason")]:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str) and ACTION.match(value.value):
                        found.add(value.value)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef):
                    for default in node.args.defaults + node.args.kw_defaults:
                        if isinstance(default, ast.Constant) and isinstance(default.value, str) \
                                and ACTION.match(default.value) and any(a.arg == "action" for a in node.args.args
                                                                         + node.args.kwonlyargs):
                            found.add(default.value)
    return {action for action in found if not action.startswith("portal.") and not action.endswith(".html")} | BUILT


def test_every_recorded_action_is_listed():
    recorded = _recorded_actions()
    assert {"login.password", "support.reset_2fa", "reauth.password", "lockout.blocked"} <= recorded
    assert recorded - set(labels.ACTIONS) == set(), "actions without words"
    assert set(labels.ACTIONS) - recorded == set(), "words for actions nothing records"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_action_and_outcome_has_words(lang):
    words = catalogue(lang)
    missing = [action for action in labels.ACTIONS if f"labels.action.{action}" not in words]
    missing += [outcome for outcome in labels.OUTCOMES if f"labels.outcome.{outcome}" not in words]
    assert not missing, missing
    assert all(labels.action_label(action, lang) != action for action in labels.ACTIONS)


def test_labels_in_each_language_and_unknown_codes_shown_as_they_are():
    assert labels.action_label("login.password", "nl") == "Inloggen: wachtwoord"
    assert labels.action_label("login.password", "en") == "Login: password"
    assert labels.outcome_label("success", "nl") == "Gelukt"
    assert labels.outcome_label("success", "pap") == "A logra"
    assert labels.action_label("something.new", "nl") == "something.new"
    assert labels.action_label(None, "nl") == "—"
    assert [code for code, _ in labels.action_choices("en")] == list(labels.ACTIONS)
