"""The pages of authorizations: the "Vertegenwoordigersportaal" for representatives (register one,
import a CSV with a live progress bar, the firm's list) and "Machtigingen" for taxpayers, where every
confirmation, refusal or revocation first shows what it is about on a check page
(/authorizations/<id>/<action>). Their scripts talk to api/representative.py and api/authorizations.py."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api import csp
from chalicelib.api.http import current_request, language
from chalicelib.api.pages import guarded_page, page_for, redirect
from chalicelib.errors import PortalError
from chalicelib.i18n import t
from chalicelib.roles import Role
from chalicelib.services import authorizations, import_history, tax_types
from chalicelib.services.sessions import Access, Authenticated

blueprint = Blueprint(__name__)


REPRESENTATIVES = frozenset({Role.REPRESENTATIVE})


@guarded_page(blueprint, "/representative", Access.FULL, REPRESENTATIVES)
def representative_page(current: Authenticated) -> Response:
    from chalicelib.storage.uploads import upload_origin

    lang = language(current_request())
    response = page_for(current, "representative.html", statuses=authorizations.STATUSES,
                        tax_types=tax_types.choices(lang), imports=import_history.history(current.user, lang))
    # The browser uploads the CSV straight to S3: the one other origin this page may connect to.
    response.headers["Content-Security-Policy"] = csp.PORTAL.allowing("connect-src", upload_origin()).header()
    return response


@guarded_page(blueprint, "/representative/import-template.csv", Access.FULL, REPRESENTATIVES)
def import_template(current: Authenticated) -> Response:
    from chalicelib.services.import_rows import template_csv

    lang = language(current_request())
    return _csv(template_csv(lang), t("import_flow.template.filename", lang))


@guarded_page(blueprint, "/representative/imports/{import_id}/errors.csv", Access.FULL, REPRESENTATIVES)
def import_report(current: Authenticated, import_id: str) -> Response:
    """An earlier import's error report: a fresh short-lived link each time it is asked for."""
    try:
        return redirect(import_history.report_link(current.user, import_id))
    except PortalError:
        return page_for(current, "import_report_missing.html", status=404)


@guarded_page(blueprint, "/representative/authorizations.csv", Access.FULL, REPRESENTATIVES)
def export_authorizations(current: Authenticated) -> Response:
    """The firm's list as a spreadsheet, optionally one status (?status=)."""
    lang = language(current_request())
    status = (current_request().query_params or {}).get("status") or None
    return _csv(authorizations.export_for_representative(current.user, status, lang),
                t("import_flow.export.filename", lang))


def _csv(content: str, filename: str) -> Response:
    return Response(body=content, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}"'})


CLIENTS = frozenset({Role.TAXPAYER})
# What the list's buttons lead to, the API call each makes, and the status it applies to: a pending
# authorization is refused ("Weigeren"), an active one revoked ("Intrekken"); both end as revoked.
CHANGES = {"confirm": ("confirm", "pending"), "reject": ("revoke", "pending"), "revoke": ("revoke", "active")}
# The outcome the list announces after a change (?done=), with the authorization it was about.
DONE = ("confirm", "reject", "revoke")


@guarded_page(blueprint, "/authorizations", Access.FULL, CLIENTS)
def client_page(current: Authenticated) -> Response:
    params = current_request().query_params or {}
    done, changed = params.get("done"), None
    if done in DONE and params.get("id"):
        changed = _own_or_none(current, params["id"])
    return page_for(current, "authorizations.html", statuses=authorizations.STATUSES,
                    done=done if changed else None, changed=changed)


@guarded_page(blueprint, "/authorizations/{authorization_id}/{change}", Access.FULL, CLIENTS)
def check_page(current: Authenticated, authorization_id: str, change: str) -> Response:
    found = _own_or_none(current, authorization_id) if change in CHANGES else None
    if found is None:
        return page_for(current, "authorization_check.html", status=404, change=None, authorization=None)
    api_action, applies_to = CHANGES[change]
    return page_for(current, "authorization_check.html", change=change, api_action=api_action,
                    applicable=found["status"] == applies_to, authorization=found)


def _own_or_none(current: Authenticated, authorization_id: str) -> dict | None:
    try:
        return authorizations.for_client(current.user, authorization_id, language(current_request()))
    except PortalError:
        return None
