"""A fault-injecting HTTP proxy between the app and moto's server: what AWS does on a bad day.

The app's endpoint (AWS_ENDPOINT_URL of the `chalice local` process) points here; every request is
forwarded to moto unless the fault plan picks it. The service is read from the request's SigV4
credential scope (`.../dynamodb/aws4_request`, `/s3/`, `/ses/`); only DynamoDB calls, S3 object
calls and SES's SendEmail get faults. The plan is set at runtime through the proxy's own control
path, so one local stage serves several fault rates:

    POST /__faults__ {"rate": 0.05, "seed": 7, "kinds": [...], "services": [...]}
                                                   set the plan (kinds, services: all by default), zero the counts
    GET  /__faults__                                             the counts of what was injected

A seed fixes the sequence of decisions (with parallel requests, which request meets which decision
still depends on their order).
"""

from __future__ import annotations

import http.client
import json
import random
import re
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTROL_PATH = "/__faults__"
LATENCY_SECONDS = 0.3
# Longer than the app's read timeout for SES (storage/base.py), so the call really times out.
TIMEOUT_SECONDS = 4.0

# What can go wrong, per service. "lost": forwarded (the write is applied), then the connection is
# closed before the answer arrives. "drop": closed before forwarding (nothing applied).
KINDS = {
    "dynamodb": ("throughput", "throttling", "internal", "conflict", "latency", "drop", "lost"),
    "s3": ("slowdown", "internal", "drop", "lost"),
    "ses": ("internal", "timeout", "lost"),
}
ALL_KINDS = tuple(sorted({kind for kinds in KINDS.values() for kind in kinds}))

