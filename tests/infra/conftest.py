"""Deployment checks: `chalice package` with the merge template runs once per test session (into a
temporary folder, exactly as `make package` does into dist/) and its output is shared by the tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra import package as packaging

# The in-process API clients of the contract tests, for the flows that the log and policy checks run.
from tests.api.conftest import api, client, full_login, make_api, user_factory  # noqa: F401


@dataclass(frozen=True)
class Packaged:
    template: dict
    template_path: Path
    zip_path: Path
    removed: list[str]


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> Packaged:
    out = tmp_path_factory.mktemp("dist")
    template_path = packaging.package("prod", out)
    removed = packaging.slim(out / "deployment.zip")
    return Packaged(json.loads(template_path.read_text(encoding="utf-8")), template_path, out / "deployment.zip",
                    removed)
