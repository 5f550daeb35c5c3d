"""An adviser logging in to a tax application for a client: the clients they may choose (their
ACTIVE authorizations today), the representation the tokens then carry (the client as subject, the
adviser as actor, the authorized tax types and periods), and whether it still holds.

A token is issued for a client only while at least one of the adviser's authorizations for that
client is active today; every refresh checks again, and a revocation ends the running client logins
for it at once (`authorization_ended`, called by services/authorizations.py).
"""

from __future__ import annotations

import json

from chalicelib.services import authorizations as authorization_service
from chalicelib.storage import authorizations as authorization_store
from chalicelib.storage import oidc as store
from chalicelib.storage.authorizations import ACTIVE, Authorization
from chalicelib.storage.users import User, find_by_crib

PAGE = 100  # authorizations read per page while listing a firm's clients
MAX_PAGES = 20


def _active_today(item: Authorization, today: str) -> bool:
    return item.status == ACTIVE and item.start_date <= today and (not item.end_date or item.end_date >= today)


def _active_authorizations(adviser: User) -> list[Authorization]:
    if not adviser.crib:
        return []
    today = authorization_service.today().isoformat()
    found: list[Authorization] = []
    last_key = None
    for _ in range(MAX_PAGES):
        items, last_key = authorization_store.by_representative(adviser.crib, limit=PAGE, last_key=last_key,
                                                                status=ACTIVE, on=today)
        found.extend(item for item in items if _active_today(item, today))
        if not last_key:
            break
    return found


def choices(adviser: User) -> list[dict]:
    """The clients an adviser may act for now: one entry per client CRIB with its authorized tax types."""
    by_client: dict[str, dict] = {}
    for item in _active_authorizations(adviser):
        entry = by_client.setdefault(item.client_crib, {"client_crib": item.client_crib,
                                                        "client_name": item.client_name, "tax_types": []})
        if item.tax_type not in entry["tax_types"]:
            entry["tax_types"].append(item.tax_type)
    return sorted(by_client.values(), key=lambda entry: (entry["client_name"] or "", entry["client_crib"]))


def _client_account(client_crib: str) -> User | None:
    accounts = [user for user in find_by_crib(client_crib) if "#" not in user.username]
    return accounts[0] if len(accounts) == 1 else None


def representation_for(adviser: User, client_crib: str) -> dict | None:
    """What the tokens carry for `client_crib`, or None when no authorization for that client is
    active or the client has no portal account (its subject would not be the one it logs in with)."""
    items = [item for item in _active_authorizations(adviser) if item.client_crib == client_crib]
    if not items:
        return None
    client = _client_account(client_crib)
    if client is None:
        return None
    return {
        "client_username": client.username,
        "client_crib": client_crib,
        "adviser_crib": adviser.crib,
        "authorizations": [{"authorization_id": item.authorization_id, "tax_type": item.tax_type,
                            "start_date": item.start_date, "end_date": item.end_date} for item in items],
    }


def still_active(representation: dict) -> bool:
    """Every authorization named in `representation` is still active today (one read each)."""
    today = authorization_service.today().isoformat()
    for named in representation.get("authorizations", []):
        item = authorization_store.get_authorization(named["authorization_id"])
        if item is None or not _active_today(item, today):
            return False
    return bool(representation.get("authorizations"))


def authorization_ended(item: Authorization) -> int:
    """An authorization was revoked (or otherwise ended): every live client login issued under it
    ends, with a back-channel logout to the client. Returns how many ended."""
    from chalicelib.services.oidc import end_grant

    ended = 0
    for grant_id in store.grants_representing(item.representative_crib, item.client_crib):
        grant = store.get_grant(grant_id)
        if grant is None or grant.state != store.LIVE or not grant.representation:
            continue
        named = {entry["authorization_id"] for entry in json.loads(grant.representation).get("authorizations", [])}
        if item.authorization_id in named:
            end_grant(grant_id, "authorization_ended")
            ended += 1
    return ended
