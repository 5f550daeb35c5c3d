"""`chalice local` that behaves like API Gateway and Lambda under bursts and overload.

Python's socketserver accepts only 5 pending connections; a burst of parallel requests (a browser
opening several, or the race tests) would see connection resets that API Gateway never gives. And
`chalice local` runs every request at once in a thread of its own, so under overload all of them slow
down together, far past API Gateway's 29 s, where AWS sheds load: a function's concurrency is bounded
and API Gateway throttles with 429. Here at most PORTAL_LOCAL_CONCURRENCY requests run at once, at most
PORTAL_LOCAL_QUEUE more wait for a slot, each at most PORTAL_LOCAL_QUEUE_SECONDS; any other request
is answered at once with 503 `service_unavailable` in the contract's envelope, with Retry-After and the
security headers, on a connection that stays usable.
Usage is exactly chalice's: python -m infra.chalice_local local --stage local --no-autoreload ...
"""

import logging
import os
import socketserver
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from chalice.cli import main
from chalice.local import ChaliceRequestHandler, ForbiddenError, LocalGateway

from chalicelib import logs
from chalicelib.api.http import RETRY_AFTER_SECONDS, gateway_not_found, gateway_refusal
from chalicelib.errors import ErrorCode

socketserver.TCPServer.request_queue_size = 128
log = logging.getLogger("infra.chalice_local")


class Admission:
    """Bounded concurrency with a bounded queue: `admit()` yields True when the request may run (after
    waiting at most `wait_seconds` for one of `concurrency` slots, as one of at most `queue` waiting),
    False when it is to be shed."""

    def __init__(self, concurrency: int, queue: int, wait_seconds: float) -> None:
        if concurrency < 1 or queue < 0 or wait_seconds < 0:
            raise ValueError("concurrency must be at least 1; queue and wait at least 0")
        self._running = threading.BoundedSemaphore(concurrency)
        self._admitted = threading.BoundedSemaphore(concurrency + queue)
        self._wait_seconds = wait_seconds

    @classmethod
    def from_environment(cls) -> "Admission":
        return cls(int(os.environ.get("PORTAL_LOCAL_CONCURRENCY", "8")),
                   int(os.environ.get("PORTAL_LOCAL_QUEUE", "64")),
                   float(os.environ.get("PORTAL_LOCAL_QUEUE_SECONDS", "20")))

    @contextmanager
    def admit(self) -> Iterator[bool]:
        if not self._admitted.acquire(blocking=False):
            yield False
            return
        try:
            if not self._running.acquire(timeout=self._wait_seconds):
                yield False
                return
            try:
                yield True
            finally:
                self._running.release()
        finally:
            self._admitted.release()


ADMISSION = Admission.from_environment()
_handle = ChaliceRequestHandler._generic_handle


def _shedding_load(handler: ChaliceRequestHandler) -> None:
    """Runs the request when admitted; otherwise reads its body (unread bytes would turn closing the
    connection into a reset) and answers 503 in the envelope."""
    with ADMISSION.admit() as admitted:
        if admitted:
            _handle(handler)
            return
    headers, _ = handler._parse_payload()
    log.warning("overloaded: %s %s shed with 503", handler.command, handler.path.split("?", 1)[0])
    response = gateway_refusal(ErrorCode.SERVICE_UNAVAILABLE, headers, handler.path,
                               retry_after=RETRY_AFTER_SECONDS)
    handler._send_http_response(response["statusCode"], {**response["headers"], **response["multiValueHeaders"]},
                                response["body"])


def _any_method(handler: ChaliceRequestHandler, name: str):  # type: ignore[no-untyped-def]
    """API Gateway hands the app every method; Python's HTTP server would answer the ones chalice does
    not list (TRACE, QUERY, ...) with its own 501 page. The app refuses them with 405 like any other."""
    if name.startswith("do_"):
        return handler._generic_handle
    raise AttributeError(name)


_handle_request = LocalGateway.handle_request


def _gateway_in_the_envelope(gateway: LocalGateway, method: str, path: str, headers: dict, body: bytes | None):  # type: ignore[no-untyped-def]
    """Like the deployed gateway (infra/template.py): an unknown path is 404, the page in the visitor's
    language (the contract's envelope under /api/), as the deployed catch-all route answers, and an
    OPTIONS request (no route takes one; no CORS is configured) 405 in the envelope, both with the
    security headers, instead of the emulated gateway's {"message": "Missing Authentication Token"} and
    its empty 200 preflight answer."""
    try:
        response = _handle_request(gateway, method, path, headers, body)
    except ForbiddenError:
        return gateway_not_found(headers, path)
    if method == "OPTIONS":
        return gateway_refusal(ErrorCode.METHOD_NOT_ALLOWED, headers, path)
    return response


def _no_access_line(handler: ChaliceRequestHandler, format: str, *args: object) -> None:  # noqa: A002
    """The portal logs every request itself (one JSON line); the HTTP server's own line would repeat it."""


ChaliceRequestHandler.__getattr__ = _any_method
for _method in ("_generic_handle", "do_GET", "do_PUT", "do_POST", "do_HEAD", "do_DELETE", "do_PATCH", "do_OPTIONS"):
    setattr(ChaliceRequestHandler, _method, _shedding_load)
ChaliceRequestHandler.log_message = _no_access_line
LocalGateway.handle_request = _gateway_in_the_envelope
# One line per request from the portal itself is enough: with the JSON handler on the root logger
# first, `chalice local`'s basicConfig adds no second, plain handler; botocore's notices are noise.
logs.configure()
logging.getLogger("botocore").setLevel(logging.WARNING)


def _schedule(name: str, run: str, variable: str, default: str) -> None:
    """One scheduled function of the stage, run in this process every `variable` seconds: what the
    schedule runs on AWS, against the same AWS endpoint, so mails it sends are in this process's local
    mailbox (/dev/mailbox). `run` is "module:function"; an error is logged and the loop goes on, as the
    schedule would."""
    import importlib

    module, function = run.split(":")
    interval = float(os.environ.get(variable, default))
    log = logging.getLogger(f"portal.{name}")

    def loop() -> None:
        task = getattr(importlib.import_module(module), function)
        stop = threading.Event()
        while not stop.wait(interval):
            try:
                task()
            except Exception:  # noqa: BLE001 - keep the local stage's loop alive, as the schedule would
                log.exception(f"{name} run")

    threading.Thread(target=loop, name=name, daemon=True).start()


if __name__ == "__main__":
    _schedule("audit-seal", "chalicelib.services.audit_integrity:seal_due", "PORTAL_SEAL_INTERVAL_SECONDS", "600")
    _schedule("oidc-logout", "chalicelib.services.oidc_logout:run", "PORTAL_LOGOUT_INTERVAL_SECONDS", "5")
    _schedule("outbox", "chalicelib.services.notifications:send_due", "PORTAL_OUTBOX_INTERVAL_SECONDS", "60")
    sys.exit(main())
