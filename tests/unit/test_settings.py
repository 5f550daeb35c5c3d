"""Settings: the stage is explicit wherever the code runs on Lambda."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def environment(monkeypatch):
    from chalicelib.settings import reset_settings

    monkeypatch.delenv("PORTAL_STAGE", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    reset_settings()
    yield monkeypatch
    monkeypatch.undo()
    reset_settings()


def test_off_lambda_the_default_stage_is_local(environment):
    from chalicelib.settings import get_settings

    assert get_settings().stage == "local"


def test_a_lambda_function_without_a_stage_is_refused(environment):
    from chalicelib.settings import StageNotSetError, get_settings

    environment.setenv("AWS_LAMBDA_FUNCTION_NAME", "digitaal-portaal-prod-api_handler")
    with pytest.raises(StageNotSetError, match="PORTAL_STAGE"):
        get_settings()


def test_a_lambda_function_with_its_stage_runs_in_it(environment):
    from chalicelib.settings import get_settings

    environment.setenv("AWS_LAMBDA_FUNCTION_NAME", "digitaal-portaal-prod-api_handler")
    environment.setenv("PORTAL_STAGE", "prod")
    assert get_settings().stage == "prod"
    assert get_settings().session_cookie_name == "__Host-portal_session"


def _start_app(**variables: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("PORTAL_") and name != "AWS_LAMBDA_FUNCTION_NAME"}
    env.update(variables)
    return subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_app_does_not_start_on_lambda_without_a_stage():
    # What Lambda does at a cold start: import the handler's module.
    refused = _start_app(AWS_LAMBDA_FUNCTION_NAME="digitaal-portaal-prod-process_import")
    assert refused.returncode != 0
    assert "PORTAL_STAGE is not set" in refused.stderr
    started = _start_app(AWS_LAMBDA_FUNCTION_NAME="digitaal-portaal-prod-process_import", PORTAL_STAGE="prod")
    assert started.returncode == 0, started.stderr


def test_every_stage_of_the_chalice_config_names_itself():
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    assert "PORTAL_STAGE" not in config.get("environment_variables", {})  # no shared fallback either
    for name, stage in config["stages"].items():
        assert stage["environment_variables"]["PORTAL_STAGE"] == name