_SCOPE = re.compile(r"Credential=[^/,&]+/\d{8}/[^/]+/([a-z0-9-]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"X-Amz-Credential=[^&]*?%2F([a-z0-9-]+)%2Faws4_request", re.IGNORECASE)


class FaultPlan:
    """How often, and which, faults are injected; thread-safe, with counts of what was done."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.configure(rate=0.0, seed=0)

    def configure(self, rate: float, seed: int, kinds: tuple[str, ...] | list[str] = ALL_KINDS,
                  services: tuple[str, ...] | list[str] = tuple(KINDS), operations: list[str] | None = None,
                  limit: int | None = None) -> None:
        """`operations` (e.g. ["TransactWriteItems"]) narrows the faults to those calls; `limit` stops
        injecting after that many (one lost answer, then everything passes)."""
        with self._lock:
            self.rate = float(rate)
            self.kinds = tuple(kind for kind in kinds if kind in ALL_KINDS)
            self.services = tuple(services)
            self.operations = tuple(operations) if operations else None
            self.limit = limit
            self._random = random.Random(seed)  # noqa: S311 - reproducible faults, not security
            self.injected: Counter[str] = Counter()
            self.requests: Counter[str] = Counter()

    def pick(self, service: str, operation: str) -> str | None:
        """The fault for this request, or None to forward it as it is."""
        possible = [kind for kind in KINDS.get(service, ()) if kind in self.kinds and service in self.services
                    and (kind != "conflict" or operation == "TransactWriteItems")
                    and (service != "ses" or operation == "SendEmail")]
        with self._lock:
            self.requests[service] += 1
            if self.operations is not None and operation not in self.operations:
                possible = []
            if self.limit is not None and self.injected.total() >= 2 * self.limit:
                possible = []  # two counts per injection: per service and per operation
            if not possible or self._random.random() >= self.rate:
                return None
            kind = self._random.choice(possible)
            self.injected[f"{service}.{kind}"] += 1
            self.injected[f"{service}.{operation}.{kind}"] += 1
            return kind

    def report(self) -> dict:
        with self._lock:
            return {"rate": self.rate, "kinds": list(self.kinds), "services": list(self.services),
                    "injected": dict(self.injected),
                    "requests": dict(self.requests)}


def _service(headers, path: str) -> str:  # type: ignore[no-untyped-def]
    match = _SCOPE.search(headers.get("Authorization") or "") or _QUERY_SCOPE.search(path)
    return match.group(1) if match else "unknown"


def _operation(service: str, headers, body: bytes) -> str:  # type: ignore[no-untyped-def]
    if service == "dynamodb":
        return (headers.get("X-Amz-Target") or ".").split(".", 1)[1]
    if service == "ses":
        match = re.search(rb"Action=([A-Za-z]+)", body)
        return match.group(1).decode() if match else "unknown"
    return "object"


def _dynamodb_error(kind: str, body: bytes) -> tuple[int, bytes]:
    if kind == "internal":
        return 500, json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
                                "message": "Internal server error"}).encode()
    if kind == "conflict":
        items = len(json.loads(body or b"{}").get("TransactItems", [])) or 1
        return 400, json.dumps({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "message": "Transaction cancelled, please refer cancellation reasons for specific reasons "
                       "[TransactionConflict]",
            "CancellationReasons": [{"Code": "TransactionConflict",
                                     "Message": "Transaction is ongoing for the item"}] * items,
        }).encode()
    name = "ProvisionedThroughputExceededException" if kind == "throughput" else "ThrottlingException"
    return 400, json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{name}",
                            "message": "Rate of requests exceeds the allowed throughput."}).encode()


def _xml_error(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>fault-injected</RequestId></Error>").encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultProxy

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet like moto
        pass

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers:  # a HEAD answer keeps the length of what GET would send
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        """Close the connection without an answer (the client sees a reset / a closed connection)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _control(self, body: bytes) -> None:
        if self.command == "POST":
            plan = json.loads(body or b"{}")
            self.server.plan.configure(plan.get("rate", 0.0), plan.get("seed", 0), plan.get("kinds", ALL_KINDS),
                                       plan.get("services", tuple(KINDS)), plan.get("operations"), plan.get("limit"))
        self._send(200, json.dumps(self.server.plan.report()).encode(), {"Content-Type": "application/json"})

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
        try:
            headers = {name: value for name, value in self.headers.items() if name.lower() != "connection"}
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            upstream.close()

    def _handle(self) -> None:
        body = self._read_body()
        if self.path.startswith(CONTROL_PATH):
            self._control(body)
            return
        service = _service(self.headers, self.path)
        kind = self.server.plan.pick(service, _operation(service, self.headers, body))
        if kind == "drop":
            self._drop()
            return
        if kind == "timeout":
            time.sleep(TIMEOUT_SECONDS)
            self._drop()
            return
        if kind == "latency":
            time.sleep(LATENCY_SECONDS)
        if kind in (None, "latency", "lost"):
            status, headers, answer = self._forward(body)
            if kind == "lost":
                self._drop()
                return
            dropped = ("connection", "transfer-encoding") + (() if self.command == "HEAD" else ("content-length",))
            passed = {("Content-Length" if name.lower() == "content-length" else name): value
                      for name, value in headers if name.lower() not in dropped}
            self._send(status, answer, passed)
            return
        if service == "dynamodb":
            status, answer = _dynamodb_error(kind, body)
            self._send(status, answer, {"Content-Type": "application/x-amz-json-1.0"})
        elif kind == "slowdown":
            self._send(503, _xml_error("SlowDown", "Please reduce your request rate."),
                       {"Content-Type": "application/xml"})
        else:
            self._send(500, _xml_error("InternalError" if service == "s3" else "InternalFailure",
                                       "We encountered an internal error. Please try again."),
                       {"Content-Type": "text/xml"})

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        """Every method (do_GET, do_POST, ...) is forwarded the same way."""
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


class FaultProxy(ThreadingHTTPServer):
    """The proxy on 127.0.0.1 (a free port unless given), forwarding to moto's server on `upstream_port`."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, upstream_port: int, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.upstream_port = upstream_port
        self.plan = FaultPlan()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
