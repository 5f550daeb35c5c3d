"""The words of the forms' errors (render/form_errors.py): every (field, code) a form can get, derived
from the body spec of the route it posts to, has its own sentence in every language, and every form of
the portal shows its errors through an error summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import app  # noqa: F401 - registers every blueprint, so every route's body spec is known
from chalicelib.api import bodies
from chalicelib.errors import ErrorCode
from chalicelib.i18n import LANGUAGES, catalogue, plural
from chalicelib.render import form_errors
from chalicelib.render.form_errors import FORM_LEVEL, FORMS

TEMPLATES = Path(form_errors.__file__).with_name("templates")
SUMMARY = re.compile(r"""error_summary\("([a-z_]+)"[^)]*\)""")
FORM = re.compile(r"<form\b[^>]*>(.*?)</form>", re.S)
DATA_API = re.compile(r'data-api="([^"]+)"')


def _template_forms() -> list[tuple[str, str, str]]:
    """(template, form tag and body, the form's posting path or "") for every form of every template."""
    found = []
    for path in sorted(TEMPLATES.glob("*.html")):
        source = path.read_text(encoding="utf-8")
        for match in FORM.finditer(source):
            found.append((path.name, match.group(0), (DATA_API.search(match.group(0)) or [None, ""])[1]))
    return found


def test_every_form_that_posts_has_an_error_summary():
    posting = [(name, tag) for name, tag, _ in _template_forms() if 'method="get"' not in tag]
    assert len(posting) >= 25
    missing = [name for name, tag in posting if not SUMMARY.search(tag)]
    assert not missing, missing


def test_each_summary_names_the_spec_of_the_route_its_form_posts_to():
    for name, tag, api_path in _template_forms():
        summary = SUMMARY.search(tag)
        if not summary:
            continue
        spec = FORMS[summary.group(1)]
        if api_path:
            # Template expressions in the path ({{ passkey.id | urlencode }}) stand for the route's {param}.
            pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(spec.api))
            assert re.fullmatch(pattern, re.sub(r"\{\{[^}]+\}\}", "X", api_path)), (name, api_path, spec.api)


def test_every_spec_is_used_by_a_template():
    used = {match for _, tag, _ in _template_forms() for match in SUMMARY.findall(tag)}
    assert used == set(FORMS)


def test_pairs_come_from_the_body_specs():
    """Each field of the route's body gets `missing` when required and `invalid` always: a new field on a
    route, or a field made required, needs words before this passes."""
    route_bodies = form_errors._route_bodies()
    for form, spec in FORMS.items():
        pairs = form_errors.pairs(form)
        for name, codes in route_bodies[spec.api].field_codes().items():
            at = FORM_LEVEL if name in form_errors.NOT_TYPED else name
            assert codes <= pairs[at], (form, name)
    assert form_errors.pairs("login")["username"] >= {bodies.MISSING, bodies.INVALID}
    assert form_errors.pairs("login")["password"] >= {bodies.MISSING, bodies.INVALID}
    assert "invalid_credentials" in form_errors.pairs("login")[FORM_LEVEL]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_pair_has_words_in_every_language(lang):
    missing = [(form, name, code) for form in FORMS for name, codes in form_errors.pairs(form).items()
               for code in codes if form_errors.text(form, name, code, lang) is None]
    assert not missing, missing


@pytest.mark.parametrize("lang", LANGUAGES)
def test_field_checks_have_words_for_their_field_not_a_generic_sentence(lang):
    """`missing` and `invalid` and the page's own checks say what to do with that field ("Vul uw
    gebruikersnaam in"), never the API's "the request is incomplete"."""
    generic = catalogue(lang)["error.invalid_request"]
    for form in FORMS:
        for name, codes in form_errors.pairs(form).items():
            for code in codes - {c.value for c in ErrorCode}:
                keys = form_errors.keys(form, name, code)
                assert not any(key.startswith("error.") for key in keys), (form, name, code)
                assert form_errors.text(form, name, code, lang) != generic


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_sentence_shows_a_field_name_or_a_code(lang):
    names = {name for form in FORMS for name in form_errors.pairs(form) if "_" in name or name == "crib"}
    codes = {code.value for code in ErrorCode if "_" in code.value}
    for form in FORMS:
        shown = form_errors.messages(form, lang)
        for by_code in shown["fields"].values():
            for words in by_code.values():
                assert not any(re.search(rf"\b{re.escape(token)}\b", words) for token in names | codes), words
                assert "(veld" not in words and "(field" not in words and "(kampo" not in words


