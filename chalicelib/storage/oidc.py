"""The OpenID Connect provider's tables: registered clients, authorization codes, grants (one per
client login, the family of its tokens) with their refresh tokens, and the client assertions' ids.

Codes and refresh tokens are stored only as SHA-256 hashes. A code is used once (a conditional
update); a refresh token is rotated once (its use, the grant still live and its successor in one
transaction). Using a used code or a used refresh token ends the whole grant: its refresh tokens stop
working (every rotation checks the grant) and so do its access tokens (userinfo checks the grant).

A grant is watched while it is live: `check_at` is when the provider next asks whether the portal
session behind it still runs (services/oidc_logout.py). An ended session turns the grant to
`ending` (a back-channel logout token to deliver, retried) and then `ended`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.base import Conflict, is_condition_failure, meta

# Grant states.
LIVE, ENDING, ENDED = "live", "ending", "ended"
# The value of `watch` on every grant the logout runner still has to look at (sparse index).
WATCHED = "grant"


class ClientTakenError(Conflict):
    """A client with that id is registered already."""


class OidcClient(Model):
    """A relying party registered by the operations command (or the desk)."""

    Meta = meta("oidc_clients")

    client_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    redirect_uris = ListAttribute(of=UnicodeAttribute)  # compared exactly
    post_logout_redirect_uris = ListAttribute(of=UnicodeAttribute, default=list)
    backchannel_logout_uri = UnicodeAttribute(null=True)
    # "client_secret_basic" (secret_hash: argon2id) or "private_key_jwt" (jwks: the client's public JWKS).
    token_endpoint_auth_method = UnicodeAttribute()
    secret_hash = UnicodeAttribute(null=True)
    jwks = UnicodeAttribute(null=True)  # JSON
    scopes = ListAttribute(of=UnicodeAttribute)
    min_acr = UnicodeAttribute(null=True)  # the lowest acr value its logins must reach
    created_at = NumberAttribute()
    # Set by the desk (storage/oidc_client_register.py): a disabled client is unknown to get_client.
    disabled = BooleanAttribute(null=True)

    @property
    def public_jwks(self) -> dict:
        return json.loads(self.jwks or '{"keys": []}')


def register_client(client: OidcClient) -> None:
    try:
        client.save(condition=OidcClient.client_id.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            raise ClientTakenError() from error
        raise


def get_client(client_id: str) -> OidcClient | None:
    """The client, while it is enabled: a disabled one gets no login, no token and no logout token."""
    if not client_id or len(client_id) > 128:
        return None
    try:
        client = OidcClient.get(client_id)
    except DoesNotExist:
        return None
    return None if client.disabled else client


def clients() -> list[OidcClient]:
    return list(OidcClient.scan())


# ---------------------------------------------------------------- authorization codes


class AuthorizationCode(Model):
    Meta = meta("oidc_codes", ttl_attribute="expires_at")

    code_hash = UnicodeAttribute(hash_key=True)
    client_id = UnicodeAttribute()
    redirect_uri = UnicodeAttribute()
    scope = UnicodeAttribute()
    code_challenge = UnicodeAttribute()
    code_challenge_method = UnicodeAttribute()
    nonce = UnicodeAttribute(null=True)
    username = UnicodeAttribute()
    sid = UnicodeAttribute()
    auth_time = NumberAttribute()
    amr = ListAttribute(of=UnicodeAttribute, default=list)
    acr = UnicodeAttribute()
    # The grant the code's tokens will belong to (named in advance: a second use of the code ends it).
    grant_id = UnicodeAttribute()
    # For an adviser acting for a client: {"client_username", "client_crib", "authorizations": [...]} as JSON.
    representation = UnicodeAttribute(null=True)
    used = BooleanAttribute(default=False)
    expires_at = NumberAttribute()


def save_code(code: AuthorizationCode) -> None:
    code.save(condition=AuthorizationCode.code_hash.does_not_exist())


def get_code(code_hash: str) -> AuthorizationCode | None:
    try:
        return AuthorizationCode.get(code_hash, consistent_read=True)
    except DoesNotExist:
        return None


# ---------------------------------------------------------------- grants and refresh tokens


class UsernameIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "username-index"
        projection = AllProjection()

    username = UnicodeAttribute(hash_key=True)


class SidIndex(GlobalSecondaryIndex):
    """Grants by the portal session (sid) they were issued for."""

    class Meta:
        index_name = "sid-index"
        projection = AllProjection()

    sid = UnicodeAttribute(hash_key=True)


class RepresentedIndex(GlobalSecondaryIndex):
    """Grants of an adviser acting for a client, by `<adviser crib>#<client crib>` (sparse)."""

    class Meta:
        index_name = "represented-index"
        projection = KeysOnlyProjection()

    represented = UnicodeAttribute(hash_key=True)


class WatchIndex(GlobalSecondaryIndex):
    """Grants the logout runner still has to look at, by when (sparse: ended grants leave it)."""

    class Meta:
        index_name = "watch-index"
        projection = AllProjection()

    watch = UnicodeAttribute(hash_key=True)
    check_at = NumberAttribute(range_key=True)


class Grant(Model):
    """One client login: who, for which portal session (sid), and the family of its tokens."""

    Meta = meta("oidc_grants", ttl_attribute="expires_at")

    grant_id = UnicodeAttribute(hash_key=True)
    client_id = UnicodeAttribute()
    issuer = UnicodeAttribute(null=True)  # the provider's issuer the tokens named (the logout token's too)
    username = UnicodeAttribute()  # the person who logged in (an adviser when representing)
    sid = UnicodeAttribute()
    scope = UnicodeAttribute()
    auth_time = NumberAttribute()
    amr = ListAttribute(of=UnicodeAttribute, default=list)
    acr = UnicodeAttribute()
    representation = UnicodeAttribute(null=True)  # as on the code
    represented = UnicodeAttribute(null=True)
    state = UnicodeAttribute(default=LIVE)
    watch = UnicodeAttribute(null=True)
    check_at = NumberAttribute(null=True)
    attempts = NumberAttribute(default=0)
    reason = UnicodeAttribute(null=True)  # why it ended
    created_at = NumberAttribute()
    expires_at = NumberAttribute()

    username_index = UsernameIndex()
    sid_index = SidIndex()
    represented_index = RepresentedIndex()
    watch_index = WatchIndex()


class RefreshToken(Model):
    Meta = meta("oidc_refresh_tokens", ttl_attribute="expires_at")

    token_hash = UnicodeAttribute(hash_key=True)
    grant_id = UnicodeAttribute()
    client_id = UnicodeAttribute()
    scope = UnicodeAttribute()
    used = BooleanAttribute(default=False)
    expires_at = NumberAttribute()


def get_grant(grant_id: str) -> Grant | None:
    try:
        return Grant.get(grant_id, consistent_read=True)
    except DoesNotExist:
        return None


def get_refresh_token(token_hash: str) -> RefreshToken | None:
    try:
        return RefreshToken.get(token_hash, consistent_read=True)
    except DoesNotExist:
        return None


def mark_client_logins(username: str, now: int) -> None:
    """The account has (or is about to have) a client login: kept on the account (the first time
    only), so that ending its sessions looks for client logins. Written before the code is redeemed:
    if this fails the code is still unused and the client may try again."""
    from chalicelib.storage.users import User

    try:
        User(username).update(actions=[User.client_logins_since.set(User.client_logins_since | now)],
                              condition=User.username.exists())
    except UpdateError as error:
        if not is_condition_failure(error):
            raise


def redeem_code(code: AuthorizationCode, now: int, grant: Grant, refresh: RefreshToken | None,
                event: AuditEvent) -> None:
    """The code's one use: marked used (while unused and unexpired), its grant and first refresh token
    stored and the issuance audited, in one transaction. Conflict when the code was used meanwhile."""
    with recorded_transaction(event) as writes:
        writes.update(AuthorizationCode(code.code_hash), actions=[AuthorizationCode.used.set(True)],
                      condition=(AuthorizationCode.used == False) & (AuthorizationCode.expires_at > now))  # noqa: E712
        writes.save(grant, condition=Grant.grant_id.does_not_exist())
        if refresh is not None:
            writes.save(refresh, condition=RefreshToken.token_hash.does_not_exist())


def rotate_refresh_token(old: RefreshToken, now: int, fresh: RefreshToken, event: AuditEvent) -> None:
    """A refresh token's one use: marked used (while unused and unexpired), its grant still live, its
    successor stored and the issuance audited, in one transaction. Conflict otherwise."""
    with recorded_transaction(event) as writes:
        writes.update(RefreshToken(old.token_hash), actions=[RefreshToken.used.set(True)],
                      condition=(RefreshToken.used == False) & (RefreshToken.expires_at > now))  # noqa: E712
        writes.condition_check(Grant, old.grant_id, condition=Grant.state == LIVE)
        writes.save(fresh, condition=RefreshToken.token_hash.does_not_exist())


def end_grant(grant_id: str, reason: str, now: int, deliver: bool) -> bool:
    """A live grant ends: with a back-channel logout to deliver (`ending`, due now) or without
    (`ended`). False when it was not live (ended before, or never stored)."""
    if deliver:
        actions = [Grant.state.set(ENDING), Grant.watch.set(WATCHED), Grant.check_at.set(now),
                   Grant.reason.set(reason)]
    else:
        actions = [Grant.state.set(ENDED), Grant.watch.remove(), Grant.check_at.remove(), Grant.reason.set(reason)]
    try:
        Grant(grant_id).update(actions=actions, condition=Grant.state == LIVE)
        return True
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise


def recheck_at(grant: Grant, when: int) -> None:
    """A live grant's session is still running: look again at `when`."""
    try:
        grant.update(actions=[Grant.check_at.set(when)], condition=Grant.state == LIVE)
    except UpdateError as error:
        if not is_condition_failure(error):
            raise


