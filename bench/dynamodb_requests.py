"""Counts the DynamoDB requests the service makes.

DynamoDB bills per request and every request is a network round trip inside the Lambda's
milliseconds, so the count per flow is the cost figure that matters most. The count comes from a
botocore event hook (`before-call.dynamodb`) registered on the clients of the pynamodb connections
the service uses: one per model class of the service and the connection of transactions.
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


def _service_models() -> list:
    """Every table model: those of `storage.tables.models()` (which imports them all) and any other
    model class of the service (e.g. a second item type kept in one of those tables)."""
    from pynamodb.models import Model

    from chalicelib.storage.tables import models

    found = list(models())
    pending = list(Model.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("chalicelib.") and model not in found:
            found.append(model)
    return found


def _emitters() -> list:
    """The event emitters of every DynamoDB client the service's storage layer uses."""
    from chalicelib.storage.base import transaction_connection

    connections = [model._get_connection().connection for model in _service_models()] + [transaction_connection()]
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
