"""The operations command's OpenID Connect parts, and the signing keys' life: `register-client` prints
the client id and, once, the secret (only its hash is stored); `rotate-signing-key` publishes the new
key at once, lets it sign only after every container's cached copy has been refreshed, and keeps the
old key published until every token it signed has expired (`--immediately` drops it now); a stage
whose secret is still empty gets its first key from the logout runner."""

from __future__ import annotations

import json

import pytest

NOW = 1_800_000_000


@pytest.fixture
def manage(aws, capsys, monkeypatch):
    """chalicelib.manage's main in-process, against the test's emulated AWS (the stage's settings are
    the tests' own, so the command's loading of them is left out)."""
    from chalicelib import manage as command

    monkeypatch.setattr(command, "apply_stage", lambda stage: None)

    def run(*argv: str) -> tuple[int, str, str]:
        code = command.main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def keys(aws, clock_pinned):
    """The signing-key secret, emptied for the test and restored afterwards."""
    from chalicelib.storage import signing_keys

    client = signing_keys._client()
    name = _secret_name()
    before = client.get_secret_value(SecretId=name)["SecretString"]
    client.put_secret_value(SecretId=name, SecretString="{}")
    signing_keys.forget_cached()
    yield signing_keys
    client.put_secret_value(SecretId=name, SecretString=before)
    signing_keys.forget_cached()


def _kids(signing_keys, now: int) -> list[str]:
    """The key ids the JWKS endpoint serves at `now`."""
    from chalicelib import clock
    from chalicelib.services.oidc_endpoints import jwks

    before = clock.now()
    clock.pin(now)
    try:
        return [key["kid"] for key in jwks()["keys"]]
    finally:
        clock.pin(before)


# ---------------------------------------------------------------- register-client


def test_register_client_prints_the_id_and_the_secret_once_and_stores_only_a_hash(manage):
    from chalicelib.storage.oidc import get_client

    code, out, _ = manage("register-client", "--name", "Mijn Aangifte", "--redirect-uri",
                          "https://aangifte.example/callback", "--client-id", "mijn-aangifte")
    assert code == 0
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    assert lines["client_id"] == "mijn-aangifte"
    secret = lines["client_secret"].split()[0]
    assert len(secret) >= 32 and "shown once" in lines["client_secret"]
    stored = get_client("mijn-aangifte")
    assert stored is not None and secret not in json.dumps(stored.attribute_values, default=str)
    from chalicelib.security.passwords import verify_password

    assert verify_password(stored.secret_hash, secret)
    # The id is taken now: a second registration is refused and prints no secret.
    again, out, err = manage("register-client", "--name", "Other", "--redirect-uri", "https://o.example/cb",
                             "--client-id", "mijn-aangifte")
    assert again == 1 and "client_secret" not in out and "registered already" in err


def test_register_client_refuses_a_plain_http_redirect_uri(manage):
    code, out, err = manage("register-client", "--name", "Mijn Aangifte", "--redirect-uri",
                            "http://aangifte.example/callback")
    assert code == 1 and out == "" and "https" in err


def test_a_private_key_jwt_client_gets_no_secret(manage, tmp_path):
    from joserfc.jwk import ECKey, KeySet

    key = ECKey.generate_key("P-256", private=True)
    jwks = tmp_path / "client.jwks"
    jwks.write_text(json.dumps(KeySet([key]).as_dict(private=False)), encoding="utf-8")
    code, out, _ = manage("register-client", "--name", "Aangifte", "--redirect-uri", "https://a.example/cb",
                          "--auth-method", "private_key_jwt", "--jwks-file", str(jwks), "--client-id", "aangifte-jwt")
    assert code == 0 and "client_id: aangifte-jwt" in out and "client_secret" not in out


# ---------------------------------------------------------------- rotate-signing-key


