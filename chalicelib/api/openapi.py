"""GET /api/openapi.json: the OpenAPI 3 document of the whole API, assembled from each blueprint
module's OPENAPI mapping (a test checks that every route is documented and nothing more)."""

from __future__ import annotations

from functools import lru_cache

from chalice import Blueprint, Response

from chalicelib.api.http import json_response

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
                "field": {"type": "string"},
                "retry_after": {"type": "integer"},
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
                           "second_factor": {"type": "string", "enum": ["passkey"]}},
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
    "requestBodies": {
        "Credentials": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["username", "password"],
                        "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                    }
                }
            },
        },
        "Empty": {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
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
    if method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
        responses = {**CONVENTION_RESPONSES, **responses}
    return {**operation, "responses": responses}


@lru_cache(maxsize=1)
def document() -> dict:
    from chalicelib import api

    paths: dict = {}
    components = {section: dict(entries) for section, entries in COMPONENTS.items()}
    for module in api.modules():
        for path, operations in getattr(module, "OPENAPI", {}).items():
            paths.setdefault(path, {}).update(
                {method: _with_conventions(method, operation) for method, operation in operations.items()})
        # A blueprint may add its own schemas/requestBodies/responses next to its routes.
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
                "responses": {"200": {"description": "OpenAPI 3 document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}
    }
}
