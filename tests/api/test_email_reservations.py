"""One e-mail address, one account: the address's reservation item is written in the same transaction
as the change that takes it (verification of a new address, account creation by the desk), so two
requests that both passed the friendly e-mail-index check cannot both win. The races are interleaved
deterministically: the second request runs to its end while the first sits between its check and its
write. Also the operations command's backfill of reservations for accounts made before them."""

from __future__ import annotations

import pytest

from tests.api.conftest import body
from tests.api.sent_mail import link_token, sent_to
from tests.api.test_account import PASSWORD, next_code


@pytest.fixture(autouse=True)
def pinned(clock_pinned):
    return clock_pinned


def _ask_for(api, address: str) -> str:
    """Request an e-mail change to `address`; returns the verification link's token."""
    response = api.post("/api/v1/account/email", {"password": PASSWORD, "new_email": address, "code": next_code()})
    assert response.status_code == 202, response.body
    return link_token(sent_to(address)[-1])[1]


def _run_first_when_checked(monkeypatch, module, other_request) -> None:
    """Let `other_request` run to its end right after `module`'s next e-mail-index check, which then
    answers what it saw before: the window between a read and a write that the reservation closes."""
    check = module.find_by_email
    pending = [other_request]

    def interleaved(address: str):
        seen = check(address)
        while pending:
            pending.pop()()
        return seen

    monkeypatch.setattr(module, "find_by_email", interleaved)


def test_two_accounts_verifying_one_address_at_once_one_wins_the_other_gets_email_taken(
        api, make_api, full_login, monkeypatch):
    from chalicelib.services import account
    from chalicelib.storage.users import email_owner, find_by_email, get_user

    full_login(api, "alice")
    other = make_api()
    full_login(other, "dave")
    alice_link = _ask_for(api, "shared@new.example")
    dave_link = _ask_for(other, "shared@new.example")
    dave_answers = []
    _run_first_when_checked(monkeypatch, account, lambda: dave_answers.append(
        other.post("/api/v1/account/email/verify", {"token": dave_link})))

    late = api.post("/api/v1/account/email/verify", {"token": alice_link})

    assert [answer.status_code for answer in dave_answers] == [204]
    assert late.status_code == 409 and body(late)["error"]["code"] == "email_taken"
    assert [user.username for user in find_by_email("shared@new.example")] == ["dave"]
    assert email_owner("shared@new.example") == "dave"
    # Alice changed nothing: her address, her reservation, her pending change are as they were.
    assert get_user("alice").email == "alice@example.org" and email_owner("alice@example.org") == "alice"
    assert get_user("alice").pending_email == "shared@new.example"


def test_a_verified_change_releases_the_old_address_for_another_account(api, full_login, staff_api):
    from chalicelib.storage.users import email_owner

    full_login(api, "alice")
    token = _ask_for(api, "Alice@Nieuw.example")
    assert api.post("/api/v1/account/email/verify", {"token": token}).status_code == 204
    assert (email_owner("alice@nieuw.example"), email_owner("alice@example.org")) == ("alice", None)
    created = staff_api.post("/api/v1/admin/users", {"username": "nieuwe.alice", "email": "alice@example.org",
                                                     "roles": ["taxpayer"], "reason": "new account"})
    assert created.status_code == 201, created.body
    assert email_owner("alice@example.org") == "nieuwe.alice"


@pytest.fixture
def staff_api(make_api, full_login):
    desk = make_api()
    full_login(desk, "sam.support", roles=("support",))
    return desk


def _create(desk, username: str, email: str):
    return desk.post("/api/v1/admin/users", {"username": username, "email": email, "roles": ["taxpayer"],
                                             "reason": "asked at the counter"})


def test_the_desk_creating_two_accounts_with_one_address_at_once_creates_one(staff_api, monkeypatch):
    from chalicelib.services import support_desk
    from chalicelib.storage.users import email_owner, get_user

    first_answers = []
    _run_first_when_checked(monkeypatch, support_desk, lambda: first_answers.append(
        _create(staff_api, "eerste.burger", "Burger@Example.org")))

    late = _create(staff_api, "tweede.burger", "burger@example.org")

    assert [answer.status_code for answer in first_answers] == [201]
    assert late.status_code == 409 and body(late)["error"]["code"] == "email_taken"
    assert body(late)["error"].get("field") == "email"
    assert get_user("tweede.burger") is None and email_owner("burger@example.org") == "eerste.burger"
    # One activation mail, the made account's; none for the account that was not made.
    assert (len(sent_to("Burger@Example.org")), sent_to("burger@example.org")) == (1, [])


def test_the_operations_command_backfills_reservations_once_and_names_clashes(aws):
    from chalicelib.services.accounts import backfill_reservations
    from chalicelib.storage.users import User, crib_owner, email_owner

    # Accounts as they were stored before reservations existed: items only, two sharing an address.
    for username, email, crib in (("oud.een", "Een@Example.org", "100000001"), ("oud.twee", "twee@example.org", None),
                                  ("oud.dubbel", "twee@example.org", None)):
        User(username, email=email, email_normalized=email.lower(), crib=crib, created_at=1).save()

    first = backfill_reservations()
    second = backfill_reservations()

    holder = email_owner("twee@example.org")
    other = ({"oud.twee", "oud.dubbel"} - {holder}).pop()
    assert (first["reserved"], first["held"]) == (3, 0)
    assert first["clashes"] == [f"{other} email: taken by {holder}"]
    assert (second["reserved"], second["held"], second["clashes"]) == (0, 3, first["clashes"])
    assert (email_owner("een@example.org"), crib_owner("100000001")) == ("oud.een", "oud.een")
    # Reservation items are no accounts: the second run found exactly the three accounts again.
    assert sorted(user.username for user in User.scan(filter_condition=User.email_normalized.exists())) == [
        "oud.dubbel", "oud.een", "oud.twee"]
