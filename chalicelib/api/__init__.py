"""Chalice blueprints: parse the request, call one service, map domain errors. No logic here.

BLUEPRINTS lists every blueprint module in registration order with the URL prefix of its routes;
app.py registers them and api/openapi.py documents their routes (each module's OPENAPI mapping and
the field specs its routes parse) under the same prefix.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from chalicelib import logs

# Every Lambda entry point (the API handler via app.py, the import function directly) imports this
# package first: JSON logs with redaction from the first line on.
logs.configure()

API = "/api/v1"  # docs/api.md "Conventions": the base path of the JSON API
PAGES = ""  # pages, static files, the OpenAPI document: paths as written

BLUEPRINTS = (
    ("http", PAGES),
    ("auth", API),
    ("mfa", API),
    ("mfa_pages", PAGES),
    ("session", API),
    ("pages", PAGES),
    ("openapi", PAGES),
    ("account", API),
    ("account_pages", PAGES),
    ("password_renewal_pages", PAGES),
    ("recovery_pages", PAGES),
    ("activity", API),
    ("activity_pages", PAGES),
    ("link_checks", API),
    ("passkeys", API),
    ("passkey_pages", PAGES),
    ("mailbox", PAGES),
    ("admin", API),
    ("approvals", API),
    ("support_requests", API),
    ("support_pages", PAGES),
    ("representative", API),
    ("authorizations", API),
    ("representatives_admin", API),
    ("authorization_pages", PAGES),
    ("import_events", PAGES),
    ("outbox_events", PAGES),
    ("audit_seal_events", PAGES),
    ("public_pages", PAGES),
    ("oidc", PAGES),
    ("oidc_choice", API),
    ("oidc_resource", API),
    ("oidc_events", PAGES),
    ("oidc_clients_admin", API),
    ("oidc_client_pages", PAGES),
)


def registrations() -> list[tuple[ModuleType, str]]:
    """Every blueprint module with the URL prefix its routes are registered under."""
    return [(importlib.import_module(f"chalicelib.api.{name}"), prefix) for name, prefix in BLUEPRINTS]
