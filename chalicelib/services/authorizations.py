"""Authorizations (machtigingen, docs/authorizations.md): a representative registers one, the
client confirms or revokes it from their own portal, each side lists what concerns it.

- The key is derived from representative CRIB + client CRIB + tax type + period (keyed hash, so the
  ids in URLs reveal no CRIB numbers), so the same authorization is only ever one item.
- Status is stored as pending / active / revoked; "expired" is derived when read, from the end date
  (in the portal's time zone), and an expired authorization can no longer be confirmed or revoked.
- Every change is one conditional request that also writes its audit event; the client's accounts
  get a notice for every new or changed authorization (bulk imports: one summary per client, see
  services/import_notices.py).
- A representative only ever sees and creates authorizations under their own firm's CRIB; a client
  only those on their own CRIB. Somebody else's id answers 404, exactly like an unknown one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.errors import ErrorCode, PortalError
from chalicelib.i18n import t
from chalicelib.roles import Role
from chalicelib.security.crypto import keyed_hash
from chalicelib.services import cursors, notifications, tax_types
from chalicelib.services.accounts import mask_crib
from chalicelib.services.audit import RequestContext, new_event
from chalicelib.storage import authorizations as store
from chalicelib.storage.audit import AuditEvent
from chalicelib.storage.authorizations import ACTIVE, EXPIRED, PENDING, REVOKED, Authorization
from chalicelib.storage.base import Conflict
from chalicelib.storage.keys import get_keys
from chalicelib.storage.users import User, find_by_crib

if TYPE_CHECKING:
    from chalicelib.services.import_rows import Row

STATUSES = (PENDING, ACTIVE, REVOKED, EXPIRED)
PAGE_SIZE = 50

# Notification kinds (catalogue keys mail.<kind>.subject/body in authorizations.json).
REQUESTED = notifications.MailKind.AUTHORIZATION_REQUESTED
CONFIRMED = notifications.MailKind.AUTHORIZATION_CONFIRMED
REVOKED_NOTICE = notifications.MailKind.AUTHORIZATION_REVOKED


def today() -> date:
    """The portal's calendar date (Curaçao, UTC-4): end dates are days people read on the island."""
    return datetime.fromtimestamp(clock.now(), notifications.PORTAL_TIME).date()


def authorization_id(representative_crib: str, row: Row) -> str:
    """The deterministic key of an authorization (128 bits of an HMAC, so it does not reveal CRIBs)."""
    start, end = row.period
    return keyed_hash(get_keys().hmac_key, "authorization", representative_crib, row.client_crib, row.tax_type,
                      start, end)[:32]


def representative_crib(user: User) -> str:
    """The firm CRIB a representative acts for; a representative account without one may not act."""
    if Role.REPRESENTATIVE not in (user.roles or ()) or not user.crib:
        raise PortalError(ErrorCode.FORBIDDEN)
    return user.crib


def effective_status(item: Authorization, on: date) -> str:
    if item.status in (PENDING, ACTIVE) and item.end_date and item.end_date < on.isoformat():
        return EXPIRED
    return item.status


def new_item(row: Row, *, representative: str, firm_name: str | None, status: str, created_by: str, now: int,
             import_id: str | None = None) -> Authorization:
    """An authorization for a checked row, not yet saved."""
    identifier = authorization_id(representative, row)
    start, end = row.period
    return Authorization(
        identifier,
        representative_crib=representative,
        firm_name=firm_name,
        client_crib=row.client_crib,
        client_name=row.client_name,
        reference=row.reference,
        tax_type=row.tax_type,
        start_date=start,
        end_date=end or None,
        status=status,
        source="import" if import_id else "single",
        import_id=import_id,
        import_row=row.number if import_id else None,
        created_by=created_by,
        created_at=now,
        created_key=f"{now:010d}#{identifier}",
        updated_at=now,
        confirmed_at=now if status == ACTIVE else None,
    )


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def view(item: Authorization, lang: str, on: date, *, for_representative: bool) -> dict:
    """An authorization as the API shows it (the client does not see who at the firm entered it)."""
    shown = {
        "id": item.authorization_id,
        "representative_crib": item.representative_crib,
        "firm_name": item.firm_name,
        "client_crib": item.client_crib,
        "client_name": item.client_name,
        "tax_type": item.tax_type,
        "tax_type_name": tax_types.name(item.tax_type, lang),
        "start_date": item.start_date,
        "end_date": item.end_date,
        "status": effective_status(item, on),
        "source": item.source,
        "created_at": _iso(item.created_at),
        "confirmed_at": _iso(item.confirmed_at),
        "revoked_at": _iso(item.revoked_at),
    }
    if for_representative:
        shown.update(reference=item.reference, import_id=item.import_id, created_by=item.created_by)
    return shown


