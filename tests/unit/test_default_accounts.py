"""No default accounts (ASVS 5.0 6.3.2): the demo accounts of the README are made by the local stage's
start-up (infra/local.py) only; nothing the deployment package holds (app.py, chalicelib/) names them
or creates an account by itself."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = re.compile(r"demo\.(burger|klant|support|adviseur)")


def test_demo_accounts_exist_only_in_the_local_stage():
    deployed = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
    assert [path.name for path in deployed if DEMO.search(path.read_text(encoding="utf-8"))] == []
    assert DEMO.search((ROOT / "infra" / "local.py").read_text(encoding="utf-8"))
