"""Structured logs: every record is one JSON line carrying the request it belongs to, and passes a
redaction filter first, so no password, code, secret, token, cookie or whole CRIB number reaches
the logs (docs/security.md), even when a value slips into a message or an exception text.

`configure()` installs this once per container; `request_scope()` tags the lines of one request;
`log_request()` writes the one line per request that the HTTP middleware emits.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

REDACTED = "[redacted]"

# Keys whose values are secret whatever they look like (request fields, extras, nested dicts).
_SECRET_KEY = re.compile(r"pass|secret|token|cookie|otp|authorization|credential|key_material|^(backup_)?codes?$",
                         re.IGNORECASE)

# Values that look like secrets wherever they appear in text. Order matters: whole structures first.
_SECRET_TEXT = (
    (re.compile(r"(portal_session=)[^;\s\"']*"), r"\1" + REDACTED),
    (re.compile(r"otpauth://\S+"), REDACTED),
    # Backup codes (XXXX-XXXX-XXXX-XXXX, any case) and 6-digit TOTP codes.
    (re.compile(r"\b[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}\b"), REDACTED),
    # Random tokens (URL-safe base64, hex) and base32 TOTP secrets.
    (re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{32,}(?![A-Za-z0-9_\-])"), REDACTED),
    (re.compile(r"\b[A-Z2-7]{16,}\b"), REDACTED),
    # A CRIB number keeps only its last three digits: enough to tell records apart, never the number.
    (re.compile(r"\b\d{6}(\d{3})\b"), r"******\1"),
    (re.compile(r"\b\d{6}\b"), REDACTED),
)

# Fields the service itself fills with values known to be harmless (ids, routes, numbers).
_TRUSTED_FIELDS = frozenset({"time", "level", "logger", "request_id", "method", "route", "status", "duration_ms",
                             "outcome"})

_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

_request: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("portal_request", default=None)


def redact_text(text: str) -> str:
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any, key: str = "") -> Any:
    """A copy of `value` with secret-named keys blanked and secret-looking text replaced."""
    if key and _SECRET_KEY.search(key) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, dict):
        return {name: redact(item, str(name)) for name, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact(item) for item in value]
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return redact_text(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's id and route, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            **(_request.get() or {}),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRIBUTES and not name.startswith("_"):
                line[name] = value if name in _TRUSTED_FIELDS else redact(value, name)
        line["message"] = redact_text(record.getMessage())
        if record.exc_info:
            line["exception"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class JsonHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time (Lambda sends it to CloudWatch Logs)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - logging must never break a request
            self.handleError(record)


def configure(level: int = logging.INFO) -> None:
    """Route every logger through the JSON handler (idempotent).

    On Lambda the runtime's own plain-text handler is replaced, so CloudWatch gets JSON only.
    """
    root = logging.getLogger()
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        for handler in list(root.handlers):
            if not isinstance(handler, JsonHandler):
                root.removeHandler(handler)
    if not any(isinstance(handler, JsonHandler) for handler in root.handlers):
        root.addHandler(JsonHandler())
    root.setLevel(level)
    # Client libraries log request details (with bodies) at debug level; keep them at warnings.
    for noisy in ("botocore", "boto3", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@contextmanager
def request_scope(request_id: str, method: str, route: str | None) -> Iterator[None]:
    """Tag every line logged while handling one request with its id, method and route template."""
    token = _request.set({"request_id": request_id, "method": method, "route": route or "-"})
    try:
        yield
    finally:
        _request.reset(token)


def request_id() -> str | None:
    """The id of the request being handled (every line it logs carries it), None outside a request."""
    return (_request.get() or {}).get("request_id")


def outcome(status: int) -> str:
    if status >= 500:
        return "failed"
    return "refused" if status >= 400 else "ok"


_log = logging.getLogger("portal.request")


def log_request(status: int, duration_ms: float, error: str | None = None) -> None:
    """The one line per request: status, outcome, duration and, when refused, the contract's error code."""
    extra: dict[str, Any] = {"status": status, "outcome": outcome(status), "duration_ms": round(duration_ms, 1)}
    if error:
        extra["error"] = error
    _log.info("request", extra=extra)
