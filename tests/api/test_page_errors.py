"""The HTML pages under trouble: temporary AWS trouble is a 503 page in the visitor's language with
Retry-After and the security headers; any other failure a 500 page naming the reference that the
log line of the failure carries; never Chalice's JSON 500 or a stack trace."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from app import app as chalice_app

THROTTLED = botocore.exceptions.ClientError(
    {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
    "Query")
TRY_AGAIN = {"nl": "Probeer het over een moment opnieuw", "en": "try again in a moment",
             "pap": "Purba atrobe den un momento"}
SOMETHING_WRONG = {"nl": "Er ging iets mis", "en": "Something went wrong", "pap": "Algu a bai robes"}


def page_paths() -> list[str]:
    """Every GET route outside /api/, with its path parameters filled in."""
    paths = []
    for path, methods in chalice_app.routes.items():
        if not path.startswith("/api/") and "GET" in methods:
            paths.append(path.replace("{name}", "portal.css").replace("{username}", "x").replace("{reference}", "x"))
    return sorted(paths)


def _failing_render(monkeypatch, error: Exception) -> None:
    """Every page's rendering fails with `error`; the error page itself still renders."""
    from chalicelib.render import pages

    original = pages.render

    def render(template, *args, **kwargs):
        if template != "error.html":
            raise error
        return original(template, *args, **kwargs)

    monkeypatch.setattr(pages, "render", render)


def _assert_page(response, status: int, text: str) -> str:
    html = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
    assert response.status_code == status, html
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in \
        response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert text in html and "Traceback" not in html and "InternalServerError" not in html
    return html


@pytest.mark.parametrize("lang", ["nl", "en", "pap"])
def test_a_logged_in_page_under_throttling_is_a_503_page_in_the_visitors_language(api, full_login, monkeypatch,
                                                                                   lang):
    from chalicelib.services import sessions

    full_login(api, "alice")

    def throttled(*_args, **_kwargs):
        raise THROTTLED

    monkeypatch.setattr(sessions.store, "get_session_with_user", throttled)
    response = api.get("/portal", headers={"Cookie": f"portal_session={api.cookie}; lang={lang}"})
    html = _assert_page(response, 503, TRY_AGAIN[lang])
    assert response.headers["Retry-After"] == "2"
    assert f'<html lang="{lang}">' in html


def test_every_page_answers_temporary_trouble_with_a_503_page(api, monkeypatch):
    _failing_render(monkeypatch, THROTTLED)
    answered = {}
    for path in page_paths():
        response = api.get(f"{path}?lang=en")
        assert response.status_code != 500, path
        answered[path] = response.status_code
        if response.status_code == 503:
            _assert_page(response, 503, TRY_AGAIN["en"])
            assert response.headers["Retry-After"] == "2"
    # Redirects and static files render nothing; every page that renders answered 503.
    assert {path for path, status in answered.items() if status == 503} >= {"/login", "/help", "/password/forgot",
                                                                          "/logged-out", "/account/activate"}
    assert set(answered.values()) <= {200, 302, 404, 503}, answered


def test_an_unexpected_error_is_a_500_page_whose_reference_is_in_the_log(api, monkeypatch, capsys):
    _failing_render(monkeypatch, RuntimeError("bug"))
    capsys.readouterr()
    response = api.get("/login", headers={"Accept-Language": "pap"})
    html = _assert_page(response, 500, SOMETHING_WRONG["pap"])
    reference = html.split("<code>")[1].split("</code>")[0]
    assert reference
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    failures = [line for line in lines if line["level"] == "ERROR" and line.get("request_id") == reference]
    assert failures and "RuntimeError: bug" in failures[0]["exception"]


def test_a_refusal_that_escapes_a_page_is_its_own_status(api, monkeypatch):
    from chalicelib.errors import ErrorCode, PortalError

    _failing_render(monkeypatch, PortalError(ErrorCode.NOT_FOUND))
    response = api.get("/help?lang=nl")
    assert response.status_code == 404 and "Traceback" not in response.body.decode("utf-8")


def test_every_route_outside_the_api_goes_through_the_page_wrapper():
    """A page added to any blueprint later is covered too (guard_pages runs over the app's routes)."""
    for path, methods in chalice_app.routes.items():
        for entry in methods.values():
            assert getattr(entry.view_function, "page_errors", False) is (not path.startswith("/api/")), path
