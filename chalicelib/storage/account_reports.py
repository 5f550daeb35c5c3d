"""The owner's report "Dit was ik niet" as one write: the account secured and the desk's request filed.

One TransactWriteItems: the user item gets a password hash nobody knows and loses what the transition
voids (every session among it), the support request is stored, and the audit event joins them
(storage/audit.recorded_transaction). A refused write raises `Conflict` and changes nothing.
"""

from __future__ import annotations

from chalicelib.storage.audit import AuditEvent, recorded_transaction
from chalicelib.storage.support_requests import SupportRequest
from chalicelib.storage.users import Transition, User, void_actions


def secure(user: User, password_hash: str, *, transition: Transition, request: SupportRequest,
           event: AuditEvent) -> None:
    """Replace the password hash, void what `transition` voids and file `request`, with `event`. Only
    while the account's sessions are the ones `user` saw: of two reports sent at once (or a report and
    a password change), one applies and the other raises Conflict."""
    epoch = int(user.session_epoch or 0)
    same_sessions = User.session_epoch == epoch
    if epoch == 0:
        same_sessions = same_sessions | User.session_epoch.does_not_exist()
    with recorded_transaction(event) as transaction:
        transaction.update(User(user.username),
                           actions=[User.password_hash.set(password_hash), *void_actions(transition)],
                           condition=User.username.exists() & same_sessions)
        transaction.save(request, condition=SupportRequest.reference.does_not_exist())
