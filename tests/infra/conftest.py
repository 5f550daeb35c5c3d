"""Deployment checks: `chalice package` with the merge template runs once per test session (into a
temporary folder, exactly as `make package` does into dist/) and its output is shared by the tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra import package as packaging


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
