"""Self-service on one's own account: password change, e-mail change with a verification link, and the
sessions overview (see and end one's other sessions).

Sensitive changes re-ask the password and, once 2FA is active, a code (services/reauth.py); wrong
ones count on the lockout counters like failed logins. A password change, and "end all other sessions",
bump the account's session epoch (which ends every session at once) and in the same transaction give
the caller a fresh session in the new epoch, so only the caller's own session survives. What else they
void is in services/transitions.py.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.i18n import LANGUAGES
from chalicelib.security import passwords
from chalicelib.security.tokens import new_token, token_hash
from chalicelib.services import notifications, transitions
from chalicelib.services.accounts import normalize_email, validate_email
from chalicelib.services.audit import RequestContext, new_event, record
from chalicelib.services.devices import describe
from chalicelib.services.login import recheck_password
from chalicelib.services.password_reset import link_token, parse_link_token
from chalicelib.services.reauth import reauthenticate
from chalicelib.services.sessions import Authenticated, Level, continue_login, list_for, new_session
from chalicelib.storage import rate_limits, users
from chalicelib.storage import sessions as session_store
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.base import Conflict
from chalicelib.storage.sessions import Session
from chalicelib.storage.users import EmailTakenError, User, find_by_email, get_user

EMAIL_LINK_SECONDS = 24 * 3600
EMAIL_CHANGES_PER_HOUR = 5
EMAIL_CHANGE_WINDOW_SECONDS = 3600
# Sessions are named by a prefix of their stored hash: enough to tell a user's sessions apart, useless
# for taking one over (the cookie holds the token, and the hash of a hash prefix leads nowhere).
SESSION_ID_LENGTH = 16


# ---------------------------------------------------------------- password


def change_password(current: Authenticated, current_password: str, new_password: str, code: str | None,
                    context: RequestContext) -> str:
    """POST /account/password. Returns the caller's new session cookie; every other session ends."""
    user = current.user
    problem = passwords.password_problem(new_password, username=user.username, email=user.email)
    if problem:
        raise PortalError(ErrorCode.WEAK_PASSWORD, field="new_password", reason=problem)
    if current.must_change_password:
        # Right after a login whose password is now listed: the second factor was checked moments ago
        # by that login (the flag is set only there, and the successor session is without it), so
        # the current password is asked again and no code.
        recheck_password(user, current_password, context, "account.password_check", "current_password")
    else:
        reauthenticate(user, current_password, code, context, field="current_password",
                       action="account.password_check")
    password_hash = passwords.hash_password(new_password)
    cookie = _keep_only_current_session(
        current, context, "password.change",
        lambda event, keep: users.change_password(user, password_hash, transition=transitions.PASSWORD_CHANGED,
                                                  event=event, keep=keep))
    notifications.send(user, notifications.MailKind.PASSWORD_CHANGED)
    return cookie


def _keep_only_current_session(current: Authenticated, context: RequestContext, action: str,
                               apply: Callable[[AuditEvent, session_store.Replacement], None]) -> str:
    """Run `apply` (a storage operation whose transition ends every session of the account) with its
    audit event and the caller's successor session; returns the successor's cookie. A parallel change in
    the meantime (another password change, a reset, the sessions ended elsewhere) wins: 409, nothing
    changed."""
    fresh, cookie = _successor(current, context)
    try:
        apply(new_event(action, actor=current.user.username, target=current.user.username, outcome="success",
                        context=context), fresh)
    except Conflict:
        raise PortalError(ErrorCode.CONFLICT) from None
    if current.user.client_logins_since is not None:  # ever logged in to a tax application
        from chalicelib.services.oidc_logout import after_sessions_of_ended

        after_sessions_of_ended(current.user)
    return cookie


def _successor(current: Authenticated, context: RequestContext) -> tuple[session_store.Replacement, str]:
    """The caller's session in the next session epoch, with the same absolute expiry, and its cookie: the
    transition's epoch bump ends every session of the account, this one replaces the caller's."""
    user, old = current.user, current.session
    fresh, cookie = new_session(user, Level.FULL, "done", context)
    fresh.epoch = int(user.session_epoch or 0) + 1
    continue_login(fresh, old)
    return session_store.Replacement(old.token_hash, user.username, fresh), cookie


# ---------------------------------------------------------------- e-mail


