"""Representative access on an account: the role and the firm's name, given with the firm's CRIB
binding (storage/users.py reserves the CRIB in the same transaction as the account's change)."""

from __future__ import annotations

from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.users import User, bind_crib


def grant(user: User, crib: str, *, role: str, firm_name: str, now: int, event: AuditEvent) -> None:
    """Bind `crib` to the account and give it `role` and `firm_name`, with `event`, in one transaction.
    Raises what bind_crib raises: CribTakenError (another account has the CRIB), ConcurrentChangeError."""
    bind_crib(user, crib, now=now, actions=(User.roles.add({role}), User.firm_name.set(firm_name)), also=(event,))