def test_login_words_in_each_language():
    assert form_errors.messages("login", "nl")["fields"]["username"]["missing"] == "Vul uw gebruikersnaam in"
    assert form_errors.messages("login", "en")["fields"]["username"]["missing"] == "Enter your username"
    assert form_errors.messages("login", "pap")["fields"]["username"]["missing"] == "Yena bo nòmber di usuario"
    assert form_errors.messages("totp", "nl")["fields"]["code"]["missing"] == \
        "Vul de 6 cijfers van de code uit uw app in"
    assert form_errors.messages("login", "nl")["target"] == "password"


@pytest.mark.parametrize("password", ["kort", "x" * 129, "jan.jansen-wachtwoord", "Belastingdienst2024!",
                                      "welkom123456"])
def test_every_refusal_of_a_new_password_has_its_sentence_on_the_forms(password):
    from chalicelib.security.passwords import password_problem

    problem = password_problem(password, username="jan.jansen", email="jan@example.org")
    assert problem is not None and problem in form_errors.PASSWORD_REASONS


@pytest.mark.parametrize(("checks", "note", "evidence"), [
    (["no_such_check"], None, False),
    ([], None, False),
    (["other"], "x" * 501, False),
    (["other"], "  ", False),
    (["crib_and_birth_date"], None, True),
])
def test_every_refusal_of_the_identity_checks_has_its_sentence_on_the_desk_forms(checks, note, evidence):
    from chalicelib.errors import PortalError
    from chalicelib.services import identity_checks

    with pytest.raises(PortalError) as refused:
        identity_checks.checked(checks, note, evidence=evidence)
    assert refused.value.extra["reason"] in form_errors.IDENTITY_REASONS


def test_new_password_reasons_are_all_worded():
    for lang in LANGUAGES:
        reasons = form_errors.messages("set_password", lang)["reasons"]
        assert set(reasons) == set(form_errors.PASSWORD_REASONS)


@pytest.mark.parametrize(("lang", "one", "five"), [
    ("nl", "U kunt het over 1 minuut opnieuw proberen.", "U kunt het over 5 minuten opnieuw proberen."),
    ("en", "You can try again in 1 minute.", "You can try again in 5 minutes."),
    ("pap", "Bo por purba atrobe den 1 minüt.", "Bo por purba atrobe den 5 minüt."),
])
def test_lockout_wait_has_singular_and_plural(lang, one, five):
    texts = form_errors.lockout_texts(lang)
    assert texts["wait.one"].format(n=1) == one
    assert texts["wait.other"].format(n=5) == five
    assert set(texts) == set(form_errors.lockout_texts("nl"))
    assert all("{n}" in texts[key] for key in texts if key.endswith((".one", ".other")))


def test_attempts_warning_in_dutch():
    texts = form_errors.lockout_texts("nl")
    assert texts["attempts_lock.one"].format(n=1) == "Nog 1 poging voordat uw account tijdelijk wordt geblokkeerd."
    assert texts["attempts_lock.other"].format(n=2).startswith("Nog 2 pogingen")


@pytest.mark.parametrize(("seconds", "lang", "expected"), [
    (60, "nl", "1 minuut"), (45, "nl", "1 minuut"), (61, "nl", "2 minuten"), (300, "nl", "5 minuten"),
    (60, "en", "1 minute"), (900, "en", "15 minutes"), (60, "pap", "1 minüt"), (900, "pap", "15 minüt"),
    (0, "nl", "1 minuut"),
])
def test_minutes_round_up_and_agree_with_their_number(seconds, lang, expected):
    assert plural.minutes(seconds, lang) == expected
