"""Counts the DynamoDB requests the service makes.

DynamoDB bills per request and every request is a network round trip inside the Lambda's
milliseconds, so the count per flow is the cost figure that matters most. The count comes from a
botocore event hook (`before-call.dynamodb`) registered on the clients of the pynamodb connections
the service uses: one per table model (every model is listed in `storage.tables.models()`, which
the local set-up needs anyway) and the connection of transactions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

HOOK_ID = "bench-dynamodb-requests"


@dataclass
class DynamoDBRequests:
    """The requests made inside one `counting()` block, by operation name, in order."""

    operations: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.operations)

    def before_call(self, event_name: str, **_: object) -> None:
        self.operations.append(event_name.rsplit(".", 1)[-1])


def _emitters() -> list:
    """The event emitters of every DynamoDB client the service's storage layer uses."""
    from chalicelib.storage.base import transaction_connection
    from chalicelib.storage.tables import models

    connections = [model._get_connection().connection for model in models()] + [transaction_connection()]
    emitters = []
    for connection in connections:
        events = connection.client.meta.events
        if all(events is not known for known in emitters):
            emitters.append(events)
    return emitters


@contextmanager
def counting() -> Iterator[DynamoDBRequests]:
    """Count the DynamoDB requests made inside the block (same thread or not: the clients are shared)."""
    requests = DynamoDBRequests()
    emitters = _emitters()
    for events in emitters:
        events.register("before-call.dynamodb", requests.before_call, unique_id=HOOK_ID)
    try:
        yield requests
    finally:
        for events in emitters:
            events.unregister("before-call.dynamodb", unique_id=HOOK_ID)
