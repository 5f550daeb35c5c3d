"""Tamper evidence of the audit trail against moto: each event's HMAC and the day's seal chain show a
changed, a deleted and an inserted event, and a broken chain; an untouched day verifies (after
parallel logins too: tests/e2e/test_audit_integrity_e2e.py); the operations command says OK or names each finding
with a non-zero exit code."""

from __future__ import annotations

import boto3
import pytest

from chalicelib import manage
from chalicelib.services import audit_integrity
from chalicelib.services.audit import RequestContext, new_event, record
from chalicelib.settings import get_settings
from chalicelib.storage import audit as store

T0 = 1_800_000_000  # 2027-01-15T08:00:00Z
DAY = "2027-01-15"
CONTEXT = RequestContext(ip="192.0.2.7")


@pytest.fixture
def table(aws, clock_pinned):
    return boto3.client("dynamodb", region_name="us-east-1"), get_settings().table_name("audit_events")


def _events(count: int, clock, actor: str = "jan") -> list[str]:
    for index in range(count):
        record("login.password", actor=actor, target=actor, outcome="failure", context=CONTEXT,
               details={"attempt": index, "factors": ["password"]})
        clock.advance(1)
    return [event.event_id for event in store.events_of_day(DAY)]


def _sealed(clock) -> None:
    clock.advance(audit_integrity.SETTLE + 1)
    audit_integrity.seal_day(DAY)


def _findings(day: str = DAY) -> list[tuple[str, str]]:
    return audit_integrity.verify(day).findings


def test_an_untouched_day_verifies_before_and_after_it_is_sealed(table, clock_pinned):
    ids = _events(5, clock_pinned)
    report = audit_integrity.verify(DAY)
    assert (report.ok, report.events, report.sealed) == (True, 5, 0)
    _sealed(clock_pinned)
    report = audit_integrity.verify(DAY)
    assert (report.ok, report.events, report.sealed, report.closed) == (True, 5, 5, False)
    # Later events go into the next link; the day closes once it has settled.
    _events(2, clock_pinned)
    clock_pinned.advance(24 * 3600)
    assert audit_integrity.seal_due() == 2
    report = audit_integrity.verify(DAY)
    assert (report.ok, report.events, report.sealed, report.closed) == (True, 7, 7, True)
    assert [link.sequence for link in store.seals_of_day(DAY)] == ["000001", "000002"]
    assert ids == sorted(ids)


def test_every_event_is_signed_in_the_put_that_stores_it(table, clock_pinned):
    event = new_event("logout", actor="jan", target="jan", outcome="success", context=CONTEXT)
    store.append(event)
    (stored,) = store.events_of_day(DAY)
    assert stored.mac and stored.mac == store.event_mac(stored)


@pytest.mark.parametrize(("attribute", "value"), [
    ("outcome", {"S": "success"}), ("actor", {"S": "piet"}), ("reason", {"S": "nothing happened"}),
    ("at", {"N": str(T0 + 3600)}), ("details", {"M": {"attempt": {"N": "7"}, "factors": {"L": []}}}),
])
def test_a_changed_field_is_found(table, clock_pinned, attribute, value):
    client, name = table
    ids = _events(3, clock_pinned)
    _sealed(clock_pinned)
    client.update_item(TableName=name, Key={"day": {"S": DAY}, "event_id": {"S": ids[1]}},
                       UpdateExpression="SET #a = :v", ExpressionAttributeNames={"#a": attribute},
                       ExpressionAttributeValues={":v": value})
    assert _findings() == [("changed", ids[1])]


def test_a_changed_event_that_is_not_sealed_yet_is_found_by_its_mac(table, clock_pinned):
    client, name = table
    ids = _events(2, clock_pinned)
    client.update_item(TableName=name, Key={"day": {"S": DAY}, "event_id": {"S": ids[0]}},
                       UpdateExpression="SET outcome = :v", ExpressionAttributeValues={":v": {"S": "success"}})
    assert _findings() == [("changed", ids[0])]


def test_a_deleted_event_is_found(table, clock_pinned):
    client, name = table
    ids = _events(4, clock_pinned)
    _sealed(clock_pinned)
    client.delete_item(TableName=name, Key={"day": {"S": DAY}, "event_id": {"S": ids[2]}})
    assert _findings() == [("deleted", ids[2])]


def test_an_inserted_forged_event_is_found(table, clock_pinned):
    client, name = table
    ids = _events(3, clock_pinned)
    _sealed(clock_pinned)
    forged = new_event("support.unblock", actor="sam.support", target="jan", outcome="success", context=CONTEXT)
    forged.event_id = ids[0][:24] + "#abcdef123456"  # inside the sealed range
    forged.mac = "0" * 64
    item = {key: value for key, value in forged.serialize().items()}
    client.put_item(TableName=name, Item=item)
    # Even with a MAC recomputed by someone holding the key, an event not listed by its link is inserted.
    copied = dict(item, event_id={"S": ids[1][:24] + "#fedcba654321"})
    client.put_item(TableName=name, Item=copied)
    assert sorted(_findings()) == sorted([("inserted", forged.event_id), ("inserted", copied["event_id"]["S"])])


def test_a_forged_event_after_the_last_seal_is_found_by_its_mac(table, clock_pinned):
    client, name = table
    _events(1, clock_pinned)
    forged = new_event("support.unblock", actor="sam.support", target="jan", outcome="success", context=CONTEXT)
    forged.mac = "f" * 64
    client.put_item(TableName=name, Item=forged.serialize())
    assert _findings() == [("changed", forged.event_id)]


