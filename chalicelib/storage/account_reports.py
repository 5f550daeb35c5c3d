"""The owner's report "Dit was ik niet" as one write: the account secured and the desk's request filed.

One TransactWriteItems: the user item gets a password hash nobody knows and loses what the transition
voids (every session among it), the support request is stored, and the audit event joins them
(storage/audit.recorded_transaction). A refused write raises `Conflict` and changes nothing.
"""

from __future__ import annotations

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.support_requests import SupportRequest
from chalicelib.storage.users import Transition, User, void_actions


def secure(username: str, password_hash: str, *, transition: Transition, request: SupportRequest,
           event: AuditEvent) -> None:
    """Replace the password hash, void what `transition` voids and file `request`, with `event`."""
    with recorded_transaction(event) as transaction:
        transaction.update(User(username), actions=[User.password_hash.set(password_hash), *void_actions(transition)],
                           condition=User.username.exists())
        transaction.save(request, condition=SupportRequest.reference.does_not_exist())
