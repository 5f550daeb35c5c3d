"""Stable error codes of the public contract and the domain error that carries them."""

from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    INVALID_REQUEST = "invalid_request"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_CODE = "invalid_code"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_BLOCKED = "account_blocked"
    NOT_AUTHENTICATED = "not_authenticated"
    FORBIDDEN = "forbidden"
    CSRF_REJECTED = "csrf_rejected"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INVALID_TOKEN = "invalid_token"
    WEAK_PASSWORD = "weak_password"
    INVALID_EMAIL = "invalid_email"
    EMAIL_TAKEN = "email_taken"
    USERNAME_TAKEN = "username_taken"
    CRIB_TAKEN = "crib_taken"
    NOT_CONFIRMED = "not_confirmed"
    ALREADY_DOWNLOADED = "already_downloaded"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_REQUESTS = "too_many_requests"
    CONFLICT = "conflict"
    AUTHORIZATION_EXISTS = "authorization_exists"
    INVALID_AUTHORIZATION_STATE = "invalid_authorization_state"
    IMPORT_RUNNING = "import_running"
    ENROLLMENT_EXPIRED = "enrollment_expired"
    PASSKEY_REFUSED = "passkey_refused"
    PASSKEY_LIMIT = "passkey_limit"
    LAST_SECOND_FACTOR = "last_second_factor"
    PASSWORD_CHANGE_REQUIRED = "password_change_required"  # noqa: S105 - an error code
    APPROVAL_EXPIRED = "approval_expired"
    INTERNAL_ERROR = "internal_error"
    SERVICE_UNAVAILABLE = "service_unavailable"


# HTTP status of each code; the API layer uses it, services only raise codes.
HTTP_STATUS = {
    ErrorCode.INVALID_REQUEST: 400,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.INVALID_CODE: 401,
    ErrorCode.ACCOUNT_LOCKED: 423,
    ErrorCode.ACCOUNT_BLOCKED: 423,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CSRF_REJECTED: 403,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.INVALID_TOKEN: 400,
    ErrorCode.WEAK_PASSWORD: 400,
    ErrorCode.INVALID_EMAIL: 400,
    ErrorCode.EMAIL_TAKEN: 409,
    ErrorCode.USERNAME_TAKEN: 409,
    ErrorCode.CRIB_TAKEN: 409,
    ErrorCode.NOT_CONFIRMED: 409,
    ErrorCode.ALREADY_DOWNLOADED: 410,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.TOO_MANY_REQUESTS: 429,
    ErrorCode.CONFLICT: 409,
    ErrorCode.AUTHORIZATION_EXISTS: 409,
    ErrorCode.INVALID_AUTHORIZATION_STATE: 409,
    ErrorCode.IMPORT_RUNNING: 409,
    ErrorCode.ENROLLMENT_EXPIRED: 409,
    ErrorCode.PASSKEY_REFUSED: 401,
    ErrorCode.PASSKEY_LIMIT: 409,
    ErrorCode.LAST_SECOND_FACTOR: 409,
    ErrorCode.PASSWORD_CHANGE_REQUIRED: 403,
    ErrorCode.APPROVAL_EXPIRED: 409,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
}


class PortalError(Exception):
    """A refusal the caller may see. `field` names the offending input; `extra` adds contract fields."""

    def __init__(self, code: ErrorCode, *, field: str | None = None, **extra: object) -> None:
        super().__init__(code.value)
        self.code = code
        self.field = field
        self.extra = extra
