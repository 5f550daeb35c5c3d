"""The support desk's register of tax applications (OpenID Connect clients): list, register, disable.

Staff only, through the staff rules (services/staff.py: a staff role with 2FA, a stated reason, a
refusal audited as `denied`). Each change is one transaction with its audit event
(storage/oidc_client_register.py). A registration's secret is shown once and kept as an argon2id
hash; a disabled client gets no logins, tokens or refreshes any more.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security.passwords import hash_password
from chalicelib.security.tokens import new_token
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.staff import authorize, require_staff
from chalicelib.settings import get_settings
from chalicelib.storage import oidc as store
from chalicelib.storage import oidc_client_register as register_store
from chalicelib.storage.base import Conflict
from chalicelib.storage.users import User

AUTH_METHODS = ("client_secret_basic", "private_key_jwt")
DEFAULT_SCOPES = ("openid", "profile", "email", "crib")
MAX_URIS = 10
URI_MAX = 2000
NAME_MAX = 100
# Plain http is for the local stage's own applications only (as services/oidc_clients.py rules).
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def describe(client: store.OidcClient) -> dict[str, Any]:
    """What the desk shows of a client (never its secret hash or keys)."""
    return {
        "client_id": client.client_id,
        "name": client.name,
        "redirect_uris": list(client.redirect_uris or []),
        "post_logout_redirect_uris": list(client.post_logout_redirect_uris or []),
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "scopes": list(client.scopes or []),
        "disabled": bool(client.disabled),
        "created_at": int(client.created_at),
    }


def list_clients(actor: User) -> dict[str, list[dict]]:
    require_staff(actor)
    found = sorted(store.clients(), key=lambda client: (client.name.casefold(), client.client_id))
    return {"items": [describe(client) for client in found]}


def _invalid(field: str, reason: str) -> PortalError:
    return PortalError(ErrorCode.INVALID_REQUEST, field=field, reason=reason)


def valid_uri(value: object) -> bool:
    """An absolute https URI (plain http only on 127.0.0.1 or localhost, in the local stage), no
    fragment (RFC 6749 3.1.2), no user name or password in it, no control characters or spaces."""
    if not isinstance(value, str) or not value or len(value) > URI_MAX:
        return False
    if "#" in value or any(ord(character) < 0x21 or ord(character) == 0x7F for character in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        return False
    if parts.username or parts.password or not host:
        return False
    local = get_settings().is_local and parts.scheme == "http" and host in LOCAL_HOSTS
    return parts.scheme == "https" or local


def _uris(field: str, values: object, *, required: bool) -> list[str]:
    reason = "oidc_clients.invalid.redirect_uris" if field == "redirect_uris" else "oidc_clients.invalid.uri"
    if not isinstance(values, list) or len(values) > MAX_URIS or (required and not values):
        raise _invalid(field, reason)
    if not all(valid_uri(value) for value in values):
        raise _invalid(field, reason)
    return list(dict.fromkeys(values))


def _public_jwks(jwks: object) -> str:
    """The client's public signing keys as stored JSON: at least one, at most ten, none private (a
    private key sent here is refused, never stored)."""
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not 0 < len(keys) <= MAX_URIS:
        raise _invalid("jwks", "oidc_clients.invalid.jwks")
    try:
        imported = KeySet.import_key_set({"keys": keys})
    except (JoseError, ValueError, TypeError, KeyError):
        raise _invalid("jwks", "oidc_clients.invalid.jwks") from None
    if any(key.is_private or key.key_type == "oct" for key in imported.keys):
        raise _invalid("jwks", "oidc_clients.invalid.jwks")
    return json.dumps({"keys": keys}, separators=(",", ":"))


def _scopes(values: object) -> list[str]:
    from chalicelib.services.oidc import SCOPES

    if values is None:
        return list(DEFAULT_SCOPES)
    if not isinstance(values, list) or "openid" not in values or not all(value in SCOPES for value in values):
        raise _invalid("scopes", "oidc_clients.invalid.scopes")
    return [scope for scope in SCOPES if scope in values]


def register(actor: User, *, name: str, redirect_uris: list, post_logout_redirect_uris: list,
             backchannel_logout_uri: str | None, auth_method: str, jwks: dict | None, scopes: list | None,
             reason: str | None, context: RequestContext) -> dict[str, Any]:
    """Register a client; the answer holds its id and, for client_secret_basic, its secret (once)."""
    client_id = f"client-{new_token()[:16].lower().replace('_', 'x')}"  # the operations command's form
    why = authorize(actor, "oidc.client_registered", context, reason=reason, target=f"client:{client_id}")
    label = (name or "").strip()
    if not 0 < len(label) <= NAME_MAX or any(ord(character) < 0x20 for character in label):
        raise _invalid("name", "oidc_clients.invalid.name")
    redirects = _uris("redirect_uris", redirect_uris, required=True)
    post_logout = _uris("post_logout_redirect_uris", post_logout_redirect_uris, required=False)
    if backchannel_logout_uri is not None and not valid_uri(backchannel_logout_uri):
        raise _invalid("backchannel_logout_uri", "oidc_clients.invalid.uri")
    if auth_method not in AUTH_METHODS:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="token_endpoint_auth_method")
    secret = new_token() if auth_method == "client_secret_basic" else None
    keys = _public_jwks(jwks) if auth_method == "private_key_jwt" else None
    granted = _scopes(scopes)
    client = store.OidcClient(
        client_id, name=label, redirect_uris=redirects, post_logout_redirect_uris=post_logout,
        backchannel_logout_uri=backchannel_logout_uri, token_endpoint_auth_method=auth_method,
        secret_hash=hash_password(secret) if secret else None, jwks=keys, scopes=granted,
        created_at=int(clock.now()))
    event = new_event("oidc.client_registered", actor=actor.username, target=f"client:{client_id}",
                      outcome="success", context=context, reason=why,
                      details={"client_id": client_id, "name": label, "auth_method": auth_method})
    register_store.register(client, event)
    return {**describe(client), "client_secret": secret}


def disable(actor: User, client_id: str, reason: str | None, context: RequestContext) -> None:
    """Disable a client: from now on the provider does not know it (storage/oidc.get_client), so it gets
    no login, no token and no refresh; the access tokens it holds expire within their five minutes.
    404 unknown, 409 disabled already."""
    target = f"client:{(client_id or '')[:64]}"
    why = authorize(actor, "oidc.client_disabled", context, reason=reason, target=target)
    client = register_store.registered(client_id)
    if client is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    event = new_event("oidc.client_disabled", actor=actor.username, target=target, outcome="success",
                      context=context, reason=why, details={"client_id": client.client_id})
    try:
        register_store.disable(client.client_id, event)
    except Conflict:
        raise PortalError(ErrorCode.CONFLICT) from None
