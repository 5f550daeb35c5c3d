"""GET /api/openapi.json documents every route that exists, and nothing that does not."""

from __future__ import annotations

from app import app as chalice_app
from tests.api.conftest import body

DOCUMENTED_ELSEWHERE = ("/", "/login", "/logged-out", "/portal", "/static/{name}")
# The OpenID Connect provider's endpoints are documented too (outside /api/, in OAuth's own formats);
# its page behind a login (the client chooser) is a page like /portal.
OIDC_PREFIXES = ("/oidc/", "/.well-known/")
OIDC_PAGES = ("/oidc/represent",)
# The userinfo endpoint is under the API's prefix but takes a bearer token, not a session: not a route().
OAUTH_RESOURCES = {("/api/v1/oidc/userinfo", "get"), ("/api/v1/oidc/userinfo", "post")}


def _oidc_routes() -> set[tuple[str, str]]:
    return {(path, method.lower()) for path, methods in chalice_app.routes.items()
            if path.startswith(OIDC_PREFIXES) and path not in OIDC_PAGES for method in methods}


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
    assert documented == _api_routes() | _oidc_routes()


def test_every_operation_lists_its_responses(client):
    document = body(client.http.get("/api/openapi.json"))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("responses"), (path, method)
            assert operation.get("summary"), (path, method)


def test_pages_are_not_api_routes():
    for path in DOCUMENTED_ELSEWHERE:
        assert path in chalice_app.routes


def _operations_of_routes():
    """(documented path, method, Endpoint) of every route() operation, under its blueprint's prefix."""
    from chalicelib import api
    from chalicelib.api import http

    for module, prefix in api.registrations():
        for endpoint in http.endpoints(module.blueprint):
            yield prefix + endpoint.path, endpoint.method.lower(), endpoint


def test_request_bodies_are_the_ones_the_routes_parse(client):
    from chalicelib.api.bodies import EMPTY
    from chalicelib.api.http import STATE_CHANGING

    document = body(client.http.get("/api/openapi.json"))
    operations = [operation for operation in _operations_of_routes() if not operation[0].startswith(OIDC_PREFIXES)]
    # Every API route but the document's own goes through http.route, so each one is compared here.
    expected = _api_routes() - {("/api/openapi.json", "get")} - OAUTH_RESOURCES
    assert {(path, method) for path, method, _ in operations} == expected
    for path, method, endpoint in operations:
        operation = document["paths"][path][method]
        assert ("security" in operation) == (endpoint.access is not None), (path, method)
        spec = endpoint.body or (EMPTY if method.upper() in STATE_CHANGING else None)
        if spec is None:
            assert "requestBody" not in operation, (path, method)
            continue
        assert operation["requestBody"] == spec.request_body(), (path, method)
        if spec.name:
            assert document["components"]["schemas"][spec.name] == spec.json_schema(), (path, method)


def test_a_documented_required_field_is_refused_when_missing(api):
    """The parser and the document agree: leaving out a field the document requires (on routes that need
    no session, so the body is read) is a 400 naming that field."""
    for path, method, endpoint in _operations_of_routes():
        if endpoint.access is not None or endpoint.body is None:
            continue
        required = [name for name, spec in endpoint.body.fields.items() if spec.required]
        for name in required:
            sent = {other: "x" for other in required if other != name}
            response = api.post(path, sent)
            assert response.status_code == 400, (path, name)
            assert body(response)["error"]["field"] == name, (path, name)


def test_every_path_of_the_contract_is_in_the_document(client):
    """docs/api.md names its paths below /api/v1 (the document's own path in full); path parameters may
    be named differently."""
    import re
    from pathlib import Path

    contract = Path(__file__).parents[2] / "docs" / "api.md"
    named = set(re.findall(r"`(GET|POST|DELETE|PUT|PATCH) (/[^`?\s]*)", contract.read_text(encoding="utf-8")))
    assert len(named) > 30

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    document = body(client.http.get("/api/openapi.json"))
    documented = {(method.upper(), shape(path)) for path, operations in document["paths"].items()
                  for method in operations}
    for method, path in named:
        oidc_endpoint = path.startswith(OIDC_PREFIXES) and path in chalice_app.routes
        full = path if path.startswith("/api/openapi") or oidc_endpoint else f"/api/v1{path}"
        assert (method, shape(full)) in documented, (method, path)
