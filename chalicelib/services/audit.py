"""The one way every flow records a security event or staff action (append-only audit trail)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from chalicelib import clock
from chalicelib.storage.audit import AuditEvent, append


@dataclass(frozen=True)
class RequestContext:
    """Who is asking and from where; passed from the API layer into services."""

    ip: str | None = None
    user_agent: str | None = None
    lang: str = "nl"
    # Base URL for links in mails (settings.public_origin, or the request's own origin in the local stage).
    origin: str | None = None
    # The device cookie as sent (services/devices.py checks its signature where a login needs it).
    device_cookie: str | None = None


def new_event(
    action: str,
    *,
    actor: str,
    target: str,
    outcome: str,
    context: RequestContext,
    reason: str | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Build (not save) an event, so callers can put it in the same transaction as the change it records."""
    now = clock.now()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
    return AuditEvent(
        day=stamp[:10],
        event_id=f"{stamp}#{secrets.token_hex(6)}",
        at=int(now),
        actor=actor or "-",
        target=target or "-",
        action=action,
        outcome=outcome,
        reason=reason,
        ip=context.ip,
        user_agent=(context.user_agent or "")[:300] or None,
        details=details,
    )


def record(action: str, *, actor: str, target: str, outcome: str, context: RequestContext,
           reason: str | None = None, details: dict | None = None) -> None:
    """Record one event now."""
    append(new_event(action, actor=actor, target=target, outcome=outcome, context=context, reason=reason,
                     details=details))
