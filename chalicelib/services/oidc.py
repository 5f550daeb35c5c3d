"""The OpenID Connect provider on Authlib's generic server components (docs/architecture.md
"OpenID Connect provider").

Authlib's framework integrations are written for Flask and Django; this module gives its generic
`AuthorizationServer` what an integration would (the request wrapper is built by the HTTP layer,
api/oidc_http.py, from Chalice's request; answers come back as `Answer`), and the storage it asks
for (storage/oidc.py). Protocol checks (redirect URIs, PKCE, client authentication, code and
refresh grants, the ID token, bearer tokens, RP-initiated logout) are Authlib's; JOSE is joserfc's.
What is the portal's own: which login a request needs (prompt, max_age, acr), the subject of a
token (an adviser acting for a client), and what ends a grant.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2 import rfc6749
from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import grants as oidc_grants
from joserfc.jwk import KeySet

from chalicelib import clock
from chalicelib.security.passwords import verify_password
from chalicelib.security.tokens import new_token, token_hash
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.settings import get_settings
from chalicelib.storage import oidc as store
from chalicelib.storage import signing_keys
from chalicelib.storage.base import Conflict
from chalicelib.storage.keys import get_keys

ACCESS_TOKEN_SECONDS = 300
ID_TOKEN_SECONDS = 300
CODE_SECONDS = 60
# The userinfo endpoint is a resource of the JSON API (api/oidc_resource.py): it answers 401 and 503 in
# JSON like the API, never an HTML page. It is also the access tokens' second audience.
USERINFO_PATH = "/api/v1/oidc/userinfo"
SCOPES = ("openid", "profile", "email", "crib", "representation")
CLAIMS = ("sub", "sid", "auth_time", "acr", "amr", "name", "email", "crib", "act",
          "representation")

# Authentication context classes, lowest first (published in the discovery document). A session's
# class follows from how its second step was made (its `amr`).
ACR_BACKUP_CODE = "urn:digitaal-portaal:acr:password-backup-code"
ACR_TOTP = "urn:digitaal-portaal:acr:password-totp"
ACR_PASSKEY = "urn:digitaal-portaal:acr:password-passkey"
ACR_VALUES = (ACR_BACKUP_CODE, ACR_TOTP, ACR_PASSKEY)


def acr_of(amr: set[str] | list[str] | None) -> str:
    methods = set(amr or ())
    if "hwk" in methods:
        return ACR_PASSKEY
    if "otp" in methods:
        return ACR_TOTP
    return ACR_BACKUP_CODE  # a backup code, or a session from before methods were recorded


def acr_rank(acr: str | None) -> int:
    return ACR_VALUES.index(acr) if acr in ACR_VALUES else -1


def subject(username: str) -> str:
    """The `sub` of an account: stable, opaque (an HMAC of the account name), the same for every client."""
    digest = hmac.new(get_keys().hmac_key, b"oidc-subject\x00" + username.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


if get_settings().is_local:
    # The local stage runs on plain http (127.0.0.1); every other stage is https-only.
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")


# ---------------------------------------------------------------- what the HTTP layer hands over


class Headers(dict):
    """Request headers looked up without regard to case (Authlib asks for "Authorization")."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__({name.lower(): value for name, value in (headers or {}).items()})

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)

    def __getitem__(self, name: str) -> Any:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())


