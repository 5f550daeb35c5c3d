"""docs/security.md names, for every rule, the test that proves it: each named test must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _named_tests() -> list[tuple[str, str]]:
    named = []
    for line in (ROOT / "docs" / "security.md").read_text(encoding="utf-8").splitlines():
        current_file = None
        for reference in re.findall(r"`((?:tests/[\w/]+\.py)?(?:::\w+)?)`", line):
            path, _, name = reference.partition("::")
            current_file = path or current_file  # "`::name`" continues the file named before it
            if current_file:
                named.append((current_file, name))
    return named


def test_every_test_the_security_rules_name_exists():
    named = _named_tests()
    assert len(named) > 60
    missing = []
    for path, name in named:
        source = ROOT / path
        if not source.exists():
            missing.append(path)
        elif name and not re.search(rf"^def {name}\(", source.read_text(encoding="utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert missing == []
