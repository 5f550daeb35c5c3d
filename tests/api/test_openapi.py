"""GET /api/openapi.json documents every route that exists, and nothing that does not."""

from __future__ import annotations

from app import app as chalice_app
from tests.api.conftest import body

DOCUMENTED_ELSEWHERE = ("/", "/login", "/logged-out", "/portal", "/static/{name}")


def _api_routes() -> set[tuple[str, str]]:
    routes = set()
    for path, methods in chalice_app.routes.items():
        if not path.startswith("/api/"):
            continue
        for method in methods:
            routes.add((path, method.lower()))
    return routes


def test_every_api_route_is_documented_and_nothing_else(client):
    document = body(client.http.get("/api/openapi.json"))
    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert documented == _api_routes()


def test_every_operation_lists_its_responses(client):
    document = body(client.http.get("/api/openapi.json"))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("responses"), (path, method)
            assert operation.get("summary"), (path, method)


def test_pages_are_not_api_routes():
    for path in DOCUMENTED_ELSEWHERE:
        assert path in chalice_app.routes
