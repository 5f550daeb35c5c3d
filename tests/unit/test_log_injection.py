"""Log injection (ASVS 5.0 16.4.1): whatever a client sends (a username with a line break and a forged
JSON entry, control characters) stays inside one JSON log line as an escaped string."""

from __future__ import annotations

import json
import logging

from chalicelib import logs


def test_a_forged_line_break_stays_inside_one_json_entry(capsys):
    logs.configure()
    hostile = 'jan\n{"level": "INFO", "message": "login ok", "actor": "admin"}\r\x1b[31m'
    logging.getLogger("portal.test").warning("refused name %s", hostile)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(entries) == 1 and len(lines) == 1
    assert entries[0]["message"] == f"refused name {hostile}"
    assert "\x1b" not in lines[0] and "\n" not in lines[0]
