"""tests/faults/proxy.py on its own: reproducible decisions, and what each fault does to the request."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.faults.proxy import FaultPlan, FaultProxy

DYNAMODB = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261202/us-east-1/dynamodb/aws4_request, "
                             "SignedHeaders=host, Signature=x",
            "X-Amz-Target": "DynamoDB_20120810.UpdateItem", "Content-Type": "application/x-amz-json-1.0"}


class _Upstream(ThreadingHTTPServer):
    """Stands in for moto: counts the requests that reach it."""

    def __init__(self) -> None:
        self.received = 0
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream.received += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def proxied():
    upstream = _Upstream()
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    proxy = FaultProxy(upstream.server_address[1]).start()
    yield proxy, upstream
    proxy.stop()
    upstream.shutdown()
    upstream.server_close()


def test_the_same_seed_makes_the_same_decisions():
    first, second, other = FaultPlan(), FaultPlan(), FaultPlan()
    for plan, seed in ((first, 7), (second, 7), (other, 8)):
        plan.configure(rate=0.2, seed=seed)
    decisions = [[plan.pick("dynamodb", "TransactWriteItems") for _ in range(200)] for plan in (first, second, other)]
    assert decisions[0] == decisions[1] != decisions[2]
    assert 20 <= sum(kind is not None for kind in decisions[0]) <= 60


@pytest.mark.parametrize(("kind", "reaches_moto"), [("lost", 1), ("drop", 0)])
def test_a_lost_answer_was_applied_a_dropped_request_was_not(proxied, kind, reaches_moto):
    proxy, upstream = proxied
    proxy.plan.configure(rate=1.0, seed=1, kinds=[kind])
    with pytest.raises(requests.ConnectionError):
        requests.post(proxy.url, data=b"{}", headers=DYNAMODB, timeout=5)
    assert upstream.received == reaches_moto


def test_throttling_is_dynamodbs_own_answer_and_the_control_path_sets_the_plan(proxied):
    proxy, upstream = proxied
    plan = requests.post(f"{proxy.url}/__faults__", json={"rate": 1.0, "seed": 1, "kinds": ["throttling"]},
                         timeout=5).json()
    assert plan["rate"] == 1.0 and plan["kinds"] == ["throttling"]
    answer = requests.post(proxy.url, data=b"{}", headers=DYNAMODB, timeout=5)
    assert answer.status_code == 400
    assert json.loads(answer.content)["__type"].endswith("#ThrottlingException")
    assert upstream.received == 0
    assert requests.get(f"{proxy.url}/__faults__", timeout=5).json()["injected"] == {
        "dynamodb.throttling": 1, "dynamodb.UpdateItem.throttling": 1}
    requests.post(f"{proxy.url}/__faults__", json={"rate": 0.0}, timeout=5)
    assert requests.post(proxy.url, data=b"{}", headers=DYNAMODB, timeout=5).status_code == 200
    assert upstream.received == 1