def test_rotation_publishes_at_once_signs_after_the_overlap_and_retires_the_old_key_late(manage, keys):
    assert keys.ensure_first_key(NOW)
    first = keys.active(NOW).kid
    code, out, _ = manage("rotate-signing-key")
    assert code == 0
    fresh = out.split()[3].rstrip(",")
    assert fresh != first
    # Published at once, so every client's cached JWKS holds it before it signs anything.
    assert _kids(keys, NOW) == [first, fresh]
    # The old key signs until every container's cached copy of the set holds the new one.
    assert keys.active(NOW + keys.KEY_CACHE_SECONDS - 1).kid == first
    assert keys.active(NOW + keys.KEY_CACHE_SECONDS).kid == fresh
    # A token the old key signed at the last moment lives LONGEST_TOKEN_SECONDS; the old key stays
    # published until then, and a cache's length after that.
    last_signed = NOW + keys.KEY_CACHE_SECONDS - 1
    still_valid_until = last_signed + keys.LONGEST_TOKEN_SECONDS
    assert first in _kids(keys, still_valid_until + keys.KEY_CACHE_SECONDS)
    retired = NOW + keys.KEY_CACHE_SECONDS + keys.RETIRE_AFTER_SECONDS
    assert first in _kids(keys, retired - 1) and first not in _kids(keys, retired)
    assert _kids(keys, retired) == [fresh]


def test_rotation_immediately_signs_with_the_new_key_and_drops_the_old_one_now(manage, keys):
    assert keys.ensure_first_key(NOW)
    first = keys.active(NOW).kid
    code, out, _ = manage("rotate-signing-key", "--immediately")
    assert code == 0
    fresh = keys.active(NOW).kid
    assert fresh != first and fresh in out
    assert _kids(keys, NOW) == [fresh]


def test_a_rotation_drops_keys_retired_before_it(manage, keys):
    assert keys.ensure_first_key(NOW)
    first = keys.active(NOW).kid
    keys.rotate(NOW)
    later = NOW + keys.KEY_CACHE_SECONDS + keys.RETIRE_AFTER_SECONDS + 1
    keys.rotate(later)
    stored = json.loads(keys._client().get_secret_value(SecretId=_secret_name())["SecretString"])
    assert first not in [entry["jwk"]["kid"] for entry in stored["keys"]]


def _secret_name() -> str:
    from chalicelib.settings import get_settings

    return get_settings().signing_keys_secret


# ---------------------------------------------------------------- an empty secret


def test_with_an_empty_secret_there_is_no_key_until_the_runner_adds_the_first_one(keys):
    from chalicelib.services import oidc_logout

    with pytest.raises(keys.NoSigningKeyError):
        keys.active(NOW)
    oidc_logout.run()
    entry = keys.active(NOW)
    assert entry.jwk["kty"] == "RSA" and entry.jwk["alg"] == "RS256" and entry.active_from == NOW
    assert not keys.ensure_first_key(NOW)  # there is one now: nothing more is added
    assert [item.kid for item in keys.published(NOW)] == [entry.kid]


def test_a_second_writer_of_the_first_key_does_not_replace_it(keys, monkeypatch):
    """Two runs of the runner racing on an empty secret: both read the same empty version; the second
    write is refused and the first key stays."""
    client = keys._client()
    empty = client.get_secret_value(SecretId=_secret_name())
    real = keys._client

    class StaleReader:
        """The loser: its read happened before the winner's write."""

        def __init__(self) -> None:
            self.inner = real()
            self.exceptions = self.inner.exceptions

        def get_secret_value(self, **kwargs):  # type: ignore[no-untyped-def]
            return empty

        def put_secret_value(self, **kwargs):  # type: ignore[no-untyped-def]
            return self.inner.put_secret_value(**kwargs)

    assert keys.ensure_first_key(NOW)
    winner = keys.active(NOW).kid
    monkeypatch.setattr(keys, "published", lambda now=None: [])
    monkeypatch.setattr(keys, "_client", StaleReader)
    assert not keys.ensure_first_key(NOW)
    monkeypatch.undo()
    keys.forget_cached()
    assert [entry.kid for entry in keys.published(NOW)] == [winner]
