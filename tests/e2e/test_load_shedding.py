"""Load shedding of the local stage (infra/chalice_local.py): beyond its bounded concurrency and queue a
request gets 503 `service_unavailable` in the envelope, with Retry-After and the security headers, at
once; no connection is reset or left hanging, and the stage serves normally afterwards."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import running_portal

BURST = 16
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


@pytest.fixture(scope="module")
def narrow_portal():
    """A stage that runs one request at a time and lets one more wait for it."""
    yield from running_portal("portal-load-shedding.log", environment={
        "PORTAL_LOCAL_CONCURRENCY": "1", "PORTAL_LOCAL_QUEUE": "1", "PORTAL_LOCAL_QUEUE_SECONDS": "20"})


def wrong_password(portal, index: int) -> requests.Response:
    http = portal.session()
    http.headers["Accept-Language"] = "en"
    return http.post(f"{portal.url}/api/v1/auth/login", timeout=30,
                     json={"username": f"burst.{index:02d}", "password": "wrong-password!"})


def test_a_burst_beyond_the_bound_is_shed_with_503_and_the_stage_stays_healthy(narrow_portal):
    start = threading.Barrier(BURST)

    def attempt(index: int) -> requests.Response:
        start.wait()  # all sent together: each one costs an argon2 evaluation
        return wrong_password(narrow_portal, index)

    with ThreadPoolExecutor(max_workers=BURST) as pool:
        responses = list(pool.map(attempt, range(BURST)))  # a reset or a hang would raise here
    statuses = [response.status_code for response in responses]
    assert set(statuses) == {401, 503}, statuses
    for shed in (response for response in responses if response.status_code == 503):
        assert shed.json()["error"]["code"] == "service_unavailable"
        assert shed.json()["error"]["message"].startswith("The service is briefly unavailable")  # the caller's language
        assert int(shed.headers["Retry-After"]) > 0
        assert all(name in shed.headers for name in SECURITY_HEADERS), shed.headers
    for served in (response for response in responses if response.status_code == 401):
        assert served.json()["error"]["code"] != "service_unavailable"

    # Afterwards every request is served again, one at a time as well as two at once.
    assert requests.get(f"{narrow_portal.url}/login", timeout=10).status_code == 200
    assert [wrong_password(narrow_portal, 90 + index).status_code for index in range(3)] == [401] * 3
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert [response.status_code for response in pool.map(lambda i: wrong_password(narrow_portal, i),
                                                               (98, 99))] == [401, 401]
