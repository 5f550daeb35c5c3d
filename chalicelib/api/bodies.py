"""Request bodies: one field spec per route, which both parses the request (400 `invalid_request` naming
the first bad field in `field`, and every bad field in `errors`) and becomes the route's OpenAPI request
body, so the two cannot drift apart."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalicelib.errors import ErrorCode, PortalError

# No request of the contract comes near this; a larger body is refused before it is parsed.
BODY_MAX_BYTES = 64 * 1024
# The longest text any field takes; longer is refused before a service sees it.
TEXT_MAX = 4096

# What an item of the error's `errors` list says of a field the body parser refused: absent (or null,
# or blank text where text is required), or present but not what the field takes (type, length).
MISSING = "missing"
INVALID = "invalid"

_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", list: "array", dict: "object"}


@dataclass(frozen=True)
class Field:
    """One field of a JSON body.

    `required`: a missing field (or null) is a 400. `nullable`: the field must be there but may be null
    (`"crib": null` unbinds; a body without `crib` is a mistake). `checked_by_service`: the contract
    requires it, but the service reports its absence (the staff rules audit a missing reason), so the
    parser lets it through. `schema`: what the document says beyond the type (enum, pattern, ...).
    """

    kind: type
    required: bool = True
    nullable: bool = False
    checked_by_service: bool = False
    schema: dict[str, Any] = field(default_factory=dict)

    @property
    def documented_required(self) -> bool:
        return self.required or self.nullable or self.checked_by_service

    def json_schema(self) -> dict[str, Any]:
        kind = _JSON_TYPES[self.kind]
        schema: dict[str, Any] = {"type": [kind, "null"] if self.nullable else kind}
        if self.kind is str:
            schema["maxLength"] = TEXT_MAX
        return {**schema, **self.schema}


def optional(kind: type, **schema: Any) -> Field:
    return Field(kind, required=False, schema=schema)


def reason() -> Field:
    """The stated reason of a staff action: required, and refused (audited) by the staff rules."""
    return Field(str, required=False, checked_by_service=True)


@dataclass(frozen=True)
class Body:
    """The fields of a route's JSON object body. A `name` puts its schema under components.schemas,
    shared by every route that uses the same Body."""

    fields: dict[str, Field]
    name: str | None = None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object"}
        required = [name for name, spec in self.fields.items() if spec.documented_required]
        if required:
            schema["required"] = required
        if self.fields:
            schema["properties"] = {name: spec.json_schema() for name, spec in self.fields.items()}
        return schema

    def request_body(self) -> dict[str, Any]:
        """The OpenAPI requestBody object (a $ref to the named schema, or the schema inline)."""
        schema = {"$ref": f"#/components/schemas/{self.name}"} if self.name else self.json_schema()
        return {"required": any(spec.documented_required for spec in self.fields.values()),
                "content": {"application/json": {"schema": schema}}}

    def parse(self, raw: bytes) -> dict[str, Any]:
        """The checked fields of a raw body; an optional field left out (or null) is left out. Every bad
        field is reported at once: `field` names the first, `errors` lists each with MISSING or INVALID."""
        body = _json_object(raw)
        result: dict[str, Any] = {}
        problems: list[dict[str, str]] = []
        for name, spec in self.fields.items():
            value = body.get(name)
            if value is None:
                if spec.required or (spec.nullable and name not in body):
                    problems.append({"field": name, "code": MISSING})
                elif spec.nullable:
                    result[name] = None
                continue
            if not _valid(value, spec):
                problems.append({"field": name, "code": _problem(value, spec)})
                continue
            result[name] = value
        if problems:
            raise PortalError(ErrorCode.INVALID_REQUEST, field=problems[0]["field"], errors=problems)
        return result

    def field_codes(self) -> dict[str, set[str]]:
        """Each field's possible `errors` codes from the parser (what a form must have words for)."""
        return {name: ({MISSING, INVALID} if spec.documented_required else {INVALID})
                for name, spec in self.fields.items()}


EMPTY = Body({}, name="Empty")


def _no_constant(name: str) -> None:
    """NaN and Infinity are not JSON (Python's parser accepts them): refused like malformed JSON."""
    raise ValueError(name)


def _json_object(raw: bytes) -> dict[str, Any]:
    if len(raw) > BODY_MAX_BYTES:
        raise PortalError(ErrorCode.INVALID_REQUEST, field="body")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant) if raw.strip() else {}
    # ValueError covers malformed JSON and integers longer than Python's 4300-digit limit; deeply
    # nested arrays or objects exhaust the parser's recursion.
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="body") from None
    if not isinstance(body, dict):
        raise PortalError(ErrorCode.INVALID_REQUEST, field="body")
    return body


def _problem(value: Any, spec: Field) -> str:
    """Blank text where text is required is an empty field to the person filling in the form."""
    if spec.kind is str and isinstance(value, str) and spec.required and not value.strip():
        return MISSING
    return INVALID


def _valid(value: Any, spec: Field) -> bool:
    # bool is an int in Python; a JSON true is not a number here.
    if not isinstance(value, spec.kind) or (spec.kind is int and isinstance(value, bool)):
        return False
    if isinstance(value, str) and ((not value.strip() and spec.required) or len(value) > TEXT_MAX):
        return False
    try:
        return _encodable(value)
    except RecursionError:  # nesting the parser still took, too deep to walk: refused, not a 500
        return False


def _encodable(value: Any) -> bool:
    """False for text with a lone UTF-16 surrogate ("\\ud800" is valid JSON but no character): it
    cannot be hashed, stored or mailed, so it is refused at the door rather than half-way a flow."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list):
        return all(_encodable(item) for item in value)
    if isinstance(value, dict):
        return all(_encodable(key) and _encodable(item) for key, item in value.items())
    return True
