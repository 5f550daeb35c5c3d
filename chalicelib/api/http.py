"""HTTP plumbing shared by every blueprint: the cross-cutting rules of docs/api.md "Conventions"
(JSON only, Origin check, error envelope, security headers, language) and the route decorator that
authenticates and maps domain errors to the contract's codes. No business logic lives here."""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib import logs
from chalicelib.api import csp
from chalicelib.api.bodies import Body
from chalicelib.errors import HTTP_STATUS, ErrorCode, PortalError
from chalicelib.i18n import catalogue, normalize_language, pick_language, t
from chalicelib.roles import Role
from chalicelib.services import sessions
from chalicelib.services.audit import RequestContext
from chalicelib.services.devices import DEVICE_COOKIE_MAX_AGE
from chalicelib.services.sessions import Access, Authenticated
from chalicelib.settings import get_settings
from chalicelib.storage.base import is_temporary_trouble

log = logging.getLogger("portal.http")

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

blueprint = Blueprint(__name__)

# What a 503 asks the client to wait: AWS's throttling and hiccups pass within seconds.
RETRY_AFTER_SECONDS = 2

# `chalice local` serves requests on several threads but keeps one `current_request` per app;
# the middleware receives each call's own request and keeps it per thread (on Lambda: one at a time).
_local = threading.local()


def current_request() -> Request:
    """The request being handled on this thread (use instead of Blueprint.current_request)."""
    return _local.request


# ---------------------------------------------------------------- request helpers


def header(request: Request, name: str) -> str | None:
    return (request.headers or {}).get(name.lower())


def cookies(request: Request) -> dict[str, str]:
    return _first_of_each(_cookie_pairs(request))


def _first_of_each(pairs: list[tuple[str, str]]) -> dict[str, str]:
    jar: dict[str, str] = {}
    for name, value in pairs:
        jar.setdefault(name, value)
    return jar


def _cookie_pairs(request: Request) -> list[tuple[str, str]]:
    return _parse_cookie_header(header(request, "cookie"))


