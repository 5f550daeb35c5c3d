"""The outbox's retry function: every minute on AWS (a schedule `chalice package` wires itself),
it sends the mails SES would not take earlier (services/notifications.py `send_due`). The local
stage runs the same function on a loop in the portal's process (infra/chalice_local.py), and
`python -m chalicelib.manage send-outbox` runs it once by hand."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

blueprint = Blueprint(__name__)


@blueprint.schedule(Rate(1, unit=Rate.MINUTES), name="send_outbox")
def send_outbox(event: Any) -> dict[str, int]:
    from chalicelib.services import notifications

    return notifications.send_due()


OPENAPI: dict = {}
