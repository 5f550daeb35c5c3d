"""Self-service on one's own account: password change, e-mail change with a verification link, and the
sessions overview (see and end one's other sessions).

Sensitive changes re-ask the password and, once 2FA is active, a code (services/reauth.py); wrong
ones count on the lockout counters like failed logins. A password change, and "end all other sessions",
bump the account's session epoch (which ends every session at once) and in the same transaction give
the caller a fresh session in the new epoch, so only the caller's own session survives. What else they
void is in services/transitions.py.
"""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.i18n import LANGUAGES
from chalicelib.security import passwords
from chalicelib.security.tokens import new_token, token_hash
from chalicelib.services import notifications, transitions
from chalicelib.services.accounts import normalize_email, validate_email
from chalicelib.services.audit import RequestContext, new_event, record
from chalicelib.services.devices import describe
from chalicelib.services.password_reset import link_token, parse_link_token
from chalicelib.services.reauth import reauthenticate
from chalicelib.services.sessions import FULL, Authenticated, list_for, new_session
from chalicelib.services.transitions import Transition
from chalicelib.storage import rate_limits
from chalicelib.storage.audit import recorded_transaction
from chalicelib.storage.base import Conflict, is_condition_failure
from chalicelib.storage.sessions import Session
from chalicelib.storage.users import User, find_by_email, get_user

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
    reauthenticate(user, current_password, code, context, field="current_password",
                   action="account.password_check")
    cookie = _keep_only_current_session(
        current, context, "password.change", transitions.PASSWORD_CHANGED,
        actions=[User.password_hash.set(passwords.hash_password(new_password))],
        # A parallel change (or reset) in the meantime wins; this one then changes nothing.
        condition=User.password_hash == user.password_hash,
    )
    notifications.send(user, notifications.MailKind.PASSWORD_CHANGED)
    return cookie


def _keep_only_current_session(current: Authenticated, context: RequestContext, action: str,
                               transition: Transition, actions: list[Action] | None = None,
                               condition: Condition | None = None) -> str:
    """Apply `transition` (its session epoch bump ends every session of the account) and, in the same
    transaction, replace the caller's session by one in the new epoch with the same absolute expiry."""
    user, old = current.user, current.session
    epoch = int(user.session_epoch or 0)
    fresh, cookie = new_session(user, FULL, "done", context)
    fresh.epoch = epoch + 1
    fresh.created_at = old.created_at
    fresh.absolute_expiry = old.absolute_expiry
    fresh.expires_at = min(int(fresh.expires_at), int(old.absolute_expiry))
    same_epoch = User.session_epoch == epoch
    if epoch == 0:
        same_epoch = same_epoch | User.session_epoch.does_not_exist()
    try:
        event = new_event(action, actor=user.username, target=user.username, outcome="success", context=context)
        with recorded_transaction(event) as transaction:
            transaction.update(User(user.username), actions=[*transitions.actions(transition), *(actions or [])],
                               condition=same_epoch if condition is None else same_epoch & condition)
            transaction.delete(Session(old.token_hash), condition=Session.token_hash.exists())
            transaction.save(fresh, condition=Session.token_hash.does_not_exist())
    except Conflict:
        raise PortalError(ErrorCode.CONFLICT) from None
    return cookie


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
    user.update(actions=[
        User.pending_email.set(address),
        User.email_token_hash.set(token_hash(token)),
        User.email_token_expires.set(int(clock.now()) + EMAIL_LINK_SECONDS),
    ])
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


def verify_email(token: str, context: RequestContext) -> None:
    """POST /account/email/verify: the link's owner confirms the new address (single use, 24 hours)."""
    parsed = parse_link_token(token)
    user = get_user(parsed[1]) if parsed else None
    now = int(clock.now())
    if (parsed is None or user is None or not user.pending_email or user.email_token_hash != parsed[0]
            or int(user.email_token_expires or 0) <= now):
        raise PortalError(ErrorCode.INVALID_TOKEN, field="token")
    address, old_address = user.pending_email, user.email
    if _taken(normalize_email(address), user.username):
        raise PortalError(ErrorCode.EMAIL_TAKEN, field="token")
    try:
        user.update(
            actions=[
                User.email.set(address),
                User.email_normalized.set(normalize_email(address)),
                *transitions.actions(transitions.EMAIL_VERIFIED),
            ],
            condition=(User.email_token_hash == parsed[0]) & (User.email_token_expires > now)
            & (User.pending_email == address),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            raise PortalError(ErrorCode.INVALID_TOKEN, field="token") from None
        raise
    record("email.change", actor=user.username, target=user.username, outcome="success", context=context,
           details={"old": notifications.mask_email(old_address), "new": notifications.mask_email(address)})
    for recipient in (old_address, address):
        notifications.send_to(recipient, user.language, notifications.MailKind.EMAIL_CHANGED, username=user.username,
                              new_email=notifications.mask_email(address))


def _taken(email_normalized: str, username: str) -> bool:
    return any(other.username != username for other in find_by_email(email_normalized))


def set_language(current: Authenticated, language: str, context: RequestContext) -> None:
    """POST /account/language: the language of the account's mails (security notices included)."""
    if language not in LANGUAGES:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="language")
    current.user.update(actions=[User.language.set(language)])
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
    try:
        # Conditional: only ever a session of the caller's own account.
        matches[0].delete(condition=Session.username == current.user.username)
    except DeleteError as error:
        if not is_condition_failure(error):
            raise
    record("session.end", actor=current.user.username, target=current.user.username, outcome="success",
           context=context, details={"session": session_ref})


def end_other_sessions(current: Authenticated, context: RequestContext) -> str:
    """DELETE /account/sessions: end every session but the caller's. Returns the caller's new cookie."""
    return _keep_only_current_session(current, context, "session.end_others", transitions.OTHER_SESSIONS_ENDED)
