"""Structured logs: one JSON object per line, tagged with the request, secrets redacted."""

from __future__ import annotations

import json
import logging

import pytest

from chalicelib import logs


@pytest.fixture
def lines(capsys):
    logs.configure()

    def read() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]

    return read


def test_a_request_line_carries_id_route_outcome_and_duration(lines):
    with logs.request_scope("req-1", "POST", "/api/v1/auth/login"):
        logs.log_request(401, 12.345, "invalid_credentials")
    [line] = lines()
    assert line["request_id"] == "req-1"
    assert line["route"] == "/api/v1/auth/login"
    assert line["method"] == "POST"
    assert line["status"] == 401
    assert line["outcome"] == "refused"
    assert line["error"] == "invalid_credentials"
    assert line["duration_ms"] == 12.3
    assert line["level"] == "INFO"


def test_lines_outside_a_request_have_no_request_fields(lines):
    logging.getLogger("portal.test").warning("plain %s", "text")
    [line] = lines()
    assert line["message"] == "plain text"
    assert "request_id" not in line


@pytest.mark.parametrize("status, expected", [(200, "ok"), (302, "ok"), (423, "refused"), (500, "failed")])
def test_outcome_follows_the_status(status, expected):
    assert logs.outcome(status) == expected


SECRETS = {
    "cookie": "portal_session=Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg",
    "backup code": "7G4K-PQ2M-XR9T-B3CD",
    "token": "q0Z3pK8rT_vY2mN5bW9xL1cD4fG7hJ0kA3sE6uI9oP2",
    "totp secret": "JBSWY3DPEHPK3PXPJBSWY3DP",
    "otpauth uri": "otpauth://totp/Portaal:jan?secret=JBSWY3DP&issuer=Portaal",
    "totp code": "492039",
}


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_secret_looking_text_is_redacted_in_messages_and_exceptions(lines, kind):
    secret = SECRETS[kind]
    log = logging.getLogger("portal.test")
    log.info("saw %s here", secret)
    try:
        raise ValueError(f"bad value {secret}")
    except ValueError:
        log.exception("failed")
    output = lines()
    assert len(output) == 2
    assert all(secret not in json.dumps(line) for line in output)
    assert "[redacted]" in output[0]["message"]


def test_a_crib_number_keeps_only_its_last_three_digits(lines):
    logging.getLogger("portal.test").info("client 100000123 imported")
    [line] = lines()
    assert "100000123" not in line["message"]
    assert line["message"] == "client ******123 imported"


def test_secret_named_extras_are_blanked_whatever_their_value(lines):
    logging.getLogger("portal.test").info("attempt", extra={
        "password": "Correct-Horse-Battery-9", "new_password": "x y", "details": {"code": "12", "kind": "totp"},
        "username": "jan.jansen"})
    [line] = lines()
    assert line["password"] == "[redacted]"
    assert line["new_password"] == "[redacted]"
    assert line["details"] == {"code": "[redacted]", "kind": "totp"}
    assert line["username"] == "jan.jansen"


def test_configure_is_idempotent():
    logs.configure()
    logs.configure()
    assert sum(isinstance(handler, logs.JsonHandler) for handler in logging.getLogger().handlers) == 1


def test_on_lambda_every_entry_point_replaces_the_runtimes_plain_handler():
    """The runtime installs its own text handler; importing the API package (the API handler's app.py or
    the import function's module) leaves JSON lines only."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = ("import logging; logging.basicConfig(); import chalicelib.api.import_events; "
              "from chalicelib.logs import JsonHandler; "
              "assert [type(h) for h in logging.getLogger().handlers] == [JsonHandler]")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "AWS_LAMBDA_FUNCTION_NAME": "portal-process_import"})
    assert result.returncode == 0, result.stderr
