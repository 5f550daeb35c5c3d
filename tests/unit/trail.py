"""Reading what a flow recorded, through the audit store's own query (newest first)."""

from __future__ import annotations

from chalicelib.storage import audit


def events_about(target: str) -> list[dict]:
    """Every event about one account, newest first, as {action, outcome, actor, reason, details}."""
    return [
        {"action": event.action, "outcome": event.outcome, "actor": event.actor, "reason": event.reason,
         "details": event.details.as_dict() if event.details is not None else None}
        for event in audit.by_target(target, 100, None)
    ]