def _day(iso_date: str) -> str:
    return date.fromisoformat(iso_date).strftime("%d-%m-%Y")


def _period(item: Authorization, lang: str) -> str:
    if not item.end_date:
        return t("authorizations.period.open", lang, start=_day(item.start_date))
    return t("authorizations.period.range", lang, start=_day(item.start_date), end=_day(item.end_date))


def firm_label(firm_name: str | None, crib: str, lang: str) -> str:
    """A representative as a mail names it: the firm's name, else its CRIB masked (mails never carry a
    whole CRIB number)."""
    return firm_name or t("authorizations.firm_unnamed", lang, crib=mask_crib(crib))


def actor_label(username: str, lang: str, *, staff: bool = False) -> str:
    """Who acted, as a notice names them: the account, or the support desk (whose staff stay unnamed)."""
    return t("authorizations.actor.desk", lang) if staff else t("authorizations.actor.account", lang,
                                                                  account=username)


def notify_client(item: Authorization, kind: notifications.MailKind, actor: str) -> None:
    """Tell the client's account (one per CRIB), in its own language, naming the account that acted."""
    for user in find_by_crib(item.client_crib):
        lang = user.language or "nl"
        notifications.send(user, kind, firm=firm_label(item.firm_name, item.representative_crib, lang),
                           actor=actor_label(actor, lang), tax_type=tax_types.name(item.tax_type, lang),
                           period=_period(item, lang))


def _event(action: str, actor: str, item: Authorization, context: RequestContext, status: str) -> AuditEvent:
    details = {"authorization_id": item.authorization_id, "representative_crib": item.representative_crib,
               "tax_type": item.tax_type, "start_date": item.start_date, "end_date": item.end_date or "",
               "status": status}
    return new_event(action, actor=actor, target=f"crib:{item.client_crib}", outcome="success", context=context,
                     details=details)


# ---------------------------------------------------------------- representatives


def register(user: User, fields: dict[str, str], context: RequestContext) -> dict:
    """POST /representative/authorizations: one pending authorization, checked by the import rules."""
    # The file rules load with the first use: every cold start of the portal imports this module.
    from chalicelib.services import date_parts, import_rows

    firm = representative_crib(user)
    fields = dict(fields)
    # The page's three-field dates (dag, maand, jaar), each part checked with its own message.
    for name, required in (("start_date", True), ("end_date", False)):
        if any(part in fields for part in date_parts.part_fields(name)):
            fields[name] = date_parts.combine(fields, name, required=required)
        for part in date_parts.part_fields(name):
            fields.pop(part, None)
    checked = import_rows.check_fields(0, fields, import_rows.RowRules(firm, today()))
    if isinstance(checked, list):
        first = checked[0]
        # The reason is the row rule's catalogue key, so the message says what is wrong (as in an import).
        raise PortalError(ErrorCode.INVALID_REQUEST, field=first.column, reason=f"import.row.{first.code}")
    now = int(clock.now())
    item = new_item(checked, representative=firm, firm_name=user.firm_name, status=PENDING,
                    created_by=user.username, now=now)
    try:
        store.create_single(item, _event("authorization.create", user.username, item, context, PENDING), now=now)
    except store.AlreadyExistsError:
        raise PortalError(ErrorCode.AUTHORIZATION_EXISTS) from None
    except store.ImportWritingError:
        raise PortalError(ErrorCode.IMPORT_RUNNING) from None
    notify_client(item, REQUESTED, user.username)
    return view(item, context.lang, today(), for_representative=True)


CURSOR_FIELDS = {"id": str, "created": str}


def _page(query, crib: str, index_key: str, cursor: str | None, lang: str, *, for_representative: bool,  # type: ignore[no-untyped-def]
          status: str | None = None) -> dict:
    """One page of an index query; the cursor carries only the position, the partition is the caller's."""
    if status and status not in STATUSES:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="status")
    position = cursors.decode(cursor, CURSOR_FIELDS)
    last_key = None
    if position is not None:
        last_key = {"authorization_id": {"S": position["id"]}, index_key: {"S": crib},
                    "created_key": {"S": position["created"]}}
    on = today()
    items, next_key = query(crib, limit=PAGE_SIZE, last_key=last_key, status=status, on=on.isoformat())
    next_cursor = None
    if next_key:
        next_cursor = cursors.encode({"id": next_key["authorization_id"]["S"], "created": next_key["created_key"]["S"]})
    return {"items": [view(item, lang, on, for_representative=for_representative) for item in items],
            "cursor": next_cursor}