def request_email_change(current: Authenticated, password: str, new_email: str, code: str | None,
                         context: RequestContext) -> str:
    """POST /account/email: a verification link to the new address, a notice to the old one. The address
    changes only when the link is used. Returns the pending address.

    The answer is the same whether or not another account uses the address, so this is no way to
    find out who has an account. A taken address gets a mail saying it is in use instead of the
    link; the pending change is stored all the same (the account page shows it like any other) but
    its token is never sent, so nobody can complete it, and verification refuses taken addresses
    anyway. The holder of the address is never touched."""
    user = current.user
    try:
        address = validate_email(new_email)
    except PortalError:
        raise PortalError(ErrorCode.INVALID_EMAIL, field="new_email") from None
    if normalize_email(address) == user.email_normalized:
        raise PortalError(ErrorCode.EMAIL_TAKEN, field="new_email")  # one's own address: nothing to hide
    _within_email_change_limit(user)
    reauthenticate(user, password, code, context, field="password", action="account.password_check")
    taken = _taken(normalize_email(address), user.username)
    token = new_token()
    users.start_email_change(user.username, address, token_hash(token), int(clock.now()) + EMAIL_LINK_SECONDS)
    lang = user.language or context.lang
    if taken:
        notifications.send_to(address, lang, notifications.MailKind.EMAIL_IN_USE, username=user.username)
    else:
        url = notifications.link(context, "/account/email/verify", link_token(token, user.username))
        notifications.send_to(address, lang, notifications.MailKind.EMAIL_VERIFY, username=user.username, link=url,
                              hours=EMAIL_LINK_SECONDS // 3600)
    notifications.send(user, notifications.MailKind.EMAIL_CHANGE_REQUESTED, new_email=notifications.mask_email(address))
    record("email.change_requested", actor=user.username, target=user.username, outcome="success", context=context,
           details={"address_in_use": taken})
    return address


def _within_email_change_limit(user: User) -> None:
    """At most EMAIL_CHANGES_PER_HOUR requests per account and hour (each sends two mails, one of them
    to any address the caller likes). Counted before the re-check, so a refused request never spends
    a code or a password evaluation."""
    now = int(clock.now())
    if not rate_limits.hit(f"rate#email_change#{user.username}", now, EMAIL_CHANGE_WINDOW_SECONDS,
                           EMAIL_CHANGES_PER_HOUR):
        raise PortalError(ErrorCode.RATE_LIMITED,
                          retry_after=rate_limits.window_end(now, EMAIL_CHANGE_WINDOW_SECONDS) - now)


def _email_link_owner(token: str, now: int) -> tuple[tuple[str, str], User]:
    """The parsed token and account of a live e-mail verification link; invalid_token otherwise."""
    parsed = parse_link_token(token)
    user = get_user(parsed[1]) if parsed else None
    if (parsed is None or user is None or not user.pending_email or user.email_token_hash != parsed[0]
            or int(user.email_token_expires or 0) <= now):
        raise PortalError(ErrorCode.INVALID_TOKEN, field="token")
    return parsed, user


def check_email_link(token: str) -> None:
    """POST /account/email/verify/check: is the link still good? Changes nothing (the page asks before
    it shows its button, so a used or expired link says so at once)."""
    _email_link_owner(token, int(clock.now()))


def verify_email(token: str, context: RequestContext) -> None:
    """POST /account/email/verify: the link's owner confirms the new address (single use, 24 hours)."""
    now = int(clock.now())
    parsed, user = _email_link_owner(token, now)
    address, old_address = user.pending_email, user.email
    # A friendly early refusal (also for accounts bound before reservations existed); the address's
    # reservation, taken in the same transaction as the change, is what guarantees one owner.
    if _taken(normalize_email(address), user.username):
        raise PortalError(ErrorCode.EMAIL_TAKEN, field="token")
    event = new_event("email.change", actor=user.username, target=user.username, outcome="success", context=context,
                      details={"old": notifications.mask_email(old_address), "new": notifications.mask_email(address)})
    try:
        users.verify_email(user, address, normalize_email(address), parsed[0], now,
                           transition=transitions.EMAIL_VERIFIED, event=event)
    except EmailTakenError:
        raise PortalError(ErrorCode.EMAIL_TAKEN, field="token") from None
    except Conflict:
        raise PortalError(ErrorCode.INVALID_TOKEN, field="token") from None
    for recipient in (old_address, address):
        notifications.send_to(recipient, user.language, notifications.MailKind.EMAIL_CHANGED, username=user.username,
                              new_email=notifications.mask_email(address))


def _taken(email_normalized: str, username: str) -> bool:
    return any(other.username != username for other in find_by_email(email_normalized))


def set_language(current: Authenticated, language: str, context: RequestContext) -> None:
    """POST /account/language: the language of the account's mails (security notices included)."""
    if language not in LANGUAGES:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="language")
    users.set_language(current.user.username, language)
    record("account.language", actor=current.user.username, target=current.user.username, outcome="success",
           context=context, details={"language": language})


# ---------------------------------------------------------------- sessions


def session_id(session: Session) -> str:
    return session.token_hash[:SESSION_ID_LENGTH]


def list_sessions(current: Authenticated) -> list[dict]:
    """GET /account/sessions: the account's live sessions, most recently used first."""
    items = []
    for session in sorted(list_for(current.user), key=lambda s: -int(s.last_seen)):
        browser, system = describe(session.user_agent)
        items.append({
            "id": session_id(session),
            "current": session.token_hash == current.session.token_hash,
            "browser": browser,
            "system": system,
            "ip": session.ip,
            "level": session.level,
            "created_at": int(session.created_at),
            "last_seen": int(session.last_seen),
        })
    return items


def end_session(current: Authenticated, session_ref: str, context: RequestContext) -> None:
    """DELETE /account/sessions/{id}: end one of the caller's other sessions (logout ends one's own)."""
    if session_ref == session_id(current.session):
        raise PortalError(ErrorCode.CONFLICT, field="id")
    matches = [s for s in list_for(current.user) if len(session_ref) == SESSION_ID_LENGTH
               and session_id(s) == session_ref]
    if not matches:
        raise PortalError(ErrorCode.NOT_FOUND, field="id")
    session_store.end_one(matches[0].token_hash, current.user.username)
    if current.user.client_logins_since is not None:  # ever logged in to a tax application
        from chalicelib.services.oidc_logout import after_sessions_of_ended

        after_sessions_of_ended(current.user)
    record("session.end", actor=current.user.username, target=current.user.username, outcome="success",
           context=context, details={"session": session_ref})


def end_other_sessions(current: Authenticated, context: RequestContext) -> str:
    """DELETE /account/sessions: end every session but the caller's. Returns the caller's new cookie."""
    return _keep_only_current_session(
        current, context, "session.end_others",
        lambda event, keep: users.end_other_sessions(current.user, transition=transitions.OTHER_SESSIONS_ENDED,
                                                     event=event, keep=keep))
