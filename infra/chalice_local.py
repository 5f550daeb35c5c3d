"""`chalice local` with a listen backlog that matches API Gateway's behaviour under bursts.

Python's socketserver accepts only 5 pending connections; a burst of parallel requests (a browser
opening several, or the race tests) would see connection resets that API Gateway never gives.
Usage is exactly chalice's: python -m infra.chalice_local local --stage local --no-autoreload ...
"""

import logging
import os
import socketserver
import sys
import threading

from chalice.cli import main
from chalice.local import ChaliceRequestHandler, ForbiddenError, LocalGateway

from chalicelib import logs
from chalicelib.api.http import gateway_refusal
from chalicelib.errors import ErrorCode

socketserver.TCPServer.request_queue_size = 128


def _any_method(handler: ChaliceRequestHandler, name: str):  # type: ignore[no-untyped-def]
    """API Gateway hands the app every method; Python's HTTP server would answer the ones chalice does
    not list (TRACE, QUERY, ...) with its own 501 page. The app refuses them with 405 like any other."""
    if name.startswith("do_"):
        return handler._generic_handle
    raise AttributeError(name)


_handle_request = LocalGateway.handle_request


def _gateway_in_the_envelope(gateway: LocalGateway, method: str, path: str, headers: dict, body: bytes | None):  # type: ignore[no-untyped-def]
    """Like the deployed gateway's responses (infra/template.py): an unknown path is 404 and an OPTIONS
    request (no route takes one; no CORS is configured) 405, both in the contract's envelope with the
    security headers, instead of the emulated gateway's {"message": "Missing Authentication Token"} and
    its empty 200 preflight answer."""
    try:
        response = _handle_request(gateway, method, path, headers, body)
    except ForbiddenError:
        return gateway_refusal(ErrorCode.NOT_FOUND, headers, path)
    if method == "OPTIONS":
        return gateway_refusal(ErrorCode.METHOD_NOT_ALLOWED, headers, path)
    return response


def _no_access_line(handler: ChaliceRequestHandler, format: str, *args: object) -> None:  # noqa: A002
    """The portal logs every request itself (one JSON line); the HTTP server's own line would repeat it."""


ChaliceRequestHandler.__getattr__ = _any_method
ChaliceRequestHandler.log_message = _no_access_line
LocalGateway.handle_request = _gateway_in_the_envelope
# One line per request from the portal itself is enough: with the JSON handler on the root logger
# first, `chalice local`'s basicConfig adds no second, plain handler; botocore's notices are noise.
logs.configure()
logging.getLogger("botocore").setLevel(logging.WARNING)



def _outbox_loop(interval: float) -> None:
    """The outbox's schedule in the local stage: what the scheduled function runs, in this process, so the mails it
    sends are in this process's local mailbox (/dev/mailbox) and go through the same AWS endpoint."""
    from chalicelib.services.notifications import send_due

    log = logging.getLogger("portal.outbox")
    stop = threading.Event()
    while not stop.wait(interval):
        try:
            send_due()
        except Exception:  # noqa: BLE001 - keep the local stage's loop alive, as the schedule would
            log.exception("outbox run")


if __name__ == "__main__":
    threading.Thread(target=_outbox_loop, args=(float(os.environ.get("PORTAL_OUTBOX_INTERVAL_SECONDS", "60")),),
                     name="outbox", daemon=True).start()
    sys.exit(main())
