"""Registering a relying party (a tax application) with the provider: the operations command
(`python -m chalicelib.manage register-client`) and the local stage's demo client use it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib import clock
from chalicelib.security.passwords import hash_password
from chalicelib.security.tokens import new_token
from chalicelib.services import oidc
from chalicelib.settings import get_settings
from chalicelib.storage import oidc as store

AUTH_METHODS = ("client_secret_basic", "private_key_jwt")
CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")


class ClientRegistrationError(ValueError):
    """What is wrong with a registration (in English: the operations command prints it)."""


@dataclass(frozen=True)
class Registered:
    client_id: str
    secret: str | None  # shown once; only its argon2id hash is stored


def _uri(value: str, what: str) -> str:
    parts = urlsplit(value)
    local = get_settings().is_local and parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
    if parts.scheme != "https" and not local:
        raise ClientRegistrationError(f"{what} must be an https URL: {value}")
    if parts.fragment or not parts.netloc:
        raise ClientRegistrationError(f"{what} must be an absolute URL without a fragment: {value}")
    return value


def register(*, name: str, redirect_uris: list[str], post_logout_redirect_uris: list[str] | None = None,
             backchannel_logout_uri: str | None = None, auth_method: str = "client_secret_basic",
             jwks: dict | None = None, scopes: list[str] | None = None, min_acr: str | None = None,
             client_id: str | None = None, secret: str | None = None) -> Registered:
    """Store a client; raises ClientRegistrationError for a bad registration, ClientTakenError for an id in use."""
    if not name.strip():
        raise ClientRegistrationError("a name is required")
    if not redirect_uris:
        raise ClientRegistrationError("at least one redirect URI is required")
    if auth_method not in AUTH_METHODS:
        raise ClientRegistrationError(f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}")
    if auth_method == "private_key_jwt":
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        try:
            keys = KeySet.import_key_set(jwks or {})
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise ClientRegistrationError(f"the client's JWKS cannot be read: {error}") from error
        if not keys.keys or any(key.is_private for key in keys.keys):
            raise ClientRegistrationError("the client's JWKS must hold public keys only")
    chosen_scopes = scopes or ["openid", "profile", "email", "crib"]
    unknown = [scope for scope in chosen_scopes if scope not in oidc.SCOPES]
    if unknown or "openid" not in chosen_scopes:
        raise ClientRegistrationError(f"scopes must include openid and be among {', '.join(oidc.SCOPES)}")
    if min_acr is not None and min_acr not in oidc.ACR_VALUES:
        raise ClientRegistrationError(f"min_acr must be one of {', '.join(oidc.ACR_VALUES)}")
    identifier = client_id or f"client-{new_token()[:16].lower().replace('_', 'x')}"
    if not CLIENT_ID.match(identifier):
        raise ClientRegistrationError("client_id: 3-64 lower-case letters, digits and hyphens")
    issued = None
    if auth_method == "client_secret_basic":
        issued = secret or new_token()
    store.register_client(store.OidcClient(
        identifier, name=name.strip(), redirect_uris=[_uri(uri, "redirect URI") for uri in redirect_uris],
        post_logout_redirect_uris=[_uri(uri, "post-logout redirect URI") for uri in post_logout_redirect_uris or []],
        backchannel_logout_uri=_uri(backchannel_logout_uri, "back-channel logout URI") if backchannel_logout_uri
        else None,
        token_endpoint_auth_method=auth_method, secret_hash=hash_password(issued) if issued else None,
        jwks=json.dumps(jwks) if auth_method == "private_key_jwt" else None, scopes=chosen_scopes, min_acr=min_acr,
        created_at=int(clock.now())))
    return Registered(identifier, issued)