class _Payload(rfc6749.OAuth2Payload):
    def __init__(self, values: list[tuple[str, str]]) -> None:
        self._datalist: dict[str, list[str]] = defaultdict(list)
        for name, value in values:
            self._datalist[name].append(value)
        self._data = {name: found[0] for name, found in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:  # type: ignore[override]
        return self._datalist


class Request(OAuth2Request):
    """Authlib's request: method, URL, headers, and the query (GET) or form (POST) parameters."""

    def __init__(self, method: str, uri: str, headers: dict[str, str], query: list[tuple[str, str]],
                 form: list[tuple[str, str]]) -> None:
        super().__init__(method, uri, headers=Headers(headers))
        self._args = {name: value for name, value in query}
        self._form = {name: value for name, value in form}
        self.payload = _Payload(query if method == "GET" else form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form

    def outside_syntax(self) -> bool:
        """Whether a parameter that must be printable ASCII (ASCII_PARAMETERS) is not."""
        return any(name in ASCII_PARAMETERS and not _PRINTABLE_ASCII.fullmatch(value)
                   for name, value in (*self._args.items(), *self._form.items()))


# RFC 6749 appendix A (and OpenID Connect Core 3.1.2.1): these parameters are printable ASCII,
# %x20-7E. Authlib repeats some of them (response_type, grant_type) in the description of its error
# and refuses, with a ValueError, to build a description outside that set; so a request carrying one
# is refused as invalid_request before Authlib reads it.
ASCII_PARAMETERS = frozenset({
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "prompt", "max_age",
    "acr_values", "response_mode", "code_challenge", "code_challenge_method", "grant_type", "code",
    "code_verifier", "refresh_token", "client_secret", "client_assertion", "client_assertion_type",
    "id_token_hint", "post_logout_redirect_uri", "token", "token_type_hint"})
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # a dict (JSON) or a string
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


def _answer(status: int, body: Any, headers: list[tuple[str, str]] | dict[str, str]) -> Answer:
    return Answer(status, body, dict(headers))


# ---------------------------------------------------------------- Authlib's models


class Client(rfc6749.ClientMixin):
    def __init__(self, item: store.OidcClient) -> None:
        self.item = item
        self.client_id = item.client_id
        self.client_metadata = {"post_logout_redirect_uris": list(item.post_logout_redirect_uris or [])}

    def get_client_id(self) -> str:
        return self.item.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # every request names its redirect URI (checked exactly)

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(self.item.scopes or ())
        return " ".join(name for name in (scope or "").split() if name in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.item.redirect_uris or [])

    def check_client_secret(self, client_secret: str) -> bool:
        return bool(self.item.secret_hash) and verify_password(self.item.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.item.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class Login:
    """Authlib's "user": who logged in with which session, and for whom they act."""

    username: str
    sid: str
    auth_time: int
    amr: list[str]
    acr: str
    grant_id: str
    session_ends: int
    representation: dict | None = None  # {"client_username", "client_crib", "authorizations": [...]}

    def get_user_id(self) -> str:
        if self.representation:
            return subject(self.representation["client_username"])
        return subject(self.username)


class Code(rfc6749.AuthorizationCodeMixin):
    def __init__(self, item: store.AuthorizationCode) -> None:
        self.item = item
        self.code_challenge = item.code_challenge
        self.code_challenge_method = item.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.item.redirect_uri

    def get_scope(self) -> str:
        return self.item.scope

    def get_nonce(self) -> str | None:
        return self.item.nonce

    def get_auth_time(self) -> int:
        return int(self.item.auth_time)

    def get_acr(self) -> str:
        return self.item.acr

    def get_amr(self) -> list[str]:
        return sorted(self.item.amr or [])


# ---------------------------------------------------------------- grants and extensions


class S256Only(CodeChallenge):
    """PKCE on every request, S256 only: `plain` (and a missing method, which means plain) is refused."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):  # type: ignore[no-untyped-def]
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        return super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "private_key_jwt"]

    def save_authorization_code(self, code: str, request: Request) -> None:
        login: Login = request.user
        data = request.payload.data
        store.save_code(store.AuthorizationCode(
            token_hash(code), client_id=request.client.get_client_id(), redirect_uri=data["redirect_uri"],
            scope=request.scope, code_challenge=data["code_challenge"], code_challenge_method="S256",
            nonce=data.get("nonce"), username=login.username, sid=login.sid, auth_time=login.auth_time,
            amr=login.amr, acr=login.acr, grant_id=login.grant_id,
            representation=json.dumps(login.representation) if login.representation else None,
            expires_at=int(clock.now()) + CODE_SECONDS))

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        item = store.get_code(token_hash(code))
        if item is None or item.client_id != client.get_client_id():
            return None
        if item.used:
            # A second use: the code leaked. Whatever was issued from it stops working (RFC 6749 4.1.2).
            end_grant(item.grant_id, "code_reused")
            return None
        if int(item.expires_at) <= int(clock.now()):
            return None
        return Code(item)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Nothing to do: the code was marked used by the transaction that stored its tokens (save_token)."""

    def authenticate_user(self, authorization_code: Code) -> Login | None:
        item = authorization_code.item
        representation = json.loads(item.representation) if item.representation else None
        if representation is not None and not representation_holds(representation):
            return None
        return Login(item.username, item.sid, int(item.auth_time), sorted(item.amr or []), item.acr, item.grant_id,
                     int(item.auth_time) + get_settings().session_absolute_seconds, representation)


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "private_key_jwt"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotated at every use

    def authenticate_refresh_token(self, refresh_token: str) -> _RefreshToken | None:
        item = store.get_refresh_token(token_hash(refresh_token))
        if item is None:
            return None
        if item.used:
            end_grant(item.grant_id, "refresh_token_reused")  # the family ends: a stolen copy is useless
            return None
        if int(item.expires_at) <= int(clock.now()):
            return None
        grant = store.get_grant(item.grant_id)
        if grant is None or grant.state != store.LIVE:
            return None
        from chalicelib.services.oidc_logout import live_session

        if live_session(grant) is None:
            # The portal session ended in a way no hook saw (or before the runner's next look): the
            # client login ends here, and its back-channel logout is due at once.
            end_grant(grant.grant_id, "session_ended")
            return None
        return _RefreshToken(item, grant)

    def authenticate_user(self, refresh_token: _RefreshToken) -> Login | None:
        grant = refresh_token.grant
        representation = json.loads(grant.representation) if grant.representation else None
        if representation is not None and not representation_holds(representation):
            end_grant(grant.grant_id, "authorization_ended")
            raise InvalidGrantError("The authorization to act for this client has ended.")
        return Login(grant.username, grant.sid, int(grant.auth_time), sorted(grant.amr or []), grant.acr,
                     grant.grant_id, int(grant.expires_at), representation)

    def revoke_old_credential(self, refresh_token: _RefreshToken) -> None:
        """Nothing to do: the token was marked used by the rotation's transaction (save_token)."""


class _RefreshToken(rfc6749.TokenMixin):
    def __init__(self, item: store.RefreshToken, grant: store.Grant) -> None:
        self.item = item
        self.grant = grant

    def check_client(self, client: Client) -> bool:
        return self.item.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.item.scope

    def get_expires_in(self) -> int:
        return int(self.item.expires_at) - int(clock.now())

    def is_expired(self) -> bool:
        return self.get_expires_in() <= 0

    def is_revoked(self) -> bool:
        return self.item.used


def published_keys() -> KeySet:
    """The published public keys (an empty set before the first key: every token then fails to verify)."""
    entries = signing_keys.published()
    return KeySet.import_key_set({"keys": [entry.jwk for entry in entries]}) if entries else KeySet([])


def _signing_key() -> KeySet:
    """The active private key as a one-key set: joserfc then names its `kid` in the header."""
    return KeySet.import_key_set({"keys": [signing_keys.active().jwk]})


def _identity_claims(login: Login, scope: str) -> dict[str, Any]:
    """The claims about the subject for `scope` (ID token and userinfo alike)."""
    from chalicelib.storage.users import get_user

    scopes = set(scope.split())
    claims: dict[str, Any] = {"sub": login.get_user_id()}
    username = login.representation["client_username"] if login.representation else login.username
    user = get_user(username)
    if user is not None:
        if "email" in scopes:
            claims["email"] = user.email
        if "crib" in scopes and user.crib:
            claims["crib"] = user.crib
        if "profile" in scopes and getattr(user, "firm_name", None):
            claims["name"] = user.firm_name
    if login.representation:
        claims["act"] = {"sub": subject(login.username)}
        claims["representation"] = {"client_crib": login.representation["client_crib"],
                                    "authorizations": login.representation["authorizations"]}
    return claims


class IdToken(oidc_grants.OpenIDCode):
    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=False)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: Request) -> bool:
        return False  # a code is used once, so its nonce is too; the client checks its own nonce

    def resolve_client_private_key(self, client: Client) -> KeySet:
        return _signing_key()

    def get_client_algorithm(self, client: Client) -> str:
        return signing_keys.ALGORITHM

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": signing_keys.ALGORITHM}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(clock.now())
        return {"iss": self.provider.issuer, "aud": [client.get_client_id()], "iat": now, "exp": now + ID_TOKEN_SECONDS}

    def generate_user_info(self, user: Login, scope: str) -> dict[str, Any]:
        return {**_identity_claims(user, scope), "sid": user.sid}


class AccessTokens(JWTBearerTokenGenerator):
    """RFC 9068 access tokens (JWT, `typ: at+jwt`), 5 minutes; each names its grant (`gid`)."""

    def __init__(self, provider: Provider) -> None:
        super().__init__(provider.issuer, alg=signing_keys.ALGORITHM, refresh_token_generator=self._refresh_token,
                         expires_generator=ACCESS_TOKEN_SECONDS)
        self.provider = provider

    @staticmethod
    def _refresh_token(client: Client, grant_type: str, user: Login, scope: str) -> str:
        return new_token()

    def get_jwks(self) -> KeySet:
        return _signing_key()

    def get_audiences(self, client: Client, user: Login, scope: str) -> list[str]:
        return [client.get_client_id(), self.provider.userinfo_endpoint]

    def get_auth_time(self, user: Login) -> int:
        return user.auth_time

    def get_acr(self, user: Login) -> str:
        return user.acr

    def get_amr(self, user: Login) -> list[str]:
        return user.amr

    def get_extra_claims(self, client: Client, grant_type: str, user: Login, scope: str) -> dict[str, Any]:
        claims: dict[str, Any] = {"gid": user.grant_id, "sid": user.sid}
        if user.representation:
            claims["act"] = {"sub": subject(user.username)}
            claims["representation"] = {"client_crib": user.representation["client_crib"],
                                        "authorizations": user.representation["authorizations"]}
        return claims


class PrivateKeyJwt(JWTBearerClientAssertion):
    """`private_key_jwt` (RFC 7523 client assertions) against the client's registered public keys;
    each assertion's `jti` is accepted once."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, provider: Provider) -> None:
        super().__init__(validate_jti=True, leeway=30)
        self.provider = provider

    def get_audiences(self) -> list[str]:
        return [self.provider.token_endpoint, self.provider.issuer]

    def resolve_client_public_key(self, client: Client) -> KeySet:
        return KeySet.import_key_set(client.item.public_jwks)

    def validate_jti(self, claims: dict, jti: str) -> bool:
        now = int(clock.now())
        expires = int(claims.get("exp") or now)
        return store.remember_assertion(str(claims["sub"]), str(jti), max(expires, now) + 60, now)


class Provider(AuthorizationServer):
    """Authlib's server for one issuer (the portal's public origin)."""

    def __init__(self, issuer: str, context: RequestContext) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.issuer = issuer
        self.context = context
        self.register_token_generator("default", AccessTokens(self))
        self.register_client_auth_method(PrivateKeyJwt.CLIENT_AUTH_METHOD, PrivateKeyJwt(self))
        self.register_grant(CodeGrant, [S256Only(required=True), IdToken(self)])
        self.register_grant(RefreshGrant)

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/oidc/token"

    @property
    def userinfo_endpoint(self) -> str:
        return f"{self.issuer}{USERINFO_PATH}"

    def query_client(self, client_id: str) -> Client | None:
        item = store.get_client(client_id) if isinstance(client_id, str) else None
        return Client(item) if item is not None else None

    def create_oauth2_request(self, request: Request) -> Request:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> Answer:
        return _answer(status, body, headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def save_token(self, token: dict, request: Request) -> None:
        """The tokens are stored (as hashes) in the same transaction that uses up the code or the
        refresh token, with the audit event; a parallel second use finds the code or token used."""
        login: Login = request.user
        now = int(clock.now())
        client_id = request.client.get_client_id()
        refresh = store.RefreshToken(token_hash(token["refresh_token"]), grant_id=login.grant_id, client_id=client_id,
                                     scope=token["scope"], expires_at=login.session_ends)
        event = _issued_event(login, client_id, request.payload.grant_type, self.context)
        try:
            if request.payload.grant_type == "authorization_code":
                code = request.authorization_code.item
                grant = store.Grant(
                    login.grant_id, client_id=client_id, issuer=self.issuer, username=login.username, sid=login.sid,
                    scope=token["scope"], auth_time=login.auth_time, amr=login.amr, acr=login.acr,
                    representation=code.representation, represented=_represented(login), state=store.LIVE,
                    watch=store.WATCHED, check_at=now, created_at=now, expires_at=login.session_ends)
                store.mark_client_logins(login.username, now)
                store.redeem_code(code, now, grant, refresh, event)
            else:
                store.rotate_refresh_token(request.refresh_token.item, now, refresh, event)
        except Conflict:
            if request.payload.grant_type == "authorization_code":
                end_grant(login.grant_id, "code_reused")
            else:
                end_grant(login.grant_id, "refresh_token_reused")
            raise InvalidGrantError() from None


def _represented(login: Login) -> str | None:
    if not login.representation:
        return None
    return f"{login.representation['adviser_crib']}#{login.representation['client_crib']}"


# The audit actions of an issuance: for the account itself, and for a client (an adviser acting for it).
ISSUED_ACTION = "oidc.tokens_issued"
ON_BEHALF_ACTION = "oidc.token_on_behalf"


def _issued_event(login: Login, client_id: str, grant_type: str, context: RequestContext):  # type: ignore[no-untyped-def]
    """Every issuance is audited. One made for a client is `oidc.token_on_behalf`: the adviser is the
    actor and the client the target, so it is on both trails (the client's activity shows it), with the
    authorizations, tax types and periods it was issued under."""
    details: dict[str, Any] = {"client_id": client_id, "grant_type": grant_type, "grant_id": login.grant_id,
                               "acr": login.acr}
    if not login.representation:
        return new_event(ISSUED_ACTION, actor=login.username, target=login.username, outcome="success",
                         context=context, details=details)
    represented = login.representation
    details.update({
        "client_crib": represented["client_crib"], "adviser_crib": represented.get("adviser_crib"),
        "authorizations": [item["authorization_id"] for item in represented["authorizations"]],
        "tax_types": sorted({item["tax_type"] for item in represented["authorizations"]}),
        "periods": [{"tax_type": item["tax_type"], "start_date": item["start_date"], "end_date": item["end_date"]}
                    for item in represented["authorizations"]],
    })
    return new_event(ON_BEHALF_ACTION, actor=login.username, target=represented["client_username"],
                     outcome="success", context=context, details=details)


# ---------------------------------------------------------------- ending grants


def end_grant(grant_id: str, reason: str) -> None:
    """A live grant ends: its refresh tokens and access tokens stop working; a client with a
    back-channel logout URI is told (services/oidc_logout.py delivers it)."""
    grant = store.get_grant(grant_id)
    if grant is None or grant.state != store.LIVE:
        return
    client = store.get_client(grant.client_id)
    store.end_grant(grant_id, reason, int(clock.now()), deliver=bool(client and client.backchannel_logout_uri))


def representation_holds(representation: dict) -> bool:
    """Every authorization the tokens were issued under is still active today."""
    from chalicelib.services import oidc_representation

    return oidc_representation.still_active(representation)
