"""Support requests ("Hulp nodig?"): people who cannot log in ask the desk for help with a password or
e-mail change, to reset their 2FA, unblock their account, create representative access, help with
bulk authorizations, find an account whose username they forgot, or something else.

Filing needs no login and answers with a reference number whether or not the account exists (the
account is not even looked up, so neither the answer, its timing, nor the confirmation mail tells).
Someone who forgot their username gives their name with a CRIB number or phone number instead. Filing
is rate-limited per IP address, per name and per e-mail address in fixed windows. The address given
gets a confirmation with the reference, and a notice when the desk closes the request. Staff see the
queue (open first, newest first), open one next to the account's status, act, and close it with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security.tokens import new_reference
from chalicelib.services import cursors, notifications
from chalicelib.services.accounts import validate_crib, validate_email, validate_username
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.staff import authorize, require_staff
from chalicelib.services.support_desk import user_detail
from chalicelib.storage import rate_limits
from chalicelib.storage import support_requests as store
from chalicelib.storage.base import Conflict
from chalicelib.storage.support_requests import CLOSED, OPEN, SupportRequest
from chalicelib.storage.users import User

# In the order the help form offers them (the seed's five services first).
KINDS = ("password_email", "reset_2fa", "unblock", "representative_access", "bulk_authorizations",
         "forgot_username", "other")
# /help?reden=<reason> preselects a kind (docs/api.md "Support requests"): links from the login page, the
# support page and any text that sends people to customer service.
REASONS = {
    "wachtwoord": "password_email",
    "2fa-kwijt": "reset_2fa",
    "geblokkeerd": "unblock",
    "vertegenwoordiger": "representative_access",
    "machtigingen": "bulk_authorizations",
    "gebruikersnaam-vergeten": "forgot_username",
    "anders": "other",
}
MESSAGE_MAX = 2000
NAME_MAX = 200
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,28}$")
WINDOW_SECONDS = 3600
REQUESTS_PER_IP = 20
REQUESTS_PER_NAME = 3
REQUESTS_PER_ADDRESS = 5  # the confirmation mail goes to the address given: no mail bombing through it
PAGE_SIZE = 25


@dataclass(frozen=True)
class Requester:
    """Who asks: a username, or (forgotten) a name with a CRIB number or phone number; always an address."""

    email: str
    username: str | None = None
    full_name: str | None = None
    crib: str | None = None
    phone: str | None = None


def file_request(requester: Requester, kind: str, message: str | None, context: RequestContext) -> str:
    """Store a new open request and mail its confirmation; returns its reference. Raises 400 for bad
    input (naming the field), 429 when over a limit."""
    if kind not in KINDS:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="kind")
    who = _checked(requester)
    text = (message or "").strip()
    if len(text) > MESSAGE_MAX:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="message")
    _within_limits(who, context)
    request = SupportRequest(
        new_reference("SR"),
        status=OPEN,
        kind=kind,
        username=who.username,
        full_name=who.full_name,
        crib=who.crib,
        phone=who.phone,
        email=who.email,
        message=text or None,
        language=context.lang,
        created_at=int(clock.now()),
    )
    store.file(request, new_event("support_request.filed", actor="anonymous", target=who.username or "-",
                                  outcome="success", context=context,
                                  details={"reference": request.reference, "kind": kind,
                                           "identified_by": "username" if who.username else "details"}))
    _mail(request, notifications.MailKind.SUPPORT_REQUEST_RECEIVED)
    return request.reference


def _checked(requester: Requester) -> Requester:
    """The requester's fields validated and normalized. Without a username, a name and a CRIB number or
    phone number are needed for the desk to find the account (and check the identity)."""
    address = validate_email(requester.email)
    if (requester.username or "").strip():
        return Requester(address, username=validate_username(requester.username or ""))
    full_name = " ".join((requester.full_name or "").split())
    crib = (requester.crib or "").replace(" ", "") or None
    phone = (requester.phone or "").strip() or None
    if not full_name or not (crib or phone):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="username" if not full_name else "crib",
                          reason="helpform.error.identity")
    if len(full_name) > NAME_MAX or not full_name.isprintable():
        raise PortalError(ErrorCode.INVALID_REQUEST, field="full_name")
    if crib is not None:
        crib = validate_crib(crib)
    if phone is not None and not PHONE.match(phone):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="phone")
    return Requester(address, full_name=full_name, crib=crib, phone=phone)


def _mail(request: SupportRequest, kind: notifications.MailKind) -> None:
    """A mail about `request` to the address it gave, in the language it was filed in. It names the
    request only, never an account: whether the username exists is told to nobody."""
    from chalicelib.contact import get_contact
    from chalicelib.i18n import t

    lang = request.language or "nl"
    notifications.send_to(request.email, lang, kind, username=request.username or "-",
                          name=request.full_name or request.username or t("helpform.mail_someone", lang),
                          reference=request.reference, topic=t(f"helpform.kind.{request.kind}", lang),
                          days=get_contact().response_days)


def _within_limits(who: Requester, context: RequestContext) -> None:
    """One conditional counter update per key in the current fixed window: the name (or, without one, the
    CRIB number or phone number) and the address first, so requests refused for those do not use up the
    source address's allowance."""
    now = int(clock.now())
    identity = f"name#{who.username}" if who.username else f"details#{who.crib or who.phone}"
    limits = ((f"support_request#{identity}", REQUESTS_PER_NAME),
              (f"support_request#email#{who.email.lower()}", REQUESTS_PER_ADDRESS),
              (f"support_request#ip#{context.ip or 'unknown'}", REQUESTS_PER_IP))
    for key, limit in limits:
        if not rate_limits.hit(key, now, WINDOW_SECONDS, limit):
            raise PortalError(ErrorCode.RATE_LIMITED, retry_after=rate_limits.window_end(now, WINDOW_SECONDS) - now)


