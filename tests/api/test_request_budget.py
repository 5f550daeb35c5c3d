"""DynamoDB requests per flow, pinned: each request is billed and is a round trip inside the
function's milliseconds, so a flow that starts making more of them fails here (bench/ reports the
same flows with their timings; see bench/README.md).

Targets of the design: an authenticated request 1, the password step 3 whatever its outcome, the
second factor 3, each enrollment step 3. The pins below are the counts the flows make today; lower
them when a flow gets cheaper. The flows themselves (arrangement + the one measured request) are in
bench/flows.py.
"""

from __future__ import annotations

import pytest

from bench.dynamodb_requests import counting
from bench.flows import FLOWS, Flow, Visitor, by_name, login

PINNED = {
    # account + password counter (TransactGetItems), the claim conditional on the counter as read with
    # the address's slot (TransactWriteItems), reset + slot given back + session + audit event
    # (TransactWriteItems)
    "password step, success": 3,
    # read, claim with slot, the attempt's audit event (PutItem)
    "password step, wrong password": 3,
    "password step, unknown name": 3,
    # read, claim with slot, the lock with the attempt's and the lock's audit events (TransactWriteItems)
    "password step, 5th failure (locks)": 3,
    # session + user (TransactGetItems), second-factor claim, then replay guard or code delete + last
    # login + session rotation + counter reset + audit event in one TransactWriteItems
    "second factor, TOTP code": 3,
    "second factor, backup code": 3,
    # session + user, claim, audit event
    "second factor, wrong TOTP code": 3,
    # session + user in one TransactGetItems
    "GET /me, fresh session": 1,
    # ... plus recording activity, at most once a minute per session
    "GET /me, idle > 1 min (touch)": 2,
    # delete the session (it must exist for the cookie's name) and its audit event, one TransactWriteItems
    "logout": 1,
    # session + user, password claim, then pending secret + counter reset + audit event in one
    # TransactWriteItems
    "2FA enrollment: password, new secret, QR": 3,
    # session + user, second-factor claim, then confirmed step + counter reset + audit event in one
    # TransactWriteItems
    "2FA enrollment: confirm code": 3,
    # session + user, then new set + user + session rotation + the PDF's hand-out + audit event in one
    # TransactWriteItems (a first set has no old codes to query)
    "2FA enrollment: activate, backup codes PDF": 2,
    # user (GetItem), the friendly e-mail-index check (Query), then address + its reservation + the
    # old one released + voids + audit event in one TransactWriteItems
    "e-mail change: verification link": 3,
    # session + user, then the epoch bump + the caller's session replaced + audit event in one
    # TransactWriteItems
    "end all other sessions": 2,
}


@pytest.mark.parametrize("flow", FLOWS, ids=[flow.name for flow in FLOWS])
def test_dynamodb_requests_per_flow_stay_within_their_pin(client, flow: Flow):
    visitor = Visitor(client)
    flow.arrange(visitor)
    with counting() as requests:
        response = flow.act(visitor)
    assert response.status_code == flow.status, response.body
    assert len(requests) <= PINNED[flow.name], f"{flow.name}: {requests.operations}"
    if flow.target is not None:
        assert len(requests) <= flow.target, f"{flow.name}: {requests.operations}"


def test_the_hook_sees_model_and_transaction_requests_alike(client):
    visitor = Visitor(client)
    by_name("password step, success").arrange(visitor)
    with counting() as requests:
        assert login(visitor).status_code == 200
    assert requests.operations == ["TransactGetItems", "TransactWriteItems", "TransactWriteItems"]


def test_a_request_without_session_cookie_costs_no_dynamodb_request(client):
    with counting() as requests:
        assert Visitor(client).get("/api/v1/me").status_code == 401
    assert requests.operations == []
