"""Chalice blueprints: parse the request, call one service, map domain errors. No logic here.

MODULES lists every blueprint module in registration order; app.py registers them and
api/openapi.py documents their routes from each module's OPENAPI mapping.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from chalicelib import logs

# Every Lambda entry point (the API handler via app.py, the import function directly) imports this
# package first: JSON logs with redaction from the first line on.
logs.configure()

MODULES = (
    "http",
    "auth",
    "mfa",
    "session",
    "pages",
    "openapi",
    "account",
    "account_pages",
    "mailbox",
    "admin",
    "support_requests",
    "support_pages",
    "representative",
    "authorizations",
    "representatives_admin",
    "authorization_pages",
    "import_events",
    "outbox_events",
)


def modules() -> list[ModuleType]:
    return [importlib.import_module(f"chalicelib.api.{name}") for name in MODULES]
