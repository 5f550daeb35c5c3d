"""The desk's changes to the register of OpenID Connect clients (storage/oidc.py's `OidcClient`), each
one transaction with its audit event."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.oidc import OidcClient


def registered(client_id: str) -> OidcClient | None:
    """The client whether enabled or not (storage/oidc.get_client knows enabled clients only)."""
    if not client_id or len(client_id) > 128:
        return None
    try:
        return OidcClient.get(client_id, consistent_read=True)
    except DoesNotExist:
        return None


def register(client: OidcClient, event: AuditEvent) -> None:
    """Store a new client with its audit event; Conflict when the id is taken."""
    with recorded_transaction(event) as writes:
        writes.save(client, condition=OidcClient.client_id.does_not_exist())


def disable(client_id: str, event: AuditEvent) -> None:
    """Mark an existing, enabled client disabled with its audit event; Conflict when it is disabled
    already (or was never stored)."""
    with recorded_transaction(event) as writes:
        writes.update(OidcClient(client_id), actions=[OidcClient.disabled.set(True)],
                      condition=OidcClient.client_id.exists()
                      & (OidcClient.disabled.does_not_exist() | (OidcClient.disabled == False)))  # noqa: E712