def list_for_representative(user: User, status: str | None, cursor: str | None, lang: str) -> dict:
    """GET /representative/authorizations: the firm's authorizations, newest first, by status."""
    firm = representative_crib(user)
    return _page(store.by_representative, firm, "representative_crib", cursor, lang, for_representative=True,
                 status=status)


# A whole list in one response: Lambda answers at most 6 MB, and a row takes about 150 bytes.
EXPORT_LIMIT = 20_000
EXPORT_COLUMNS = ("client_crib", "client_name", "tax_type", "period", "status", "reference")


def export_for_representative(user: User, status: str | None, lang: str) -> str:
    """The firm's list as CSV (newest first, optionally one status, at most EXPORT_LIMIT rows), in the
    user's language, with cells a spreadsheet shows as text. A representative account without its
    firm's CRIB has no list: the header only."""
    import csv
    import io

    from chalicelib.services.import_rows import spreadsheet_safe

    firm = representative_crib(user) if user.crib else None
    if status and status not in STATUSES:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="status")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if lang != "en" else ",", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([t(f"authorizations.column.{column}", lang) for column in EXPORT_COLUMNS])
    on, last_key, written = today(), None, 0
    while firm and written < EXPORT_LIMIT:
        items, last_key = store.by_representative(firm, limit=PAGE_SIZE, last_key=last_key, status=status,
                                                  on=on.isoformat())
        for item in items[:EXPORT_LIMIT - written]:
            tax_type = f"{item.tax_type} — {tax_types.name(item.tax_type, lang)}"
            shown_status = t(f"authorizations.status.{effective_status(item, on)}", lang)
            cells = (item.client_crib, item.client_name or "", tax_type, _period(item, lang), shown_status,
                     item.reference or "")
            writer.writerow([spreadsheet_safe(cell) for cell in cells])
            written += 1
        if not last_key:
            break
    return "\ufeff" + buffer.getvalue()


# ---------------------------------------------------------------- clients


def _client_crib(user: User) -> str | None:
    return user.crib if Role.TAXPAYER in (user.roles or ()) else None


def list_for_client(user: User, cursor: str | None, lang: str) -> dict:
    """GET /authorizations: every authorization on the caller's CRIB, whoever registered it."""
    crib = _client_crib(user)
    if crib is None:
        cursors.decode(cursor, CURSOR_FIELDS)
        return {"items": [], "cursor": None}
    return _page(store.by_client, crib, "client_crib", cursor, lang, for_representative=False)


def _own(user: User, identifier: str) -> tuple[str, Authorization]:
    """The caller's CRIB and its authorization `identifier`; 404 for anybody else's, as for an unknown one."""
    crib = _client_crib(user)
    if crib is None or not identifier or len(identifier) > 64:
        raise PortalError(ErrorCode.NOT_FOUND)
    item = store.get_authorization(identifier)
    if item is None or item.client_crib != crib:
        raise PortalError(ErrorCode.NOT_FOUND)
    return crib, item


def for_client(user: User, identifier: str, lang: str) -> dict:
    """One authorization on the caller's CRIB as the list shows it, with its period as text (the check
    page before a confirmation shows what is confirmed); 404 for anybody else's."""
    _, item = _own(user, identifier)
    return {**view(item, lang, today(), for_representative=False), "period": _period(item, lang),
            "firm": firm_label(item.firm_name, item.representative_crib, lang)}


def confirm(user: User, identifier: str, context: RequestContext) -> None:
    """POST /authorizations/{id}/confirm: pending -> active, by the client only."""
    crib, item = _own(user, identifier)
    # The read above only chooses what to say; the change itself is conditional on everything again.
    try:
        store.confirm(identifier, client_crib=crib, not_ended_on=today().isoformat(), now=int(clock.now()),
                      audit=_event("authorization.confirm", user.username, item, context, ACTIVE))
    except Conflict:
        raise PortalError(ErrorCode.INVALID_AUTHORIZATION_STATE) from None
    item.status = ACTIVE
    notify_client(item, CONFIRMED, user.username)


def revoke(user: User, identifier: str, context: RequestContext) -> None:
    """POST /authorizations/{id}/revoke: pending or active -> revoked, by the client only."""
    crib, item = _own(user, identifier)
    try:
        store.revoke(identifier, client_crib=crib, by=user.username, not_ended_on=today().isoformat(),
                     now=int(clock.now()), audit=_event("authorization.revoke", user.username, item, context, REVOKED))
    except Conflict:
        raise PortalError(ErrorCode.INVALID_AUTHORIZATION_STATE) from None
    item.status = REVOKED
    from chalicelib.services.oidc_representation import authorization_ended

    authorization_ended(item)  # tax-application logins made under it end now (back-channel logout)
    notify_client(item, REVOKED_NOTICE, user.username)
