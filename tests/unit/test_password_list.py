"""security/password_list.py and the breached/context rules of security/passwords.py: the bundled list
of breached and common passwords (NIST SP 800-63B-4 3.1.1.2, ASVS 5.0 6.2.4, 6.2.11, 6.2.12)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from chalicelib.security import password_list, passwords

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "chalicelib" / "security" / "data" / "README.md"


def test_the_bundled_list_holds_at_least_100000_entries_at_the_designed_rate():
    bundled = password_list.bundled()
    assert bundled.count >= 100_000
    assert (bundled.bits, bundled.hashes) == password_list.parameters(bundled.count)
    assert len(bundled.array) * 8 == bundled.bits


def test_the_readme_names_the_files_figures():
    """data/README.md records the file's size, entries and hash: a rebuilt list without updated figures fails."""
    data = password_list.PATH.read_bytes()
    bundled = password_list.bundled()
    text = README.read_text(encoding="utf-8")
    assert hashlib.sha256(data).hexdigest() in text
    assert f"{len(data):,} bytes" in text and f"{bundled.count:,} distinct entries" in text
    assert f"m = {bundled.bits:,} bits, k = {bundled.hashes}" in text


@pytest.mark.parametrize("entry", ["password", "iloveyou", "qwertyuiop", "1qaz2wsx3edc", "passwordpassword",
                                   "welkom", "sunshine", "willemstad2024"])
def test_breached_and_local_entries_are_listed_whatever_their_case(entry):
    assert password_list.is_listed(entry)
    assert password_list.is_listed(entry.upper())


def test_a_built_filter_finds_every_entry_and_few_others():
    entries = [f"entry-{number}" for number in range(5000)]
    built = password_list.BloomFilter.parse(password_list.build(entries, rate=1e-3))
    assert all(entry in built for entry in entries)
    others = sum(f"other-{number}" in built for number in range(20000))
    assert others < 20000 * 1e-3 * 3  # designed 1e-3; three times that is far beyond chance


def test_a_file_that_is_not_a_list_is_refused():
    with pytest.raises(ValueError):
        password_list.BloomFilter.parse(b"NOTBLOOM" + bytes(16) + bytes(8))


def test_the_local_source_entries_are_all_in_the_bundle():
    lines = (ROOT / "infra" / "password_list_local.txt").read_text(encoding="utf-8").splitlines()
    local = [line for line in lines if line and not line.startswith("#")]
    assert len(local) > 900 and all(password_list.is_listed(line) for line in local)


@pytest.mark.parametrize(("entry", "askable"), [("password", True), ("password1", False), ("123456", False),
                                                ("1qaz2wsx3edc", True), ("!welkom", False), ("abc", False)])
def test_only_entries_a_lookup_can_ask_for_are_kept(entry, askable):
    """A password has 12+ characters; every other lookup is a core of 4+ that begins and ends with a letter."""
    from infra import build_password_list

    assert build_password_list.askable(entry) is askable


@pytest.mark.parametrize("candidate", [
    "Password1234", "P@ssw0rd-2024!", "iloveyou12345", "Welkom2024!!!!", "!!Sunshine123456", "QWERTY123456789",
    "dragon1234567", "L1feisg00d!2024",
])
def test_breached_passwords_and_their_simple_variants_are_refused(candidate):
    assert passwords.password_problem(candidate, username="jan.jansen", email="jan@example.org") == "password.common"


@pytest.mark.parametrize("candidate", [
    "Belastingdienst2024!", "B3lastingd1enst-2024!", "2024Curaçao!!", "curacao-curacao", "Kòrsou123456",
    "Digitaal Portaal 123", "DigitaalPortaal!", "d1g1taalp0rtaal", "belastingdienst.curacao", "Curacao_Korsou_2026",
])
def test_context_words_alone_with_digits_or_symbols_around_are_refused(candidate):
    assert passwords.password_problem(candidate, username="jan.jansen", email="jjansen@example.org") \
        == "password.context"


@pytest.mark.parametrize(("candidate", "username", "email"), [
    ("mijn-j.jansen-wachtwoord", "j.jansen", "x@example.org"),
    ("Mijn-JJansen-wachtwoord", "j.jansen", "x@example.org"),
    ("hallo-pietje-bell-99", "p.bell", "pietje.bell@example.org"),
    ("hallo-P13tj3-b3ll-99", "p.bell", "pietje.bell@example.org"),
])
def test_the_username_or_mail_name_inside_the_password_is_refused(candidate, username, email):
    assert passwords.password_problem(candidate, username=username, email=email) == "password.contains_identity"


@pytest.mark.parametrize("candidate", [
    "Zonnige-Dag-Willemstad-7", "Januari-is-koud-en-nat", "Tr0mbone!Kiwi#88", "De kat van de buren slaapt",
    "Ik betaal mijn belasting in Curaçao op tijd", "lange zin als wachtwoord met spaties",
])
def test_ordinary_passphrases_pass_without_composition_rules(candidate):
    """A short mail name ("jan") is not looked for inside ("Januari"); context words inside a sentence
    are no reason; no digits, capitals or symbols are asked for."""
    assert passwords.password_problem(candidate, username="jan.jansen", email="jan@example.org") is None


def test_normalisation_is_the_documented_one():
    assert passwords.core("2024-Curaçao!!") == "curacao"
    assert passwords.list_candidates("P@ssw0rd-2024!") == {"p@ssw0rd-2024!", "p@ssw0rd", "password"}
    assert {"lifeisgood", "llfeisgood"} <= passwords.list_candidates("L1feisg00d!2024")
    assert passwords.list_candidates("1234567890123") == {"1234567890123"}  # no core of 4 characters
    assert re.search(r"at most 4 \(the password, its core", README.read_text(encoding="utf-8"))
