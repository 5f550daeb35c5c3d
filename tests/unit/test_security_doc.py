"""docs/security.md names, for every rule and every ASVS / NIST item, the test that proves it: each named
test must be one pytest collects (its node id, parameters aside), so the tables cannot point at a test
that is missing, renamed or no longer collected; and every row of the standards mapping names a test
or says why the item does not apply."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
MAPPING = "## Standards mapping"
REFERENCE = re.compile(r"`((?:tests/[\w/]+\.py)?(?:::\w+)?)`")
TEST_ID = re.compile(r"`tests/[\w/]+\.py::\w+`")


def _named_tests(text: str) -> list[tuple[str, str]]:
    named = []
    for line in text.splitlines():
        current_file = None
        for reference in REFERENCE.findall(line):
            path, _, name = reference.partition("::")
            current_file = path or current_file  # "`::name`" continues the file named before it
            if current_file:
                named.append((current_file, name))
    return named


@lru_cache(maxsize=1)
def _collected(files: tuple[str, ...]) -> frozenset[str]:
    """The node ids pytest collects from `files`, parameters stripped ("file.py::test_name")."""
    result = subprocess.run(  # noqa: S603 - this interpreter running pytest on the repository's own files
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return frozenset(line.split("[")[0] for line in result.stdout.splitlines() if "::" in line)


def test_every_test_the_security_rules_name_is_collected():
    named = _named_tests(DOC.read_text(encoding="utf-8"))
    assert len(named) > 150
    missing_files = sorted({path for path, _ in named if not (ROOT / path).exists()})
    assert missing_files == []
    collected = _collected(tuple(sorted({path for path, _ in named if Path(path).name.startswith("test_")})))
    missing = sorted({f"{path}::{name}" for path, name in named
                      if name and f"{path}::{name}" not in collected})
    assert missing == []
    uncollected_files = sorted({path for path, name in named if not name and Path(path).name.startswith("test_")
                                and not any(node.startswith(f"{path}::") for node in collected)})
    assert uncollected_files == []


def _mapping_rows() -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    assert MAPPING in text
    rows = []
    for line in text[text.index(MAPPING):].splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and re.fullmatch(r"\d+(\.\d+){0,2}", cells[0]):
            rows.append(cells)
    return rows


def test_every_mapped_item_names_a_test_or_why_it_does_not_apply():
    rows = _mapping_rows()
    assert len(rows) > 80
    for cells in rows:
        row = " | ".join(cells)
        assert TEST_ID.search(cells[-1]) or "does not apply" in row, row


def test_each_asvs_item_appears_once_with_its_level():
    asvs = [cells for cells in _mapping_rows() if len(cells) == 5]
    items = [cells[0] for cells in asvs]
    assert len(items) == len(set(items)), [item for item in items if items.count(item) > 1]
    assert all(cells[1] in ("1", "2") for cells in asvs)
    for required in ("6.2.4", "6.2.11", "6.2.12", "7.3.1", "7.3.2", "8.2.2", "2.4.1", "3.3.1", "11.4.2", "16.3.1"):
        assert required in items


def test_the_nist_sections_the_portal_is_held_to_are_mapped():
    sections = {cells[0] for cells in _mapping_rows() if len(cells) == 4}
    assert {"3.1.1", "3.1.2", "3.1.4", "3.2.2", "4.2", "5"} <= sections