def claim_delivery(grant: Grant, lease_until: int) -> bool:
    """Take an `ending` grant's delivery (its attempt count as read): two runners never both send it."""
    try:
        grant.update(actions=[Grant.check_at.set(lease_until), Grant.attempts.add(1)],
                     condition=(Grant.state == ENDING) & (Grant.attempts == int(grant.attempts or 0)))
        return True
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise


def delivery_retry(grant_id: str, when: int) -> None:
    Grant(grant_id).update(actions=[Grant.check_at.set(when)], condition=Grant.state == ENDING)


def delivery_done(grant_id: str, event: AuditEvent) -> None:
    """The logout token was delivered (or given up on): the grant leaves the watch, with its audit event."""
    with recorded_transaction(event) as writes:
        writes.update(Grant(grant_id), actions=[Grant.state.set(ENDED), Grant.watch.remove(),
                                                Grant.check_at.remove()],
                      condition=Grant.state == ENDING)


def due_grants(now: int, limit: int) -> Iterator[Grant]:
    return Grant.watch_index.query(WATCHED, Grant.check_at <= now, limit=limit)


def grants_of(username: str) -> list[Grant]:
    return list(Grant.username_index.query(username))


def grants_of_session(sid: str) -> list[Grant]:
    return list(Grant.sid_index.query(sid))


def grants_representing(adviser_crib: str, client_crib: str) -> list[str]:
    return [item.grant_id for item in Grant.represented_index.query(f"{adviser_crib}#{client_crib}")]


# ---------------------------------------------------------------- client assertions (private_key_jwt)


class ClientAssertion(Model):
    """The `jti` of each accepted client assertion, until the assertion would have expired anyway."""

    Meta = meta("oidc_assertions", ttl_attribute="expires_at")

    key = UnicodeAttribute(hash_key=True)  # <client id>#<jti>
    expires_at = NumberAttribute()


def remember_assertion(client_id: str, jti: str, expires_at: int, now: int) -> bool:
    """True the first time (client, jti) is seen (or after its earlier assertion expired); False for a replay."""
    try:
        ClientAssertion(f"{client_id}#{jti}", expires_at=expires_at).save(
            condition=ClientAssertion.key.does_not_exist() | (ClientAssertion.expires_at < now))
        return True
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
