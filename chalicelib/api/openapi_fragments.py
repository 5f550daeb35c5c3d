"""Pieces of the OpenAPI document that every blueprint module's OPENAPI mapping is built from, so a
response, a parameter or a page of results is written one way everywhere."""

from __future__ import annotations

from typing import Any

from chalicelib.i18n import LANGUAGES

ERROR = {"$ref": "#/components/responses/Error"}
STRING = {"type": "string"}
NULLABLE = {"type": ["string", "null"]}
INTEGER_OR_NULL = {"type": ["integer", "null"]}
LANGUAGE = {"type": "string", "enum": list(LANGUAGES)}
# The support desk's operations, grouped under one tag.
STAFF = {"tags": ["support desk"]}


def errors(*statuses: int) -> dict[str, dict]:
    """The contract's error envelope for each status."""
    return {str(status): ERROR for status in statuses}


# What any operation behind a login may answer besides its own outcomes: a refused body, no session,
# a session without the role.
GUARDED_ERRORS = errors(400, 401, 403)


def ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def response(description: str, schema: str | dict[str, Any] | None = None,
             headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A response with a JSON body: a named schema (components.schemas) or an inline one."""
    described: dict[str, Any] = {"description": description}
    if headers:
        described["headers"] = headers
    if schema is not None:
        described["content"] = {"application/json": {"schema": ref(schema) if isinstance(schema, str) else schema}}
    return described


def parameter(name: str, where: str, description: str) -> dict[str, Any]:
    """A string parameter in the path (required) or the query (optional)."""
    return {"name": name, "in": where, "required": where == "path", "description": description, "schema": STRING}


def page_of(item: str) -> dict[str, Any]:
    """A page of a listing: its items and the cursor of the next page."""
    return {"type": "object", "required": ["items", "cursor"],
            "properties": {"items": {"type": "array", "items": ref(item)},
                           "cursor": {**NULLABLE, "description": "Pass as ?cursor= for the next page"}}}


# Present (true) in a login step's answer and /me while the password that logged in is on the breached
# list now: POST /account/password comes first, every other route answers 403 password_change_required.
PASSWORD_CHANGE_REQUIRED = {"type": "boolean", "enum": [True], "description": "A new password is owed first"}
