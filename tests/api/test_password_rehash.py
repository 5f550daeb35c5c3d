"""Rehash on login: a password stored with weaker argon2 parameters than today's is re-hashed with
the current ones at the next successful login, and only then."""

from __future__ import annotations

from argon2 import PasswordHasher

from tests.api.conftest import body

PASSWORD = "Correct-Horse-Battery-9"


def _parameters(stored_hash: str) -> str:
    # "$argon2id$v=19$m=19456,t=2,p=1$salt$hash" -> "m=19456,t=2,p=1"
    return stored_hash.split("$")[3]


def test_a_weaker_stored_hash_is_replaced_at_login(production_argon2, api, user_factory):
    from chalicelib.storage.users import User, get_user

    user_factory("jan.jansen", PASSWORD)
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    User("jan.jansen").update(actions=[User.password_hash.set(old)])

    wrong = api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": "Wrong-Horse-Battery-9"})
    assert wrong.status_code == 401
    assert get_user("jan.jansen").password_hash == old  # a failed login changes nothing

    assert body(api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}))["next"] == "enroll"
    stored = get_user("jan.jansen").password_hash
    assert stored != old and _parameters(old) == "m=8192,t=1,p=1"
    assert _parameters(stored) == "m=19456,t=2,p=1"
    assert PasswordHasher().verify(stored, PASSWORD)


def test_a_current_hash_is_left_alone(api, user_factory):
    from chalicelib.storage.users import get_user

    user_factory("jan.jansen", PASSWORD)
    before = get_user("jan.jansen").password_hash
    assert api.post("/api/v1/auth/login", {"username": "jan.jansen", "password": PASSWORD}).status_code == 200
    assert get_user("jan.jansen").password_hash == before