def _parse_cookie_header(value: str | None) -> list[tuple[str, str]]:
    pairs = []
    for part in (value or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            pairs.append((name, value))
    return pairs


def session_cookie_values(request: Request) -> list[str]:
    """Every session cookie the request carries (normally at most one)."""
    name = get_settings().session_cookie_name
    return [value for found, value in _cookie_pairs(request) if found == name]


class DuplicateSessionCookieError(PortalError):
    """Two session cookies: one was planted (cookie tossing from a sibling subdomain or a narrower path,
    which the browser sends first). Neither is used; the answer clears the portal's own."""

    def __init__(self) -> None:
        super().__init__(ErrorCode.NOT_AUTHENTICATED)


def session_cookie_value(request: Request) -> str | None:
    """The request's one session cookie; DuplicateSessionCookieError (401) when it carries two."""
    values = session_cookie_values(request)
    if len(values) > 1:
        raise DuplicateSessionCookieError()
    return values[0] if values else None


def query(name: str) -> str | None:
    """One query-string parameter of the current request."""
    return (current_request().query_params or {}).get(name)


def language(request: Request) -> str:
    query = (request.query_params or {}).get("lang")
    return pick_language(query, cookies(request).get("lang"), header(request, "accept-language"))


def client_ip(request: Request) -> str | None:
    identity = (request.context or {}).get("identity") or {}
    return identity.get("sourceIp")


def origin(request: Request) -> str | None:
    """The portal's own origin for links in mails: the configured public origin; only in the local stage
    the request's Host header (elsewhere a Host header is attacker-controlled input, never trusted)."""
    settings = get_settings()
    if settings.public_origin:
        return settings.public_origin.rstrip("/")
    if settings.is_local:
        return f"http://{header(request, 'host') or '127.0.0.1:8000'}"
    return None


def context(request: Request) -> RequestContext:
    return RequestContext(ip=client_ip(request), user_agent=header(request, "user-agent"), lang=language(request),
                          origin=origin(request), device_cookie=cookies(request).get(get_settings().device_cookie_name))


# ---------------------------------------------------------------- responses


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def error_response(error: PortalError, lang: str) -> Response:
    message_key = f"error.{error.code.value}"
    # A refusal may say why in its own words (e.g. weak_password's reason "password.too_short").
    reason = error.extra.get("reason")
    message = t(reason if isinstance(reason, str) and reason in catalogue(lang) else message_key, lang)
    if error.field:
        message = f"{message} ({t('error.field', lang)}: {error.field})"
    body: dict[str, Any] = {"code": error.code.value, "message": message}
    if error.field:
        body["field"] = error.field
    body.update(error.extra)
    if error.field and "errors" not in body:
        body["errors"] = [field_error(error)]
    headers = {}
    if "retry_after" in error.extra:
        headers["Retry-After"] = str(error.extra["retry_after"])
    return json_response({"error": body}, HTTP_STATUS[error.code], headers)


def field_error(error: PortalError) -> dict[str, Any]:
    """The `errors` item of a refusal that names one field: a malformed value is `invalid` (as the body
    parser says it), any other refusal its own code, with the refusal's `reason` when it gives one."""
    code = "invalid" if error.code is ErrorCode.INVALID_REQUEST else error.code.value
    item: dict[str, Any] = {"field": error.field, "code": code}
    reason = error.extra.get("reason")
    if isinstance(reason, str):
        item["reason"] = reason
    return item


def temporary_trouble(lang: str) -> Response:
    """503 service_unavailable: DynamoDB, S3 or SES is throttling or failing right now (logged)."""
    log.warning("temporary AWS trouble", exc_info=True)
    return error_response(PortalError(ErrorCode.SERVICE_UNAVAILABLE, retry_after=RETRY_AFTER_SECONDS), lang)


def session_cookie(value: str) -> str:
    settings = get_settings()
    secure = "; Secure" if settings.cookie_secure else ""
    return f"{settings.session_cookie_name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}"


def device_cookie(value: str) -> str:
    """The long-lived device cookie (services/devices.py): readable by the server only. Lax, unlike the
    session cookie: it opens nothing, and a login page reached from a link in a mail (a cross-site
    navigation) must see it, or it would hand the browser a new id and the next login would look like
    a new device."""
    settings = get_settings()
    secure = "; Secure" if settings.cookie_secure else ""
    return (f"{settings.device_cookie_name}={value}; Path=/; HttpOnly; SameSite=Lax; "
            f"Max-Age={DEVICE_COOKIE_MAX_AGE}{secure}")


def cleared_cookie() -> str:
    return session_cookie("") + "; Max-Age=0"


# ---------------------------------------------------------------- route decorator


def authenticate(request: Request) -> Authenticated:
    """The request's live session, or 401 (none, expired, ended, or two session cookies)."""
    return sessions.authenticate(session_cookie_value(request))


def holds_role(current: Authenticated, roles: frozenset[Role]) -> bool:
    """One of `roles`, and the account's second factor active: role-guarded routes and pages (staff
    above all) need both."""
    return bool(set(current.user.roles or ()) & roles) and bool(current.user.mfa_enabled)


def require(request: Request, access: Access, roles: frozenset[Role] | None = None) -> Authenticated:
    """Authenticate the request for a route's access level and roles; raises 401/403 per the contract."""
    current = authenticate(request)
    if not access.admits(current.session):
        # A partial session is not a login: answer as if there were none (docs/api.md: partial sessions
        # reach only the second-factor and enrollment endpoints).
        if current.is_full and current.must_change_password:
            raise PortalError(ErrorCode.PASSWORD_CHANGE_REQUIRED)
        raise PortalError(ErrorCode.FORBIDDEN if current.is_full else ErrorCode.NOT_AUTHENTICATED)
    if roles and not holds_role(current, roles):
        raise PortalError(ErrorCode.FORBIDDEN)
    return current


@dataclass(frozen=True)
class Endpoint:
    """What route() knows of one operation; api/openapi.py documents it from this."""

    path: str  # below the blueprint's url_prefix
    method: str
    access: Access | None
    body: Body | None


# Every route() operation, by the blueprint it belongs to.
_ENDPOINTS: dict[Blueprint, list[Endpoint]] = {}


def endpoints(bp: Blueprint) -> list[Endpoint]:
    return list(_ENDPOINTS.get(bp, ()))


# Runs after authentication and before the body is read (a staff action's audited role check).
Guard = Callable[..., None]


def route(bp: Blueprint, path: str, methods: list[str], access: Access | None = None,
          roles: frozenset[Role] | None = None, body: Body | None = None, guard: Guard | None = None,
          **options: Any) -> Callable:
    """Chalice route that maps PortalError to the error envelope. With `access`, the authenticated
    session is the view's first argument (and `guard(current, **path_params)` runs next); with `body`,
    the request's JSON is checked against it and the parsed fields are the view's `body` argument (a
    Body without fields only checks that the request sent a JSON object, or nothing)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**path_params: Any) -> Any:
            request = current_request()
            try:
                return _call(view, request, path_params)
            except PortalError as error:
                response = error_response(error, language(request))
                if isinstance(error, DuplicateSessionCookieError):
                    response.headers["Set-Cookie"] = cleared_cookie()
                return response
            except Exception as error:  # noqa: BLE001 - chalice would answer a view's exception with its own 500
                if is_temporary_trouble(error):
                    return temporary_trouble(language(request))
                log.exception("unhandled error")
                return error_response(PortalError(ErrorCode.INTERNAL_ERROR), language(request))

        def _call(view: Callable, request: Request, path_params: dict[str, Any]) -> Any:
            arguments: list[Any] = []
            if access is not None:
                current = require(request, access, roles)
                if guard is not None:
                    guard(current, **path_params)
                arguments.append(current)
            if body is not None:
                parsed = body.parse(request.raw_body or b"")
                if body.fields:
                    path_params = {**path_params, "body": parsed}
            return view(*arguments, **path_params)

        bp.route(path, methods=methods, content_types=["application/json", "*/*"], **options)(wrapper)
        _ENDPOINTS.setdefault(bp, []).extend(Endpoint(path, method, access, body) for method in methods)
        return view

    return decorator


# ---------------------------------------------------------------- middleware


def _same_origin(request: Request, origin: str) -> bool:
    configured = get_settings().public_origin
    if configured:
        return origin.rstrip("/") == configured.rstrip("/")
    return urlsplit(origin).netloc.lower() == (header(request, "host") or "").lower()


# OpenID Connect endpoints that take form posts (RFC 6749, RP-initiated logout): called by a client's
# server (it authenticates itself) or by a form on the client's site, so neither JSON nor the Origin
# check applies; they answer in OAuth's own formats (api/oidc.py).
OAUTH_FORM_PATHS = frozenset({"/oidc/token", "/api/v1/oidc/userinfo", "/oidc/logout"})


def _guard(request: Request) -> PortalError | None:
    if request.method not in STATE_CHANGING:
        return None
    if (request.path or "") in OAUTH_FORM_PATHS:
        return None
    origin = header(request, "origin")
    if origin and not _same_origin(request, origin):
        return PortalError(ErrorCode.CSRF_REJECTED)
    if (header(request, "sec-fetch-site") or "same-origin") == "cross-site":
        return PortalError(ErrorCode.CSRF_REJECTED)
    content_type = (header(request, "content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return PortalError(ErrorCode.UNSUPPORTED_MEDIA_TYPE)
    return None


_CHALICE_ERRORS = {
    400: ErrorCode.INVALID_REQUEST,
    403: ErrorCode.NOT_FOUND,  # API Gateway answers unknown paths with 403 "Missing Authentication Token"
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}


def _normalize_framework_error(response: Response, lang: str) -> Response:
    """Chalice's own refusals ({"Code", "Message"}) in the contract's envelope."""
    body = response.body
    if isinstance(body, dict) and "Code" in body and response.status_code in _CHALICE_ERRORS:
        normalized = error_response(PortalError(_CHALICE_ERRORS[response.status_code]), lang)
        normalized.status_code = 404 if response.status_code == 403 else response.status_code
        for name, value in (response.headers or {}).items():
            if name.lower() == "allow":
                normalized.headers["Allow"] = value
        return normalized
    return response


def _secure_headers(response: Response, path: str) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", csp.PORTAL.header())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    if get_settings().cookie_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"


def _error_code(response: Response) -> str | None:
    """The contract's error code of a refusal (for the request log line), None for other responses."""
    if response.status_code < 400 or not isinstance(response.body, str):
        return None
    try:
        return json.loads(response.body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


# The deployed API's greedy resource (infra/template.py): API Gateway hands every path no route has to
# the function under this resource path, which chalice itself has no route for.
CATCH_ALL_RESOURCE = "/{proxy+}"


def _unknown_path(request: Request, lang: str) -> Response:
    """The greedy resource's path parameter is the path asked for (request.path is the resource's)."""
    from chalicelib.api.errors import not_found

    chosen = normalize_language((request.query_params or {}).get("lang"))
    return not_found("/" + ((request.uri_params or {}).get("proxy") or ""), lang, chosen)


def _respond(request: Request, get_response: Callable[[Request], Response]) -> Response:
    lang = language(request)
    refusal = _guard(request)
    if refusal is not None:
        response = error_response(refusal, lang)
    elif (request.context or {}).get("resourcePath") == CATCH_ALL_RESOURCE:
        response = _unknown_path(request, lang)
    else:
        try:
            response = get_response(request)
        except Exception as error:  # noqa: BLE001 - never a stack trace or a framework page to the client
            if is_temporary_trouble(error):
                response = temporary_trouble(lang)
            else:
                log.exception("unhandled error")
                response = error_response(PortalError(ErrorCode.INTERNAL_ERROR), lang)
        response = _normalize_framework_error(response, lang)
    _secure_headers(response, request.path or "")
    return response


def gateway_refusal(code: ErrorCode, request_headers: dict[str, str], path: str, **extra: object) -> dict[str, Any]:
    """API Gateway's own refusals (a path no route has, an OPTIONS request nobody routes, a request shed
    under overload) in the contract's envelope with the security headers, as a Lambda proxy response;
    `extra` adds contract fields (`retry_after` also sets Retry-After). The local stage's gateway
    answers with it; on AWS the template's gateway responses carry the same envelope."""
    lowered = {name.lower(): value for name, value in (request_headers or {}).items()}
    jar = _first_of_each(_parse_cookie_header(lowered.get("cookie")))
    lang = pick_language(None, jar.get("lang"), lowered.get("accept-language"))
    response = error_response(PortalError(code, **extra), lang)
    _secure_headers(response, path)
    return response.to_dict()


def gateway_not_found(request_headers: dict[str, str], path: str) -> dict[str, Any]:
    """A path no route has, answered by the local stage's gateway as the deployed one's catch-all route
    does: the 404 page (JSON envelope under /api/) with the security headers, as a Lambda proxy response."""
    from chalicelib.api.errors import not_found

    lowered = {name.lower(): value for name, value in (request_headers or {}).items()}
    jar = _first_of_each(_parse_cookie_header(lowered.get("cookie")))
    path_only = path.split("?", 1)[0] or "/"
    query = dict(part.partition("=")[::2] for part in path.partition("?")[2].split("&") if part)
    lang = pick_language(query.get("lang"), jar.get("lang"), lowered.get("accept-language"))
    response = not_found(path_only, lang, normalize_language(query.get("lang")))
    _secure_headers(response, path_only)
    return response.to_dict()


@blueprint.middleware("http")
def http_rules(request: Request, get_response: Callable[[Request], Response]) -> Response:
    started = time.perf_counter()
    _local.request = request
    request_id = ((request.context or {}).get("requestId")) or uuid.uuid4().hex
    with logs.request_scope(request_id, request.method, (request.context or {}).get("resourcePath")):
        response = _respond(request, get_response)
        logs.log_request(response.status_code, (time.perf_counter() - started) * 1000, _error_code(response))
    return response