# ---------------------------------------------------------------- the desk's side


def describe(request: SupportRequest) -> dict:
    return {
        "reference": request.reference,
        "status": request.status,
        "kind": request.kind,
        "username": request.username,
        "full_name": request.full_name,
        "crib": request.crib,
        "phone": request.phone,
        "email": request.email,
        "message": request.message,
        "language": request.language,
        "created_at": int(request.created_at),
        "closed_at": int(request.closed_at) if request.closed_at else None,
        "closed_by": request.closed_by,
        "close_reason": request.close_reason,
    }


def queue(actor: User, status: str | None = None, cursor: str | None = None, limit: int = PAGE_SIZE) -> dict:
    """A page of requests: open ones first, newest first, then closed ones (unless `status` picks one)."""
    require_staff(actor)
    if status not in (None, "", OPEN, CLOSED):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="status")
    statuses = [status] if status else [OPEN, CLOSED]
    position = cursors.decode(cursor, {"s": str, "c": int, "r": str})
    if position is not None:
        if position["s"] not in statuses:
            raise PortalError(ErrorCode.INVALID_REQUEST, field="cursor")
        statuses = statuses[statuses.index(position["s"]):]
    items: list[SupportRequest] = []
    after = (position["c"], position["r"]) if position else None
    for current in statuses:
        items += store.by_status(current, limit + 1 - len(items), after)
        after = None
        if len(items) > limit:
            break
    page, more = items[:limit], len(items) > limit
    next_cursor = None
    if more:
        last = page[-1]
        next_cursor = cursors.encode({"s": last.status, "c": int(last.created_at), "r": last.reference})
    return {"items": [describe(request) for request in page], "cursor": next_cursor}


def detail(actor: User, reference: str) -> dict:
    require_staff(actor)
    return describe(_existing(reference))


def detail_with_account(actor: User, reference: str) -> dict:
    """A request next to the status of the account it names (None when no such account exists)."""
    request = detail(actor, reference)
    if not request["username"]:
        return {"request": request, "account": None}
    try:
        account = user_detail(actor, request["username"])
    except PortalError as refusal:
        if refusal.code is not ErrorCode.NOT_FOUND:
            raise
        account = None
    return {"request": request, "account": account}


def _find(reference: str) -> SupportRequest | None:
    return store.get_request(reference.strip().upper()) if 0 < len(reference.strip()) <= 32 else None


def _existing(reference: str) -> SupportRequest:
    request = _find(reference)
    if request is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    return request


def close(actor: User, reference: str, reason: str | None, context: RequestContext) -> None:
    """Close an open request with a reason: one conditional update (only an open request can be
    closed; a second close is a 409), with its audit event in the same transaction."""
    request = _find(reference)
    # The request names an account: a staff member does not close a request about their own.
    why = authorize(actor, "support_request.closed", context, reason=reason,
                    target=request.username if request and request.username else None)
    if request is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    try:
        store.close(request.reference, closed_at=int(clock.now()), closed_by=actor.username, reason=why,
                    event=new_event("support_request.closed", actor=actor.username, target=request.username or "-",
                                    outcome="success", context=context, reason=why,
                                    details={"reference": request.reference, "kind": request.kind}))
    except Conflict:
        raise PortalError(ErrorCode.CONFLICT) from None
    _mail(request, notifications.MailKind.SUPPORT_REQUEST_CLOSED)
