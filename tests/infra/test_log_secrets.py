"""The logs of the main flows (and of every documented operation called with secret input) are JSON
lines that never contain a password, code, secret, token, session cookie or whole CRIB number."""

from __future__ import annotations

import json

from tests.infra.flows import Flows


def test_no_secret_reaches_the_logs(make_api, user_factory, full_login, capsys):
    capsys.readouterr()
    flows = Flows(make_api, user_factory, full_login)
    flows.run()
    output = capsys.readouterr()
    text = output.out + output.err
    lines = [line for line in output.err.splitlines() if line.strip()]
    requests = [json.loads(line) for line in lines if line.startswith("{") and '"request"' in line]
    assert len(requests) > 100, "every request writes its line"
    for line in requests:
        assert {"request_id", "route", "method", "status", "outcome", "duration_ms"} <= set(line), line
    assert {line["outcome"] for line in requests} >= {"ok", "refused"}
    assert len(flows.secrets.values) > 30
    assert flows.secrets.found_in(text) == []


def test_the_scan_notices_a_secret_that_slips_through(make_api, user_factory, full_login, capsys):
    import logging

    flows = Flows(make_api, user_factory, full_login)
    flows.secrets.add("Correct-Horse-Battery-9", "123456789")
    logging.getLogger("portal.test").warning("user typed %s", "Correct-Horse-Battery-9")
    logging.getLogger("portal.test").warning("crib %s", "123456789")
    err = capsys.readouterr().err
    assert flows.secrets.found_in(err) == ["Correct-Horse-Battery-9"]  # the CRIB is masked, the password is not
