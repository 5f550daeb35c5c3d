"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a portal session ends, every
client that got tokens for it receives a signed logout token, and its refresh tokens stop working.

The grant item (storage/oidc.py) is the durable record: it exists from the first tokens on and is
watched (`check_at`). However the session ended (logout, idle or absolute end, a password change or
2FA reset bumping the account's session epoch, a desk action, a revoked authorization), the runner
(`run`, every minute on AWS, a loop in the local stage) finds the grant due, sees the session gone,
ends the grant and delivers the logout token, retrying 1, 2, 4, 8, 16 minutes; after MAX_ATTEMPTS the
failure is audited. The places that end sessions also call `session_ended`, so the logout is due at
once instead of at the next check.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from urllib.parse import urlencode, urlsplit

from joserfc import jwt

from chalicelib import clock
from chalicelib.security.tokens import new_token
from chalicelib.services import oidc, sessions
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.settings import get_settings
from chalicelib.storage import oidc as store
from chalicelib.storage import sessions as session_store
from chalicelib.storage import signing_keys
from chalicelib.storage.sessions import Session
from chalicelib.storage.users import User, get_user

log = logging.getLogger("portal.oidc.logout")

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_SECONDS = 120
MAX_ATTEMPTS = 6
LEASE_SECONDS = 60
RUN_LIMIT = 100
DELIVERY_TIMEOUT_SECONDS = 5
# A grant issued for a client (an adviser acting for it) is re-checked at least this often (a
# revocation ends it at once; this covers any other change), and at the start of the island day after
# the earliest end date it was issued under, so an authorization that expires ends the client login
# within a minute of its end.
REPRESENTATION_CHECK_SECONDS = 3600


def live_session(grant: store.Grant) -> Session | None:
    """The full portal session the grant was issued with, while it lives (None once it ended)."""
    user = get_user(grant.username)
    if user is None:
        return None
    for session in sessions.list_for(user):
        if session.sid == grant.sid and session.level == sessions.Level.FULL:
            return session
    return None


def _next_check(grant: store.Grant, session: Session) -> int:
    settings = get_settings()
    when = min(int(session.last_seen) + settings.session_idle_seconds, int(session.absolute_expiry)) + 1
    if grant.representation:
        when = min(when, int(clock.now()) + REPRESENTATION_CHECK_SECONDS)
        ends = [item["end_date"] for item in json.loads(grant.representation).get("authorizations", [])
                if item.get("end_date")]
        if ends:
            when = min(when, _day_after(min(ends)))
    return when


def _day_after(iso_date: str) -> int:
    """The start (island time) of the day after `iso_date`: when an authorization ending then has expired."""
    from datetime import date, datetime, time, timedelta

    from chalicelib.services.notifications import PORTAL_TIME

    day = date.fromisoformat(iso_date) + timedelta(days=1)
    return int(datetime.combine(day, time(0), PORTAL_TIME).timestamp())


def _still_holds(grant: store.Grant) -> bool:
    return not grant.representation or oidc.representation_holds(json.loads(grant.representation))


def check(grant: store.Grant) -> bool:
    """Look at a live grant: True when it ended (its session is gone or its authorization ended)."""
    session = live_session(grant)
    if session is not None and _still_holds(grant):
        store.recheck_at(grant, _next_check(grant, session))
        return False
    oidc.end_grant(grant.grant_id, "session_ended" if session is None else "authorization_ended")
    return True


def session_ended(username: str) -> int:
    """A session (or all) of `username` ended: each of their live grants whose session is gone ends now."""
    ended = 0
    for grant in store.grants_of(username):
        if grant.state == store.LIVE and check(grant):
            ended += 1
    return ended


def after_sessions_ended(usernames: list[str]) -> None:
    """Best effort right after sessions ended (logout, password change, 2FA reset, ...): the client
    logins of those sessions end now. A failure here only delays it to the runner's next check."""
    for username in {name for name in usernames if name}:
        try:
            session_ended(username)
        except Exception:  # noqa: BLE001 - the runner's check is the guarantee; this only hastens it
            log.warning("client logins of ended sessions left to the runner", exc_info=True)


def after_sessions_of_ended(user: User) -> None:
    """`user`'s sessions (some or all) just ended: when the account ever logged in to a tax application
    (`client_logins_since`, on the account the caller already read), its client logins whose session is
    gone end now, with their back-channel logouts due at once. An account that never did costs nothing."""
    if user.client_logins_since is not None:
        after_sessions_ended([user.username])


def end_portal_session(sid: str, context: RequestContext) -> None:
    """RP-initiated logout named the session (`sid` of a valid ID token): that portal session ends
    (audited), and so does every client login made with it."""
    grants = store.grants_of_session(sid)
    if not grants:
        return
    username = grants[0].username
    user = get_user(username)
    if user is not None:
        for session in session_store.sessions_of(username):
            if session.sid == sid:
                session_store.delete_with_event(session.token_hash, username, new_event(
                    "logout", actor=username, target=username, outcome="success", context=context,
                    details={"via": "oidc", "client_id": grants[0].client_id}))
    session_ended(username)


def logout_token(grant: store.Grant, issuer: str) -> str:
    now = int(clock.now())
    claims = {"iss": issuer, "aud": grant.client_id, "iat": now, "exp": now + LOGOUT_TOKEN_SECONDS,
              "jti": new_token()[:32], "sub": _subject(grant), "sid": grant.sid,
              "events": {BACKCHANNEL_EVENT: {}}}
    return jwt.encode({"alg": signing_keys.ALGORITHM, "typ": "logout+jwt"}, claims, oidc._signing_key())


def _subject(grant: store.Grant) -> str:
    if grant.representation:
        return oidc.subject(json.loads(grant.representation)["client_username"])
    return oidc.subject(grant.username)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a logout token goes to the registered URI only


def post_logout_token(uri: str, token: str) -> bool:
    """POST the token as the form field `logout_token`; True on a 2xx answer."""
    if urlsplit(uri).scheme not in ("https", "http"):
        return False
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        uri, data=urlencode({"logout_token": token}).encode("ascii"), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cache-Control": "no-store"})
    opener = urllib.request.build_opener(_NoRedirects())
    try:
        with opener.open(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:  # nosec B310 - scheme checked
            return 200 <= response.status < 300
    except OSError:
        return False


def _deliver(grant: store.Grant, now: int) -> str:
    if not store.claim_delivery(grant, now + LEASE_SECONDS):
        return "busy"
    client = store.get_client(grant.client_id)
    attempts = int(grant.attempts or 0) + 1
    delivered = bool(client and client.backchannel_logout_uri) and post_logout_token(
        client.backchannel_logout_uri, logout_token(grant, grant.issuer or get_settings().public_origin))
    if not delivered and attempts < MAX_ATTEMPTS and client is not None:
        store.delivery_retry(grant.grant_id, now + 60 * 2 ** (attempts - 1))
        return "waiting"
    event = new_event("oidc.backchannel_logout", actor="-", target=grant.username,
                      outcome="success" if delivered else "failure", context=RequestContext(),
                      details={"client_id": grant.client_id, "grant_id": grant.grant_id, "attempts": attempts,
                               "reason": grant.reason or "-"})
    store.delivery_done(grant.grant_id, event)
    return "delivered" if delivered else "failed"


def run(now: int | None = None) -> dict[str, int]:
    """One pass of the runner: due grants checked, ended ones' logout tokens delivered."""
    moment = int(clock.now()) if now is None else now
    if signing_keys.ensure_first_key(int(clock.now())):
        log.info("the first OpenID Connect signing key was added")
    counts = {"checked": 0, "ended": 0, "delivered": 0, "waiting": 0, "failed": 0}
    for grant in list(store.due_grants(moment, RUN_LIMIT)):
        if grant.state == store.LIVE:
            counts["checked"] += 1
            if not check(grant):
                continue
            counts["ended"] += 1
            grant = store.get_grant(grant.grant_id)
            if grant is None or grant.state != store.ENDING:
                continue
        outcome = _deliver(grant, moment)
        if outcome in counts:
            counts[outcome] += 1
    return counts
