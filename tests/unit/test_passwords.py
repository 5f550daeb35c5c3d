"""security/passwords.py: argon2id parameters, equal cost for unknown users, rehash, the policy.

The other in-process tests hash with cheaper parameters (tests/conftest.py); the tests here that are
about the parameters use the service's own hasher (`production_argon2`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from chalicelib.security import passwords

ROOT = Path(__file__).resolve().parents[2]
DESIGN = {"PORTAL_ARGON2_MEMORY_KIB": "19456", "PORTAL_ARGON2_TIME_COST": "2", "PORTAL_ARGON2_PARALLELISM": "1"}


@pytest.mark.parametrize("stage", ["local", "dev", "prod"])
def test_every_stage_is_configured_with_the_design_parameters(stage):
    """What the functions of each stage get (.chalice/config.json, as chalice merges it): the design's
    parameters, and no stage of its own that overrides them."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    variables = {**config["environment_variables"], **config["stages"][stage].get("environment_variables", {})}
    assert {name: variables.get(name) for name in DESIGN} == DESIGN


def test_without_configuration_the_settings_are_the_design_parameters(monkeypatch):
    from chalicelib.settings import get_settings, reset_settings

    for name in DESIGN:
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    try:
        settings = get_settings()
        assert (settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism) == (19456, 2, 1)
    finally:
        monkeypatch.undo()
        reset_settings()


def test_hash_is_argon2id_with_the_design_parameters(production_argon2):
    stored = passwords.hash_password("Correct-Horse-Battery-9")
    assert stored.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in stored
    assert passwords.verify_password(stored, "Correct-Horse-Battery-9")
    assert not passwords.verify_password(stored, "correct-horse-battery-9")


def test_unknown_user_still_runs_a_full_verification(production_argon2, monkeypatch):
    calls = []
    real_verify = PasswordHasher.verify

    def counting_verify(self, hash_, password):
        calls.append(hash_)
        return real_verify(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    assert passwords.verify_password(None, "whatever password") is False
    assert len(calls) == 1 and calls[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_garbage_hash_is_a_failure_not_a_crash():
    assert passwords.verify_password("not-a-hash", "x") is False


def test_old_parameters_need_rehash(production_argon2):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("Correct-Horse-Battery-9")
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(passwords.hash_password("Correct-Horse-Battery-9"))


@pytest.mark.parametrize("candidate, problem", [
    ("short-pw", "password.too_short"),
    ("x" * 129, "password.too_long"),
    ("Password1234", "password.common"),
    ("WACHTWOORD1234", "password.common"),
    ("aaaaaaaaaaaaaaaa", "password.common"),
    ("jan.jansen-rocks-2026", "password.contains_identity"),
    ("Correct-Horse-Battery-9", None),
    ("lange zin als wachtwoord met spaties", None),
])
def test_policy(candidate, problem):
    assert passwords.password_problem(candidate, username="jan.jansen", email="jan@example.org") == problem


def test_maximum_length_is_at_least_64():
    assert passwords.password_problem("Ab1-" * 16) is None
