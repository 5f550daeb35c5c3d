"""2FA enrollment, the seed's steps 3 to 11: password again, a new secret (QR code or manual entry),
a confirming code, then activation with the first set of backup codes.

The new secret is kept sealed as *pending* until a code from the app confirms it, and expires if the
enrollment is not finished; only activation makes it the active secret. Re-enrollment (a new phone)
works the same from a full session and also asks the current second factor.

A pending enrollment is bound to the session that started it (re-authenticated): only that session may
confirm and activate it, so another session of the account (a stolen cookie) cannot collect the new
backup codes. Wrong confirming codes count on the second-factor lockout counter.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.i18n import t
from chalicelib.security import totp
from chalicelib.services import backup_codes, device_notices, lockout, notifications, second_factor
from chalicelib.services.accounts import open_totp_secret, seal_totp_secret
from chalicelib.services.audit import RequestContext, new_event, record
from chalicelib.services.lockout import Factor
from chalicelib.services.reauth import reauthenticate
from chalicelib.services.sessions import Authenticated
from chalicelib.storage import second_factors
from chalicelib.storage.base import Conflict

# The name apps show above the code. No ':' (it separates issuer and account in the URI's label).
ISSUER = "Belastingdienst Curaçao"
# An enrollment not confirmed and activated within this time must start again.
PENDING_SECONDS = 15 * 60


@dataclass(frozen=True)
class Enrollment:
    secret: str
    otpauth_uri: str
    qr_svg: str
    account: str
    issuer: str
    # An earlier pending secret was replaced: its entry in the owner's app will never work.
    replaces_earlier: bool = False


@dataclass(frozen=True)
class Activation:
    cookie_value: str
    backup_codes_pdf: str


def start(current: Authenticated, password: str, code: str | None, context: RequestContext) -> Enrollment:
    """POST /mfa/enrollment: after the password (and, once 2FA is active, a current code) a new
    pending secret; any earlier pending one is forgotten."""
    user = current.user
    secret = totp.new_secret()
    replaces = bool(user.pending_totp_secret)
    event = new_event("mfa.enrollment.start", actor=user.username, target=user.username, outcome="success",
                      context=context, details={"reenrollment": bool(user.mfa_enabled)})
    # The re-checks' counter resets join the pending secret's transaction: one request for all.
    with lockout.resets_joined() as resets:
        reauthenticate(user, password, code, context)
        second_factors.start_enrollment(user.username, seal_totp_secret(user.username, secret),
                                        int(clock.now()) + PENDING_SECONDS, current.session.token_hash, event,
                                        resets, replaces=replaces)
        resets.written()
    return _shown(secret, user.username, context.lang, replaces)


def _shown(secret: str, username: str, lang: str, replaces: bool) -> Enrollment:
    from chalicelib.render.qr import qr_svg

    uri = totp.provisioning_uri(secret, username, ISSUER)
    return Enrollment(secret, uri, qr_svg(uri, t("mfa.qr.title", lang)), username, ISSUER, replaces)


# ---------------------------------------------------------------- where the set-up pages stand

# The steps with a page of their own (/mfa/activate/<step>); step 8 is a part of step 7's page.
STEP_PAGES = (2, 3, 4, 5, 6, 7, 9, 10, 11)
FIRST_STEP = 2


@dataclass(frozen=True)
class Progress:
    """How far this session's set-up got: what the step pages may show."""

    pending: Enrollment | None  # this session's unexpired pending secret, shown again on a reload
    confirmed: bool
    active: bool  # the account's 2FA is active (after this set-up, or from before a re-enrollment)


def progress(current: Authenticated, lang: str) -> Progress:
    """The session's set-up so far. The pending secret is shown only to the session that started it
    (the one that re-entered the password for it), and only until it expires: the same holder who saw
    it first, so a reload never has to make a new one."""
    user = current.user
    mine = (user.pending_totp_secret and user.pending_totp_session == current.session.token_hash
            and int(user.pending_totp_expires or 0) > clock.now())
    pending = None
    if mine:
        secret = open_totp_secret(user.username, user.pending_totp_secret)
        pending = _shown(secret, user.username, lang, bool(user.pending_totp_replaces))
    return Progress(pending, bool(mine and user.pending_totp_confirmed), bool(user.mfa_enabled))


