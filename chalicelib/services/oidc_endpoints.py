"""What each OpenID Connect endpoint does, on services/oidc.py's Authlib server.

The authorization request is checked when it arrives (`start`) and kept, signed, in a short-lived
cookie while the visitor logs in on the portal's own pages; `resume` then decides, with the session
the browser has: a code for the client, a login first (none yet, `prompt=login`, `max_age`, or a
weaker login than the client or request demands), the adviser's choice of client, or an error (sent
to the client only when its redirect URI was registered; otherwise an error page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import ResourceProtector
from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from authlib.oidc.core.errors import LoginRequiredError
from authlib.oidc.rpinitiated import EndSessionEndpoint
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey

from chalicelib import clock
from chalicelib.roles import Role
from chalicelib.security.tokens import new_token
from chalicelib.services import oidc
from chalicelib.services.audit import RequestContext
from chalicelib.services.oidc import Answer, Provider, Request
from chalicelib.services.sessions import Access, Authenticated
from chalicelib.storage import oidc as store
from chalicelib.storage import signing_keys
from chalicelib.storage.keys import get_keys

PENDING_SECONDS = 600  # how long a login for an authorization request may take


class UnmetAuthenticationRequirementsError(OAuth2Error):
    """OpenID Connect Core error code `unmet_authentication_requirements`: the login made does not
    reach the authentication class the client or the request demands."""

    error = "unmet_authentication_requirements"


# ---------------------------------------------------------------- discovery and keys


def discovery(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oidc/authorize",
        "token_endpoint": f"{issuer}/oidc/token",
        "userinfo_endpoint": f"{issuer}{oidc.USERINFO_PATH}",
        "jwks_uri": f"{issuer}/oidc/jwks",
        "end_session_endpoint": f"{issuer}/oidc/logout",
        "scopes_supported": list(oidc.SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [signing_keys.ALGORITHM],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256", "PS256"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": list(oidc.CLAIMS),
        "acr_values_supported": list(oidc.ACR_VALUES),
        "prompt_values_supported": ["none", "login"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "ui_locales_supported": ["nl", "en", "pap"],
    }


def jwks() -> dict[str, Any]:
    """The published public keys (the active one, the next one, and retired ones still in use)."""
    if not signing_keys.published():
        raise signing_keys.NoSigningKeyError("no published OpenID Connect signing key")
    return oidc.published_keys().as_dict(private=False)


# ---------------------------------------------------------------- the pending authorization request


def _pending_key() -> OctKey:
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"digitaal-portaal oidc pending request").derive(
        get_keys().hmac_key)
    return OctKey.import_key(raw)


@dataclass
class Pending:
    query: list[tuple[str, str]]
    started: int
    acting_for: str | None = None  # a client CRIB chosen by an adviser, or "self"

    def seal(self) -> str:
        claims = {"q": self.query, "t": self.started, "exp": self.started + PENDING_SECONDS}
        if self.acting_for:
            claims["for"] = self.acting_for
        return jwt.encode({"alg": "HS256"}, claims, _pending_key())

    @staticmethod
    def open(value: str | None) -> Pending | None:
        if not value:
            return None
        try:
            token = jwt.decode(value, _pending_key(), algorithms=["HS256"])
            claims = token.claims
            if int(claims["exp"]) <= int(clock.now()):
                return None
            return Pending([(str(name), str(found)) for name, found in claims["q"]], int(claims["t"]),
                           claims.get("for"))
        except (JoseError, KeyError, TypeError, ValueError):
            return None


# ---------------------------------------------------------------- authorization endpoint


@dataclass(frozen=True)
class Outcome:
    """What the authorization endpoint answers: `redirect` (to the client: a code or an error),
    `login` (the portal's login first), `choose` (the adviser picks a client), `resume` (carry on
    with the signed request), or `error` (a page: the request cannot be answered to the client)."""

    kind: str
    location: str | None = None
    error: str | None = None
    pending: Pending | None = None
    clients: list[dict] = field(default_factory=list)


def _request(issuer: str, path: str, query: list[tuple[str, str]]) -> Request:
    return Request("GET", f"{issuer}{path}", {}, query, [])


def _validated(provider: Provider, request: Request):  # type: ignore[no-untyped-def]
    grant = provider.get_authorization_grant(request)
    grant.validate_no_multiple_request_parameter(request)
    redirect_uri = grant.validate_authorization_request()
    if "openid" not in (request.payload.scope or "").split():
        raise InvalidRequestError("The 'openid' scope is required.", redirect_uri=redirect_uri)
    return grant, redirect_uri


def _refusal(error: OAuth2Error, request: Request) -> Outcome:
    if error.redirect_uri:
        error.state = request.payload.state
        status, _, headers = error()
        return Outcome("redirect", location=dict(headers)["Location"])
    return Outcome("error", error=_page_error(error))


def _page_error(error: OAuth2Error) -> str:
    if error.error == "invalid_client":
        return "unknown_client"
    description = error.description or ""
    if "redirect" in description.lower():
        return "redirect_uri"
    return "invalid_request"


def start(issuer: str, query: list[tuple[str, str]], context: RequestContext) -> Outcome:
    """GET /oidc/authorize: the request checked as it arrives, then kept while the visitor logs in."""
    request = _request(issuer, "/oidc/authorize", query)
    if request.outside_syntax():
        return Outcome("error", error="invalid_request")
    provider = Provider(issuer, context)
    try:
        _validated(provider, request)
    except OAuth2Error as error:
        return _refusal(error, request)
    return Outcome("resume", pending=Pending(query, int(clock.now())))


def _prompts(request: Request) -> list[str]:
    return (request.payload.data.get("prompt") or "").split()


def _max_age(request: Request, redirect_uri: str) -> int | None:
    value = request.payload.data.get("max_age")
    if value is None:
        return None
    if not value.isdigit():
        raise InvalidRequestError("Invalid 'max_age'.", redirect_uri=redirect_uri)
    return int(value)


def required_acr(client: oidc.Client, request: Request) -> str | None:
    """The lowest class the login must reach: the client's registered minimum, raised to the lowest
    class the request's `acr_values` names (unknown values are ignored)."""
    candidates = [value for value in (request.payload.data.get("acr_values") or "").split() if value in oidc.ACR_VALUES]
    demanded = min(candidates, key=oidc.acr_rank) if candidates else None
    levels = [value for value in (client.item.min_acr, demanded) if value]
    return max(levels, key=oidc.acr_rank) if levels else None


