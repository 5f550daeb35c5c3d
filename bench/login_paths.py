"""Which heavy libraries the login, second-factor and session paths load.

Run in a fresh interpreter (`python -m bench.login_paths`), it imports the app and sends the
measured request of every flow on those paths, each arranged beforehand in the separate process of
`bench.stage.served_stage`, so this process runs nothing but those requests. It prints as JSON each
heavy library that ended up in `sys.modules`, with the project line that first imported it: those
paths run on every login, and PDF, QR and HTML libraries belong to other requests. It also reports
what `import app` alone loaded of those and of cryptography and argon2 (needed only where secrets
are opened and passwords checked). Last it asks for the HTML login page, which does load Jinja2, and
reports what that request loaded (so a check built on this one can be seen to fail).
"""

from __future__ import annotations

import importlib.abc
import json
import sys
import traceback
from collections.abc import Sequence
from typing import Any

HEAVY = ("reportlab", "segno", "PIL", "jinja2")
# Needed where passwords are checked or TOTP secrets opened, but not by importing the app.
NOT_AT_IMPORT = (*HEAVY, "cryptography", "argon2")


class ImportWatcher(importlib.abc.MetaPathFinder):
    """Remembers, for each heavy library, the first line of this project that imported it."""

    def __init__(self, project_root: str) -> None:
        self.project_root = project_root
        self.importers: dict[str, str] = {}

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> None:
        top = fullname.partition(".")[0]
        if top in NOT_AT_IMPORT and top not in self.importers:
            self.importers[top] = self._importer()
        return None  # the normal finders load it

    def _importer(self) -> str:
        for frame in reversed(traceback.extract_stack()):
            if frame.filename.startswith(self.project_root) and "/.venv/" not in frame.filename \
                    and not frame.filename.endswith(__file__.rpartition("/")[2]):
                return f"{frame.filename[len(self.project_root) + 1:]}:{frame.lineno}"
        return "?"


def main() -> int:
    from bench.stage import ROOT

    watcher = ImportWatcher(str(ROOT))
    sys.meta_path.insert(0, watcher)
    import contextlib
    import io

    from bench.flows import FLOWS, Visitor
    from bench.stage import served_stage, use_served_settings

    flows = [flow for flow in FLOWS if flow.on_login_path]
    ran = []
    with served_stage([flow.name for flow in flows]) as stage:
        use_served_settings(stage.port)
        import app

        at_import = {name: watcher.importers.get(name, "?") for name in NOT_AT_IMPORT if name in sys.modules}
        from chalice.test import Client

        with Client(app.app, stage_name="local") as client, contextlib.redirect_stderr(io.StringIO()):
            for flow, state in zip(flows, stage.visitors, strict=True):
                status = flow.act(Visitor(client, state)).status_code
                if status != flow.status:
                    raise SystemExit(f"{flow.name}: answered {status}, expected {flow.status}")
                ran.append(flow.name)
            loaded = {name: watcher.importers.get(name, "?") for name in HEAVY if name in sys.modules}
            # Last, the HTML login page, which does load Jinja2: the check sees what a request loads.
            page_status = client.http.get("/login").status_code
    by_page = {name: watcher.importers.get(name, "?") for name in HEAVY if name in sys.modules and name not in loaded}
    print(json.dumps({"flows": ran, "heavy_modules": loaded, "loaded_by_import_app": at_import,
                      "login_page": {"status": page_status, "loaded": by_page}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