def step_to_show(state: Progress, requested: int) -> int:
    """The step page for a request of step `requested`: itself when the set-up got that far, else the
    step that has to come first (the caller redirects there). Steps before a reached one stay
    reachable, so Back and Forward never land on a page that sends the person elsewhere but the
    start of what is missing."""
    if requested == 8:
        return 7
    if requested not in STEP_PAGES:
        return FIRST_STEP
    if requested in (2, 3):
        return requested
    if requested == 11:
        if state.pending:
            return 10 if state.confirmed else 9
        return 11 if state.active else FIRST_STEP
    if not state.pending:
        return FIRST_STEP
    if requested == 10 and not state.confirmed:
        return 9
    return requested


def confirm(current: Authenticated, code: str, context: RequestContext) -> None:
    """POST /mfa/enrollment/confirm: a code from the app proves it holds the pending secret.

    Wrong codes count on the second-factor lockout counter like a login's: a session that did not
    see the secret must not be able to guess a code for it."""
    user = current.user
    now = clock.now()
    if not user.pending_totp_secret or int(user.pending_totp_expires or 0) <= now:
        raise PortalError(ErrorCode.ENROLLMENT_EXPIRED)
    _require_starting_session(current, context, "mfa.enrollment.confirm")
    with lockout.attempt(Factor.SECOND_FACTOR, user.username, context, "mfa.enrollment.confirm", user) as attempt:
        key = totp.decode_secret(open_totp_secret(user.username, user.pending_totp_secret))
        step = totp.matching_step(key, code, now)
        if step is None:
            left = lockout.count_failure(Factor.SECOND_FACTOR, user.username, user, attempt, context,
                                         "mfa.enrollment.confirm")
            raise PortalError(ErrorCode.INVALID_CODE, **left)
        event = new_event("mfa.enrollment.confirm", actor=user.username, target=user.username, outcome="success",
                          context=context)
        try:
            second_factors.confirm_enrollment(user.username, user.pending_totp_secret, step, int(now),
                                              current.session.token_hash, event,
                                              lockout.reset_of(Factor.SECOND_FACTOR, user.username))
        except Conflict:
            raise PortalError(ErrorCode.ENROLLMENT_EXPIRED) from None


def activate(current: Authenticated, context: RequestContext) -> Activation:
    """POST /mfa/enrollment/activate: the confirmed secret becomes active with a first set of backup
    codes, and the session is replaced by a new full one, all in one transaction."""
    user = current.user
    now = int(clock.now())
    if user.pending_totp_secret:
        _require_starting_session(current, context, "mfa.activated")
    if not (user.pending_totp_secret and user.pending_totp_confirmed and int(user.pending_totp_expires or 0) > now):
        raise PortalError(ErrorCode.NOT_CONFIRMED)
    session, cookie = second_factor.stepped_up(current, context)
    seen = device_notices.sighting(user, context)
    try:
        new_set = backup_codes.replace_set(user, context, "mfa.activated", lambda codes, event, handout:
                                           second_factors.activate_enrollment(user, now, current.session, session,
                                                                              codes, event, handout, seen.memory))
    except PortalError as error:
        if error.code is ErrorCode.CONFLICT:
            raise PortalError(ErrorCode.NOT_CONFIRMED) from None
        raise
    notifications.send(user, notifications.MailKind.MFA_ACTIVATED)
    device_notices.notify(user, seen, context)
    return Activation(cookie, new_set.pdf_link)


def _require_starting_session(current: Authenticated, context: RequestContext, action: str) -> None:
    """403 forbidden (audited as denied) unless `current` is the session that started the enrollment."""
    if current.user.pending_totp_session != current.session.token_hash:
        record(action, actor=current.user.username, target=current.user.username, outcome="denied",
               context=context)
        raise PortalError(ErrorCode.FORBIDDEN)
