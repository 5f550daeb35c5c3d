"""`chalice local` with a listen backlog that matches API Gateway's behaviour under bursts.

Python's socketserver accepts only 5 pending connections; a burst of parallel requests (a browser
opening several, or the race tests) would see connection resets that API Gateway never gives.
Usage is exactly chalice's: python -m infra.chalice_local local --stage local --no-autoreload ...
"""

import logging
import socketserver
import sys

from chalice.cli import main
from chalice.local import ChaliceRequestHandler

from chalicelib import logs

socketserver.TCPServer.request_queue_size = 128


def _any_method(handler: ChaliceRequestHandler, name: str):  # type: ignore[no-untyped-def]
    """API Gateway hands the app every method; Python's HTTP server would answer the ones chalice does
    not list (TRACE, QUERY, ...) with its own 501 page. The app refuses them with 405 like any other."""
    if name.startswith("do_"):
        return handler._generic_handle
    raise AttributeError(name)


def _no_access_line(handler: ChaliceRequestHandler, format: str, *args: object) -> None:  # noqa: A002
    """The portal logs every request itself (one JSON line); the HTTP server's own line would repeat it."""


ChaliceRequestHandler.__getattr__ = _any_method
ChaliceRequestHandler.log_message = _no_access_line
# One line per request from the portal itself is enough: with the JSON handler on the root logger
# first, `chalice local`'s basicConfig adds no second, plain handler; botocore's notices are noise.
logs.configure()
logging.getLogger("botocore").setLevel(logging.WARNING)

if __name__ == "__main__":
    sys.exit(main())
