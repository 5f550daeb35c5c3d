"""security/passwords.py: argon2id parameters, equal cost for unknown users, rehash, the policy."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from chalicelib.security import passwords


def test_hash_is_argon2id_with_the_design_parameters():
    stored = passwords.hash_password("Correct-Horse-Battery-9")
    assert stored.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in stored
    assert passwords.verify_password(stored, "Correct-Horse-Battery-9")
    assert not passwords.verify_password(stored, "correct-horse-battery-9")


def test_unknown_user_still_runs_a_full_verification(monkeypatch):
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


def test_old_parameters_need_rehash():
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
