"""The error pages of the HTML routes: every route outside /api/ answers trouble with a page in the
visitor's language, never with Chalice's own JSON 500 or a stack trace.

The JSON API maps errors in its route decorator (api/http.py `route`); the pages are plain Chalice
routes, so `guard_pages(app)` wraps each of them once, after the blueprints are registered: a page
added later is covered without doing anything. Temporary AWS trouble is a 503 "try again in a moment"
with Retry-After; a domain refusal that escapes a page is its contract status; anything else is a
500 naming a reference, the request id that every log line of the request carries.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response

from chalicelib import logs
from chalicelib.api.http import RETRY_AFTER_SECONDS, current_request, language
from chalicelib.errors import HTTP_STATUS, ErrorCode, PortalError
from chalicelib.i18n import t
from chalicelib.storage.base import is_temporary_trouble

log = logging.getLogger("portal.pages")

API_PREFIX = "/api/"


def error_page(code: ErrorCode, lang: str, reference: str | None = None) -> Response:
    """The page for one of the contract's error codes, with the code's own status and message."""
    from chalicelib.render.pages import render

    status = HTTP_STATUS[code]
    body = render("error.html", lang, "/", title=t(f"page_error.{'unavailable' if status == 503 else 'title'}", lang),
                  message=t(f"error.{code.value}", lang), reference=reference)
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if code is ErrorCode.SERVICE_UNAVAILABLE:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return Response(body=body, status_code=status, headers=headers)


def not_found(path: str, lang: str, chosen: str | None = None) -> Response:
    """The answer to a path no route has: under /api/ the contract's JSON envelope, anywhere else the 404
    page in the visitor's language (never API Gateway's {"message": "Missing Authentication Token"});
    a language `chosen` with ?lang= is kept for the next pages, as every page keeps it."""
    from chalicelib.api.http import error_response
    from chalicelib.api.pages import language_cookie, language_links
    from chalicelib.render.pages import render

    if path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/"):
        return error_response(PortalError(ErrorCode.NOT_FOUND), lang)
    body = render("not_found.html", lang, path, language_links=language_links(path, {}))
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if chosen:
        headers["Set-Cookie"] = language_cookie(chosen)
    return Response(body=body, status_code=404, headers=headers)


def page_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """`view` answering its failures with an error page (see the module's docstring)."""

    @functools.wraps(view)
    def guarded(**path_params: Any) -> Any:
        try:
            return view(**path_params)
        except PortalError as error:
            return error_page(error.code, language(current_request()))
        except Exception as error:  # noqa: BLE001 - chalice would answer with its own JSON 500
            if is_temporary_trouble(error):
                log.warning("temporary AWS trouble", exc_info=True)
                return error_page(ErrorCode.SERVICE_UNAVAILABLE, language(current_request()))
            log.exception("unhandled error")
            return error_page(ErrorCode.INTERNAL_ERROR, language(current_request()), reference=logs.request_id())

    guarded.page_errors = True  # type: ignore[attr-defined]
    return guarded


def guard_pages(app: Chalice) -> None:
    """Route every page (every route outside /api/) of `app` through `page_errors`, once."""
    for path, methods in app.routes.items():
        if path.startswith(API_PREFIX):
            continue
        for entry in methods.values():
            if not getattr(entry.view_function, "page_errors", False):
                entry.view_function = page_errors(entry.view_function)