def test_a_removed_or_changed_seal_link_breaks_the_chain(table, clock_pinned):
    client, name = table
    _events(2, clock_pinned)
    _sealed(clock_pinned)
    _events(2, clock_pinned)
    _sealed(clock_pinned)
    _events(1, clock_pinned)
    _sealed(clock_pinned)
    assert len(store.seals_of_day(DAY)) == 3 and _findings() == []
    client.update_item(TableName=name, Key={"day": {"S": "seal#" + DAY}, "event_id": {"S": "000003"}},
                       UpdateExpression="SET #c = :v", ExpressionAttributeNames={"#c": "count"},
                       ExpressionAttributeValues={":v": {"N": "0"}})
    assert ("seal_broken", "000003") in _findings()
    client.delete_item(TableName=name, Key={"day": {"S": "seal#" + DAY}, "event_id": {"S": "000002"}})
    findings = _findings()
    assert ("seal_broken", "000003") in findings
    assert [kind for kind, _ in findings if kind == "inserted"] == ["inserted", "inserted"]


def test_a_second_sealer_of_the_same_link_writes_nothing(table, clock_pinned, monkeypatch):
    """Two sealers at once: the link's put is conditional, so the slower one stops."""
    _events(3, clock_pinned)
    clock_pinned.advance(audit_integrity.SETTLE + 1)
    seen = store.seals_of_day
    monkeypatch.setattr(store, "seals_of_day", lambda day: [])  # both read an empty chain
    assert audit_integrity.seal_day(DAY) == 3
    assert audit_integrity.seal_day(DAY) == 0
    monkeypatch.setattr(store, "seals_of_day", seen)
    assert [int(link.count) for link in store.seals_of_day(DAY)] == [3]
    assert audit_integrity.verify(DAY).ok


def test_the_command_says_ok_or_names_each_finding_with_exit_code_1(table, clock_pinned, capsys):
    client, name = table
    ids = _events(3, clock_pinned)
    _sealed(clock_pinned)
    assert manage.verify_audit(DAY) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "OK"
    client.delete_item(TableName=name, Key={"day": {"S": DAY}, "event_id": {"S": ids[0]}})
    client.update_item(TableName=name, Key={"day": {"S": DAY}, "event_id": {"S": ids[2]}},
                       UpdateExpression="SET target = :v", ExpressionAttributeValues={":v": {"S": "piet"}})
    assert manage.verify_audit(DAY) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"deleted: {ids[0]}" in out and f"changed: {ids[2]}" in out and out[-1] == "TAMPERED: 2 finding(s)"
    with pytest.raises(SystemExit):
        manage.main(["verify-audit", "--day", "15-01-2027"])


def test_the_scheduled_function_seals_what_has_settled(table, clock_pinned):
    from chalicelib.api.audit_seal_events import seal_audit

    _events(2, clock_pinned)
    assert seal_audit.func({}) == {"sealed": 0}  # not settled yet
    clock_pinned.advance(audit_integrity.SETTLE + 1)
    assert seal_audit.func({}) == {"sealed": 2}
    assert audit_integrity.verify(DAY).sealed == 2


def test_days_chain_on_so_a_removed_day_end_shows_on_the_next_day(table, clock_pinned):
    client, name = table
    _events(2, clock_pinned)
    clock_pinned.advance(24 * 3600)  # the next day: 2027-01-16
    record("logout", actor="jan", target="jan", outcome="success", context=CONTEXT)
    clock_pinned.advance(audit_integrity.SETTLE + 1)
    audit_integrity.seal_due()
    (end,) = store.seals_of_day(DAY)
    (start,) = store.seals_of_day("2027-01-16")
    assert end.final == 1 and start.previous == end.mac
    assert _findings() == [] and _findings("2027-01-16") == []
    client.delete_item(TableName=name, Key={"day": {"S": "seal#" + DAY}, "event_id": {"S": "000001"}})
    assert _findings("2027-01-16") == [("seal_broken", "000001")]
    assert _findings() == [("not_sealed", DAY)]  # the day is over: without its final link it cannot be vouched for


def test_an_event_without_a_mac_is_reported(table, clock_pinned):
    client, name = table
    forged = new_event("logout", actor="jan", target="jan", outcome="success", context=CONTEXT)
    client.put_item(TableName=name, Item=forged.serialize())
    assert _findings() == [("unsigned", forged.event_id)]


def test_a_busy_day_is_sealed_in_several_links_and_a_deletion_in_any_of_them_is_found(table, clock_pinned,
                                                                                       monkeypatch):
    client, name = table
    monkeypatch.setattr(audit_integrity, "MAX_PER_LINK", 2)
    ids = _events(5, clock_pinned)
    _sealed(clock_pinned)
    assert [int(link.count) for link in store.seals_of_day(DAY)] == [2, 2, 1]
    assert audit_integrity.verify(DAY).ok
    client.delete_item(TableName=name, Key={"day": {"S": DAY}, "event_id": {"S": ids[3]}})
    assert _findings() == [("deleted", ids[3])]


def test_the_sealers_log_line_keeps_the_links_mac(table, clock_pinned, caplog):
    import logging

    from chalicelib.logs import redact

    _events(1, clock_pinned)
    with caplog.at_level(logging.INFO, logger="portal.audit"):
        _sealed(clock_pinned)
    (line,) = [record for record in caplog.records if record.getMessage() == "audit sealed"]
    (link,) = store.seals_of_day(DAY)
    assert redact(line.link_mac, "link_mac").replace(":", "") == link.mac and line.link == 1 and line.events == 1
