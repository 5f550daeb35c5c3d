"""The back-channel logout runner: every minute on AWS (a schedule `chalice package` wires itself),
it checks the client logins that are due and delivers the logout tokens of ended ones
(services/oidc_logout.py `run`). The local stage runs it on a loop in the portal's process."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

blueprint = Blueprint(__name__)


@blueprint.schedule(Rate(1, unit=Rate.MINUTES), name="deliver_logouts")
def deliver_logouts(event: Any) -> dict[str, int]:
    from chalicelib.services import oidc_logout

    return oidc_logout.run()


OPENAPI: dict = {}