def resume(issuer: str, pending: Pending | None, current: Authenticated | None, context: RequestContext) -> Outcome:
    """GET /oidc/authorize/continue: the kept request answered with the browser's session."""
    if pending is None:
        return Outcome("error", error="expired")
    provider = Provider(issuer, context)
    request = _request(issuer, "/oidc/authorize", pending.query)
    try:
        grant, redirect_uri = _validated(provider, request)
        prompts = _prompts(request)
        if "none" in prompts and len(prompts) > 1:
            raise InvalidRequestError("Invalid 'prompt' parameter.", redirect_uri=redirect_uri)
        max_age = _max_age(request, redirect_uri)
        needed = required_acr(grant.request.client, request)
        # Access.FULL: both factors (and, where the portal demands it, no new password owed first).
        session = current.session if current is not None and Access.FULL.admits(current.session) else None
        now = int(clock.now())
        fresh = session is not None and int(session.created_at) >= pending.started
        acr = oidc.acr_of(session.amr) if session is not None else None
        satisfied = (
            session is not None
            and ("login" not in prompts or fresh)
            and (max_age is None or now - int(session.created_at) <= max_age)
            and (needed is None or oidc.acr_rank(acr) >= oidc.acr_rank(needed))
        )
        if not satisfied:
            if "none" in prompts:
                raise LoginRequiredError(redirect_uri=redirect_uri)
            if fresh and needed is not None and oidc.acr_rank(acr) < oidc.acr_rank(needed):
                raise UnmetAuthenticationRequirementsError(
                    "The login does not reach the required authentication class.", redirect_uri=redirect_uri)
            return Outcome("login", pending=pending)
        assert current is not None and session is not None  # noqa: S101 - satisfied implies both
        representation = None
        if Role.REPRESENTATIVE in (current.user.roles or ()):
            from chalicelib.services import oidc_representation

            wants = "representation" in (request.scope or "").split()
            if pending.acting_for is None:
                clients = oidc_representation.choices(current.user)
                if clients or wants:
                    return Outcome("choose", pending=pending, clients=clients)
            elif pending.acting_for != "self":
                representation = oidc_representation.representation_for(current.user, pending.acting_for)
                if representation is None:
                    return Outcome("choose", pending=Pending(pending.query, pending.started), clients=(
                        oidc_representation.choices(current.user)), error="authorization_ended")
        login = oidc.Login(current.user.username, session.sid or "", int(session.created_at),
                           sorted(session.amr or ()), acr or oidc.ACR_BACKUP_CODE, new_token()[:32],
                           int(session.absolute_expiry), representation)
        _, _, headers = grant.create_authorization_response(redirect_uri, login)
        return Outcome("redirect", location=dict(headers)["Location"])
    except OAuth2Error as error:
        return _refusal(error, request)


