"""Validation of a back-channel logout token (OpenID Connect Back-Channel Logout 1.0, section 2.6):
signed by a key of the portal's JWKS with an algorithm it announces, from the portal, for this
client, recent, carrying the back-channel logout event, naming a `sub` or a `sid`, without a nonce,
and not used before. The JOSE work is joserfc's (the library Authlib's client uses)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TYPES = ("logout+jwt", "application/logout+jwt")
LEEWAY_SECONDS = 30
# A logout token is about a logout that just happened: older ones are refused.
MAX_AGE_SECONDS = 300


class InvalidLogoutToken(Exception):  # noqa: N818 - the spec's own name for the refusal
    """The token is refused; the message says why (for the log and the 400 answer)."""


@dataclass(frozen=True)
class LogoutRequest:
    sub: str | None
    sid: str | None
    jti: str
    expires_at: float


def validate(token: str, key_set: Callable[[bool], dict], issuer: str, client_id: str,
             algorithms: Collection[str], now: Callable[[], int]) -> LogoutRequest:
    """The logout the token asks for. `key_set(force)` returns the JWKS (fetched anew when `force`: a
    token signed with a key not yet seen may follow a key rotation)."""
    if not algorithms or "none" in algorithms:
        raise InvalidLogoutToken("no usable signing algorithm announced")
    try:
        try:
            decoded = jwt.decode(token, KeySet.import_key_set(key_set(False)), algorithms=list(algorithms))
        except InvalidKeyIdError:
            decoded = jwt.decode(token, KeySet.import_key_set(key_set(True)), algorithms=list(algorithms))
    except (JoseError, ValueError) as error:
        raise InvalidLogoutToken(f"signature or format: {error}") from error
    typ = decoded.header.get("typ")
    if typ is not None and str(typ).lower() not in LOGOUT_TOKEN_TYPES:
        raise InvalidLogoutToken(f"typ {typ!r} is not a logout token's")
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        now=now, leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer}, aud={"essential": True, "value": client_id},
        iat={"essential": True}, exp={"essential": True}, jti={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        raise InvalidLogoutToken(f"claims: {error}") from error
    if now() - int(claims["iat"]) > MAX_AGE_SECONDS + LEEWAY_SECONDS:
        raise InvalidLogoutToken("issued too long ago")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise InvalidLogoutToken("no back-channel logout event")
    if "nonce" in claims:
        raise InvalidLogoutToken("a logout token carries no nonce")
    sub, sid = claims.get("sub"), claims.get("sid")
    if not isinstance(sub, str | None) or not isinstance(sid, str | None) or (sub is None and sid is None):
        raise InvalidLogoutToken("neither sub nor sid")
    return LogoutRequest(sub=sub, sid=sid, jti=claims["jti"], expires_at=float(claims["exp"]))
