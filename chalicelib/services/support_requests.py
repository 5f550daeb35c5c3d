"""Support requests ("Hulp nodig?"): people who cannot log in ask the desk to unblock their account,
reset their 2FA, create representative access, help with bulk authorizations, or something else.

Filing needs no login and answers with a reference number whether or not the account exists (the
account is not even looked up, so neither the answer nor its timing tells). Filing is rate-limited
per IP address and per name in fixed windows. Staff see the queue (open first, newest first), open
one next to the account's status, act, and close it with a reason.
"""

from __future__ import annotations

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security.tokens import new_reference
from chalicelib.services import cursors
from chalicelib.services.accounts import validate_email, validate_username
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.services.staff import authorize, require_staff
from chalicelib.services.support_desk import user_detail
from chalicelib.storage import rate_limits
from chalicelib.storage import support_requests as store
from chalicelib.storage.base import Conflict
from chalicelib.storage.support_requests import CLOSED, OPEN, SupportRequest
from chalicelib.storage.users import User

KINDS = ("unblock", "reset_2fa", "representative_access", "bulk_authorizations", "other")
MESSAGE_MAX = 2000
WINDOW_SECONDS = 3600
REQUESTS_PER_IP = 20
REQUESTS_PER_NAME = 3
PAGE_SIZE = 25


def file_request(username: str, email: str, kind: str, message: str | None, context: RequestContext) -> str:
    """Store a new open request; returns its reference. Raises 400 for bad input, 429 when over a limit."""
    name = validate_username(username)
    address = validate_email(email)
    if kind not in KINDS:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="kind")
    text = (message or "").strip()
    if len(text) > MESSAGE_MAX:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="message")
    _within_limits(name, context)
    request = SupportRequest(
        new_reference("SR"),
        status=OPEN,
        kind=kind,
        username=name,
        email=address,
        message=text or None,
        language=context.lang,
        created_at=int(clock.now()),
    )
    store.file(request, new_event("support_request.filed", actor="anonymous", target=name, outcome="success",
                                  context=context, details={"reference": request.reference, "kind": kind}))
    return request.reference


def _within_limits(name: str, context: RequestContext) -> None:
    """One conditional counter update per key in the current fixed window: the name first, so
    requests refused for their name do not use up the address's allowance."""
    now = int(clock.now())
    limits = ((f"support_request#name#{name}", REQUESTS_PER_NAME),
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
                    target=request.username if request else None)
    if request is None:
        raise PortalError(ErrorCode.NOT_FOUND)
    try:
        store.close(request.reference, closed_at=int(clock.now()), closed_by=actor.username, reason=why,
                    event=new_event("support_request.closed", actor=actor.username, target=request.username,
                                    outcome="success", context=context, reason=why,
                                    details={"reference": request.reference, "kind": request.kind}))
    except Conflict:
        raise PortalError(ErrorCode.CONFLICT) from None
