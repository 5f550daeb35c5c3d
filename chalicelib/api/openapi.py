"""GET /api/openapi.json: the OpenAPI 3 document of the whole API. Each blueprint module's OPENAPI
mapping says what its operations do and answer; what they take and who may call them comes from the
routes themselves (http.route's field specs and access level), under the blueprint's URL prefix. A
test checks that every route is documented and nothing more."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api import http
from chalicelib.api.bodies import EMPTY, Body
from chalicelib.api.http import STATE_CHANGING, Endpoint, json_response
from chalicelib.api.openapi_fragments import PASSWORD_CHANGE_REQUIRED, response

blueprint = Blueprint(__name__)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string", "description": "The first field refused"},
                "errors": {
                    "type": "array",
                    "description": "Every field refused: `missing` or `invalid` from the body check, or the "
                                   "refusal's own code (with its `reason` where it gives one)",
                    "items": {"type": "object", "required": ["field", "code"],
                              "properties": {"field": {"type": "string"}, "code": {"type": "string"},
                                             "reason": {"type": "string"}}},
                },
                "retry_after": {"type": "integer"},
                "attempts_left": {"type": "integer", "description": "A refused password or code: failures left "
                                  "before the next lock (the same whether or not the name has an account)"},
                "next_lock": {"type": "string", "enum": ["locked", "blocked"]},
                "blocked": {"type": "boolean", "description": "This failure blocked the name"},
            },
        }
    },
}

COMPONENTS = {
    "securitySchemes": {"session": {
        "type": "apiKey", "in": "cookie", "name": "portal_session",
        "description": "The name in the local stage; every other stage uses __Host-portal_session (Secure, "
                       "Path=/, no Domain). A request carrying the session cookie twice gets 401."}},
    "schemas": {
        "Error": ERROR_SCHEMA,
        "Next": {
            "type": "object",
            "required": ["next"],
            "properties": {"next": {"type": "string", "enum": ["totp", "enroll", "done"]},
                           # With next "totp": the account has a passkey, which the second step offers first.
                           "second_factor": {"type": "string", "enum": ["passkey"]},
                           "password_change_required": PASSWORD_CHANGE_REQUIRED},
        },
        "Me": {
            "type": "object",
            "required": ["username", "email", "roles", "mfa", "crib"],
            "properties": {
                "username": {"type": "string"},
                "email": {"type": "string"},
                "roles": {"type": "array", "items": {"type": "string"}},
                "crib": {"type": ["string", "null"]},
                "language": {"type": "string"},
                "firm_name": {"type": ["string", "null"]},
                "password_change_required": PASSWORD_CHANGE_REQUIRED,
                "mfa": {
                    "type": "object",
                    "properties": {"enabled": {"type": "boolean"}, "backup_codes_left": {"type": "integer"},
                                   "passkeys": {"type": "integer"}},
                },
            },
        },
    },
    "responses": {
        "Error": {
            "description": "Refused; the message is in the caller's language",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
        "ServiceUnavailable": {
            "description": "Temporary trouble (the storage or mail service is throttled or failing): "
                           "service_unavailable with retry_after; nothing was changed unless said so",
            "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    },
}


# docs/api.md "Conventions": any state-changing request may be refused for its origin (403 csrf_rejected)
# or its media type (415), whatever the operation.
CONVENTION_RESPONSES = {"403": {"$ref": "#/components/responses/Error"},
                        "415": {"$ref": "#/components/responses/Error"}}


# Any operation may meet temporary trouble in DynamoDB, S3 or SES: 503 service_unavailable.
TEMPORARY_TROUBLE = {"503": {"$ref": "#/components/responses/ServiceUnavailable"}}


def _with_conventions(method: str, operation: dict) -> dict:
    responses = {**TEMPORARY_TROUBLE, **operation["responses"]}
    if method.upper() in STATE_CHANGING:
        responses = {**CONVENTION_RESPONSES, **responses}
    return {**operation, "responses": responses}


def _from_route(method: str, operation: dict, endpoint: Endpoint | None) -> dict:
    """The operation with its security and request body taken from the route."""
    described = dict(operation)
    if endpoint is not None and endpoint.access is not None:
        described["security"] = [{"session": []}]
    body = endpoint.body if endpoint is not None else None
    if body is None and method.upper() in STATE_CHANGING and "requestBody" not in operation:
        body = EMPTY  # a state-changing route that reads no body still takes (and ignores) an empty object
    if body is not None:
        described["requestBody"] = body.request_body()
    return _with_conventions(method, described)


def _add_schema(schemas: dict[str, Any], body: Body) -> None:
    if body.name is None:
        return
    if schemas.setdefault(body.name, body.json_schema()) != body.json_schema():
        raise ValueError(f"two request bodies named {body.name}")


@lru_cache(maxsize=1)
def document() -> dict:
    from chalicelib import api

    paths: dict = {}
    components = {section: dict(entries) for section, entries in COMPONENTS.items()}
    schemas = components["schemas"]
    _add_schema(schemas, EMPTY)
    for module, prefix in api.registrations():
        routes = {(endpoint.path, endpoint.method.lower()): endpoint for endpoint in http.endpoints(module.blueprint)}
        for path, operations in getattr(module, "OPENAPI", {}).items():
            paths.setdefault(prefix + path, {}).update(
                {method: _from_route(method, operation, routes.get((path, method)))
                 for method, operation in operations.items()})
        for endpoint in routes.values():
            if endpoint.body is not None:
                _add_schema(schemas, endpoint.body)
        # A blueprint may add its own schemas/responses next to its routes.
        for section, entries in getattr(module, "OPENAPI_COMPONENTS", {}).items():
            components.setdefault(section, {}).update(entries)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Digitaal Portaal access service", "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": components,
    }


@blueprint.route("/api/openapi.json", methods=["GET"])
def openapi() -> Response:
    return json_response(document())


OPENAPI = {
    "/api/openapi.json": {
        "get": {"summary": "This document", "tags": ["meta"],
                "responses": {"200": response("OpenAPI 3 document", {"type": "object"})}}
    }
}
