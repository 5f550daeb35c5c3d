"""The audit trail's sealer: every ten minutes on AWS (a schedule `chalice package` wires itself), it
appends to each day's seal chain the events that have settled (services/audit_integrity.py);
`python -m chalicelib.manage seal-audit` runs it once by hand."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

blueprint = Blueprint(__name__)


@blueprint.schedule(Rate(10, unit=Rate.MINUTES), name="seal_audit")
def seal_audit(event: Any) -> dict[str, int]:
    from chalicelib.services import audit_integrity

    return {"sealed": audit_integrity.seal_due()}


OPENAPI: dict = {}