# ---------------------------------------------------------------- token and userinfo endpoints


def token(issuer: str, request: Request, context: RequestContext) -> Answer:
    """POST /oidc/token: Authlib's token endpoint (JSON answers and errors, RFC 6749 5.1 and 5.2)."""
    if request.outside_syntax():
        return Answer(400, {"error": "invalid_request", "error_description": "A parameter is not printable ASCII."},
                      {"Cache-Control": "no-store", "Pragma": "no-cache"})
    return Provider(issuer, context).create_token_response(request)


class _AccessTokenValidator(JWTBearerTokenValidator):
    def get_jwks(self) -> KeySet:
        return oidc.published_keys()


def userinfo(issuer: str, request: Request) -> Answer:
    """GET/POST /api/v1/oidc/userinfo: the bearer access token's claims about its subject, while its grant is live."""
    protector = ResourceProtector()
    protector.register_token_validator(_AccessTokenValidator(issuer, f"{issuer}{oidc.USERINFO_PATH}"))
    try:
        claims = protector.validate_request(["openid"], request)
    except OAuth2Error as error:
        status, body, headers = error()
        return Answer(status, dict(body), dict(headers))
    grant = store.get_grant(str(claims.get("gid") or ""))
    if grant is None or grant.state != store.LIVE:
        return Answer(401, {"error": "invalid_token", "error_description": "The token has been revoked."},
                      {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    representation = json.loads(grant.representation) if grant.representation else None
    login = oidc.Login(grant.username, grant.sid, int(grant.auth_time), sorted(grant.amr or []), grant.acr,
                       grant.grant_id, int(grant.expires_at), representation)
    return Answer(200, oidc._identity_claims(login, str(claims.get("scope") or "")), {})


# ---------------------------------------------------------------- RP-initiated logout


class _EndSession(EndSessionEndpoint):
    def __init__(self, server: Provider) -> None:
        super().__init__(server)
        self.ended: dict | None = None

    def get_server_jwks(self) -> KeySet:
        return oidc.published_keys()

    def get_algorithms(self) -> list[str]:
        return [signing_keys.ALGORITHM]

    def end_session(self, end_session_request) -> None:  # type: ignore[no-untyped-def]
        self.ended = end_session_request.id_token_claims


@dataclass(frozen=True)
class LogoutOutcome:
    """`redirect` to the client's registered post-logout URI (with its state), `done` (the logged-out
    page), `confirm` (no valid ID token named the session: the visitor is asked), or `error`."""

    kind: str
    location: str | None = None
    client_name: str | None = None


def logout(issuer: str, request: Request, context: RequestContext) -> LogoutOutcome:
    if request.outside_syntax():
        return LogoutOutcome("error")
    provider = Provider(issuer, context)
    endpoint = _EndSession(provider)
    provider.register_endpoint(endpoint)
    try:
        validated = provider.validate_endpoint_request("end_session", request)
    except OAuth2Error:
        return LogoutOutcome("error")
    name = validated.client.item.name if validated.client is not None else None
    if validated.needs_confirmation:
        return LogoutOutcome("confirm", client_name=name)
    answer = provider.create_endpoint_response("end_session", validated)
    claims = endpoint.ended or {}
    if claims.get("sid"):
        from chalicelib.services import oidc_logout

        oidc_logout.end_portal_session(str(claims["sid"]), context)
    if answer is not None and answer.location:
        return LogoutOutcome("redirect", location=answer.location)
    return LogoutOutcome("done", client_name=name)
