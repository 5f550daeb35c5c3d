"""The OpenID Connect provider's signing keys (RS256, RSA 2048: the algorithm OpenID Connect requires
every provider to offer, so every client library can check its tokens), kept in one Secrets Manager secret as
{"keys": [{"jwk": <private JWK with kid>, "active_from": t, "retire_at": t | null}]}.

The deployment template creates the secret empty (encrypted under the portal's KMS key); the logout
runner adds the first key when it finds none (`ensure_first_key`, within a minute of the first
deployment; only that scheduled function may write the secret, the API function only reads it);
`python -m chalicelib.manage rotate-signing-key` adds a key (the local stage's set-up adds the first
one at start). Rotation overlaps: a new key is published in the JWKS at once
but signs only from `active_from` (after every container's cached copy has been refreshed), and
the key it replaces stays published until `retire_at`, when every token it signed has expired and
every cache has seen the new one. Each container reads the secret at most every KEY_CACHE_SECONDS.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

from chalicelib import clock
from chalicelib.settings import get_settings

ALGORITHM = "RS256"
KEY_BITS = 2048
# How long a container keeps the key set it read (and so how long a new key waits before it signs).
KEY_CACHE_SECONDS = 300
# The longest a token signed by a key lives (ID, access and logout tokens: services/oidc.py).
LONGEST_TOKEN_SECONDS = 300
# A replaced key stays published this long after its successor took over.
RETIRE_AFTER_SECONDS = LONGEST_TOKEN_SECONDS + 2 * KEY_CACHE_SECONDS


class NoSigningKeyError(RuntimeError):
    """The secret holds no active key yet: the logout runner adds the first one within a minute of the
    first deployment (or run `rotate-signing-key`)."""


@dataclass(frozen=True)
class KeyEntry:
    jwk: dict
    active_from: int
    retire_at: int | None

    @property
    def kid(self) -> str:
        return self.jwk["kid"]

    def published(self, now: float) -> bool:
        return self.retire_at is None or now < self.retire_at


def _client():  # type: ignore[no-untyped-def]
    import boto3

    from chalicelib.storage.base import client_config

    return boto3.client("secretsmanager", region_name=get_settings().region, config=client_config())


def _read() -> list[KeyEntry]:
    value = _client().get_secret_value(SecretId=get_settings().signing_keys_secret)["SecretString"]
    document = json.loads(value or "{}")
    return [KeyEntry(item["jwk"], int(item["active_from"]), item.get("retire_at")) for item in document.get("keys", [])]


def _write(entries: list[KeyEntry]) -> None:
    document = {"keys": [{"jwk": entry.jwk, "active_from": entry.active_from, "retire_at": entry.retire_at}
                         for entry in entries]}
    _client().put_secret_value(SecretId=get_settings().signing_keys_secret, SecretString=json.dumps(document))


_lock = threading.Lock()
_cache: tuple[float, list[KeyEntry]] | None = None


def entries() -> list[KeyEntry]:
    """The key set, read at most every KEY_CACHE_SECONDS per container. An empty set is not kept: the
    first key (ensure_first_key) is seen by the next request, not five minutes later."""
    global _cache
    with _lock:
        if _cache is None or not _cache[1] or time.monotonic() - _cache[0] >= KEY_CACHE_SECONDS:
            _cache = (time.monotonic(), _read())
        return _cache[1]


def forget_cached() -> None:
    global _cache
    with _lock:
        _cache = None


def active(now: float | None = None) -> KeyEntry:
    """The key that signs now: the newest one whose `active_from` has come."""
    moment = clock.now() if now is None else now
    candidates = [entry for entry in entries() if entry.active_from <= moment and entry.published(moment)]
    if not candidates:
        raise NoSigningKeyError("no active OpenID Connect signing key")
    return max(candidates, key=lambda entry: entry.active_from)


def published(now: float | None = None) -> list[KeyEntry]:
    moment = clock.now() if now is None else now
    return [entry for entry in entries() if entry.published(moment)]


def new_private_jwk() -> dict:
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(KEY_BITS, parameters={"alg": ALGORITHM, "use": "sig"}, private=True)
    key.ensure_kid()  # the RFC 7638 thumbprint
    return key.as_dict(private=True)


def rotate(now: int, *, immediately: bool = False) -> KeyEntry:
    """Add a new key. It signs from `now + KEY_CACHE_SECONDS` and the key it replaces is retired
    RETIRE_AFTER_SECONDS after that; keys retired before `now` are dropped. `immediately` (a key
    that may be compromised) makes the new key sign at once and unpublishes the others now: tokens
    they signed stop validating."""
    current = [entry for entry in _read() if entry.published(now)]
    starts = now if immediately or not current else now + KEY_CACHE_SECONDS
    retire = now if immediately else starts + RETIRE_AFTER_SECONDS
    kept = [KeyEntry(entry.jwk, entry.active_from, entry.retire_at if entry.retire_at is not None else retire)
            for entry in current]
    fresh = KeyEntry(new_private_jwk(), starts, None)
    _write([*kept, fresh])
    forget_cached()
    return fresh


def ensure_first_key(now: int) -> bool:
    """A stage's first key, when the secret holds none (right after the first deployment, the template
    creates it empty): the logout runner calls this every minute, so the provider starts signing
    within a minute of the first deployment without an operator's step. True when it added the key.

    The write's version token is derived from the empty version it read: a second writer that read the
    same empty version (two runs racing) gets ResourceExistsException instead of replacing a key that
    may already sign."""
    import hashlib

    if published(now):
        return False
    forget_cached()
    client = _client()
    name = get_settings().signing_keys_secret
    current = client.get_secret_value(SecretId=name)
    if json.loads(current.get("SecretString") or "{}").get("keys"):
        return False  # keys, none published now: an operator's matter (rotate-signing-key), not a first key
    token = "first-key-" + hashlib.sha256(current["VersionId"].encode("utf-8")).hexdigest()[:32]
    document = {"keys": [{"jwk": new_private_jwk(), "active_from": now, "retire_at": None}]}
    try:
        client.put_secret_value(SecretId=name, SecretString=json.dumps(document), ClientRequestToken=token)
    except client.exceptions.ResourceExistsException:
        return False  # another run wrote the first key
    finally:
        forget_cached()
    return True


def ensure_secret(now: int) -> None:
    """The local stage's set-up: the secret with a first key, unless it has one already."""
    client = _client()
    name = get_settings().signing_keys_secret
    try:
        client.describe_secret(SecretId=name)
    except client.exceptions.ResourceNotFoundException:
        client.create_secret(Name=name, SecretString="{}")
    if not [entry for entry in _read() if entry.published(now)]:
        rotate(now)
