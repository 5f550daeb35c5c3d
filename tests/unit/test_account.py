"""services/account.py against moto with a pinned clock: a password change (a weak or wrong one changes
nothing; a right one keeps only the caller's session), an e-mail change (the link to the new address
for 24 hours, a notice to the old one, the limit counted before the re-check), the language of the
account's mails, and the sessions overview (see one's sessions, end one or all others)."""

from __future__ import annotations

import pytest

from chalicelib.errors import ErrorCode, PortalError
from chalicelib.security.passwords import verify_password
from chalicelib.services import account, lockout, sessions
from chalicelib.services.accounts import create_account
from chalicelib.services.audit import RequestContext
from chalicelib.services.notifications import mask_email
from chalicelib.services.sessions import Level, new_session
from chalicelib.storage import sessions as session_store
from chalicelib.storage import users
from chalicelib.storage.users import get_user
from tests.api.sent_mail import last_to, link_token, sent_to
from tests.unit.trail import events_about

T0 = 1_800_000_000
PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Another-Long-Phrase-42"
CONTEXT = RequestContext(ip="192.0.2.7", origin="https://portal.example")
# alice's own browser, as the sessions overview names it
FIREFOX = RequestContext(ip="192.0.2.7", user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) "
                                                    "Gecko/20100101 Firefox/128.0")


def _session(username: str = "alice", context: RequestContext = CONTEXT) -> sessions.Authenticated:
    """A stored full session of the account, as its next request authenticates it."""
    session, cookie = new_session(get_user(username), Level.FULL, "done", context)
    session.save()
    return sessions.authenticate(cookie)


@pytest.fixture
def alice(aws, clock_pinned):
    """alice (no 2FA) logged in fully from Firefox."""
    create_account("alice", "alice@example.org", PASSWORD, language="en")
    return _session(context=FIREFOX)


def _refused(call, *args) -> PortalError:  # type: ignore[no-untyped-def]
    with pytest.raises(PortalError) as refused:
        call(*args)
    return refused.value


def _dead(cookie: str) -> bool:
    try:
        sessions.authenticate(cookie)
    except PortalError as error:
        return error.code is ErrorCode.NOT_AUTHENTICATED
    return False


def _actions(username: str = "alice") -> list[tuple[str, str]]:
    return sorted((event["action"], event["outcome"]) for event in events_about(username))


# ---------------------------------------------------------------- password


def test_a_password_change_keeps_only_the_callers_session_in_the_new_epoch(alice, clock_pinned):
    other = _session()
    clock_pinned.advance(120)
    cookie = account.change_password(sessions.authenticate(alice.cookie_value), PASSWORD, NEW_PASSWORD, None, CONTEXT)
    stored = get_user("alice")
    assert verify_password(stored.password_hash, NEW_PASSWORD)
    assert int(stored.session_epoch) == 1
    kept = sessions.authenticate(cookie)
    assert (kept.session.level, int(kept.session.epoch)) == ("full", 1)
    assert (int(kept.session.created_at), int(kept.session.absolute_expiry)) == (T0, T0 + 8 * 3600)
    assert _dead(alice.cookie_value) and _dead(other.cookie_value)
    assert [message.subject for message in sent_to("alice@example.org")] == ["Your password has been changed"]
    assert ("password.change", "success") in _actions()


def test_a_weak_new_password_is_refused_before_the_current_one_is_checked(alice):
    refusal = _refused(account.change_password, alice, "Wrong-Horse-Battery-0", "short", None, CONTEXT)
    assert (refusal.code, refusal.field) == (ErrorCode.WEAK_PASSWORD, "new_password")
    assert refusal.extra["reason"]
    assert lockout.status("alice")["failures"] == 0
    assert get_user("alice").password_hash == alice.user.password_hash


def test_a_wrong_current_password_changes_nothing(alice):
    refusal = _refused(account.change_password, alice, "Wrong-Horse-Battery-0", NEW_PASSWORD, None, CONTEXT)
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_CREDENTIALS, "current_password")
    stored = get_user("alice")
    assert (stored.password_hash, int(stored.session_epoch or 0)) == (alice.user.password_hash, 0)
    assert sessions.authenticate(alice.cookie_value).session.level == "full"
    assert sent_to("alice@example.org") == []
    assert _actions() == [("account.password_check", "failure")]


def test_a_password_change_racing_a_parallel_one_is_409_and_changes_nothing(alice):
    """The request read the account; before it writes, the sessions are ended elsewhere."""
    stale = sessions.authenticate(alice.cookie_value)
    account.end_other_sessions(_session(), CONTEXT)
    refusal = _refused(account.change_password, stale, PASSWORD, NEW_PASSWORD, None, CONTEXT)
    assert refusal.code is ErrorCode.CONFLICT
    assert verify_password(get_user("alice").password_hash, PASSWORD)
    assert sent_to("alice@example.org") == []


# ---------------------------------------------------------------- e-mail


def test_an_email_change_mails_a_24_hour_link_to_the_new_address_and_a_notice_to_the_old(alice):
    assert account.request_email_change(alice, PASSWORD, "Alice.New@Example.net", None, CONTEXT) == \
        "Alice.New@Example.net"
    url, token = link_token(last_to("Alice.New@Example.net"))
    assert url == "https://portal.example/account/email/verify"
    assert token.endswith(".alice")
    stored = get_user("alice")
    assert (stored.pending_email, int(stored.email_token_expires), stored.email) == (
        "Alice.New@Example.net", T0 + 24 * 3600, "alice@example.org")
    assert token.partition(".")[0] not in stored.email_token_hash
    notice = last_to("alice@example.org")
    assert notice.subject == "Request to change your e-mail address"
    assert mask_email("Alice.New@Example.net") in notice.body and "Alice.New" not in notice.body
    assert [event["details"] for event in events_about("alice") if event["action"] == "email.change_requested"] == [
        {"address_in_use": False}]


def test_a_malformed_or_own_address_is_refused_before_the_recheck(alice):
    malformed = _refused(account.request_email_change, alice, "Wrong-Horse-Battery-0", "not-an-address", None,
                         CONTEXT)
    assert (malformed.code, malformed.field) == (ErrorCode.INVALID_EMAIL, "new_email")
    own = _refused(account.request_email_change, alice, "Wrong-Horse-Battery-0", "ALICE@example.org", None, CONTEXT)
    assert (own.code, own.field) == (ErrorCode.EMAIL_TAKEN, "new_email")
    assert lockout.status("alice")["failures"] == 0
    assert get_user("alice").pending_email is None
    assert sent_to("alice@example.org") == []


def test_an_address_another_account_holds_gets_the_in_use_mail_and_no_link(alice):
    create_account("bob", "bob@example.org", None)
    assert account.request_email_change(alice, PASSWORD, "BOB@example.org", None, CONTEXT) == "BOB@example.org"
    mails = sent_to("BOB@example.org")
    assert [message.subject for message in mails] == ["This e-mail address is already in use"]
    assert "#token=" not in mails[0].body
    assert get_user("alice").pending_email == "BOB@example.org"
    assert get_user("bob").email == "bob@example.org"
    assert [event["details"] for event in events_about("alice") if event["action"] == "email.change_requested"] == [
        {"address_in_use": True}]


def test_five_requests_an_hour_and_the_sixth_is_refused_before_any_password_check(alice, clock_pinned):
    for index in range(5):
        account.request_email_change(alice, PASSWORD, f"alice{index}@example.net", None, CONTEXT)
    clock_pinned.advance(600)
    refusal = _refused(account.request_email_change, alice, "Wrong-Horse-Battery-0", "alice9@example.net", None,
                       CONTEXT)
    assert (refusal.code, refusal.extra["retry_after"]) == (ErrorCode.RATE_LIMITED, 3000)
    assert lockout.status("alice")["failures"] == 0
    assert sent_to("alice9@example.net") == []
    clock_pinned.advance(3000)
    account.request_email_change(alice, PASSWORD, "alice9@example.net", None, CONTEXT)


def test_the_link_used_one_second_before_24_hours_changes_the_address_and_tells_both(alice, clock_pinned):
    account.request_email_change(alice, PASSWORD, "alice@example.net", None, CONTEXT)
    token = link_token(last_to("alice@example.net"))[1]
    clock_pinned.advance(24 * 3600 - 1)
    account.verify_email(token, CONTEXT)
    stored = get_user("alice")
    assert (stored.email, stored.pending_email, stored.email_token_hash) == ("alice@example.net", None, None)
    assert users.email_owner("alice@example.net") == "alice"
    for address in ("alice@example.org", "alice@example.net"):
        assert last_to(address).subject == "Your e-mail address has been changed"
    assert [event["details"] for event in events_about("alice") if event["action"] == "email.change"] == [
        {"old": mask_email("alice@example.org"), "new": mask_email("alice@example.net")}]
    again = _refused(account.verify_email, token, CONTEXT)  # used up
    assert (again.code, again.field) == (ErrorCode.INVALID_TOKEN, "token")


def test_the_link_at_exactly_24_hours_or_forged_changes_nothing(alice, clock_pinned):
    create_account("bob", "bob@example.org", None)
    account.request_email_change(alice, PASSWORD, "alice@example.net", None, CONTEXT)
    token = link_token(last_to("alice@example.net"))[1]
    secret = token.partition(".")[0]
    for forged in ("", "no-dot", f"{secret}.bob", f"{secret[:-1]}.alice"):
        assert _refused(account.verify_email, forged, CONTEXT).code is ErrorCode.INVALID_TOKEN, forged
    clock_pinned.advance(24 * 3600)
    refusal = _refused(account.verify_email, token, CONTEXT)
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_TOKEN, "token")
    assert (get_user("alice").email, users.email_owner("alice@example.net")) == ("alice@example.org", None)
    assert len(sent_to("alice@example.net")) == 1


def test_an_address_taken_before_the_link_is_used_is_refused(alice):
    account.request_email_change(alice, PASSWORD, "shared@example.net", None, CONTEXT)
    token = link_token(last_to("shared@example.net"))[1]
    create_account("bob", "shared@example.net", None)
    refusal = _refused(account.verify_email, token, CONTEXT)
    assert (refusal.code, refusal.field) == (ErrorCode.EMAIL_TAKEN, "token")
    assert get_user("alice").email == "alice@example.org"
    assert users.email_owner("shared@example.net") == "bob"


# ---------------------------------------------------------------- language


def test_the_language_is_stored_and_an_unknown_one_refused(alice):
    account.set_language(alice, "pap", CONTEXT)
    assert get_user("alice").language == "pap"
    assert [event["details"] for event in events_about("alice")] == [{"language": "pap"}]
    refusal = _refused(account.set_language, alice, "de", CONTEXT)
    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_REQUEST, "language")
    assert get_user("alice").language == "pap"


# ---------------------------------------------------------------- sessions


def test_the_overview_lists_live_sessions_most_recently_used_first(alice, clock_pinned):
    clock_pinned.advance(120)
    newer = _session(context=RequestContext(ip="198.51.100.4"))
    ended = _session()
    session_store.end_one(ended.session.token_hash, "alice")
    listed = account.list_sessions(alice)
    assert listed == [
        {"id": newer.session.token_hash[:16], "current": False, "browser": None, "system": None,
         "ip": "198.51.100.4", "level": "full", "created_at": T0 + 120, "last_seen": T0 + 120},
        {"id": alice.session.token_hash[:16], "current": True, "browser": "Firefox", "system": "Windows",
         "ip": "192.0.2.7", "level": "full", "created_at": T0, "last_seen": T0},
    ]


def test_ending_one_other_session_by_its_id(alice):
    other = _session()
    account.end_session(alice, other.session.token_hash[:16], CONTEXT)
    assert _dead(other.cookie_value)
    assert sessions.authenticate(alice.cookie_value).session.level == "full"
    assert [event["details"] for event in events_about("alice")] == [{"session": other.session.token_hash[:16]}]


def test_ones_own_an_unknown_or_a_malformed_session_id_ends_nothing(alice):
    create_account("bob", "bob@example.org", PASSWORD)
    other, bobs = _session(), _session("bob")
    own = _refused(account.end_session, alice, alice.session.token_hash[:16], CONTEXT)
    assert (own.code, own.field) == (ErrorCode.CONFLICT, "id")
    for ref in (bobs.session.token_hash[:16], other.session.token_hash[:15], other.session.token_hash, "0" * 16):
        refusal = _refused(account.end_session, alice, ref, CONTEXT)
        assert (refusal.code, refusal.field) == (ErrorCode.NOT_FOUND, "id"), ref
    assert not any(_dead(current.cookie_value) for current in (alice, other, bobs))
    assert events_about("alice") == []


def test_ending_every_other_session_keeps_the_caller_in_a_fresh_one(alice):
    others = [_session(), _session()]
    account.request_email_change(alice, PASSWORD, "alice@example.net", None, CONTEXT)
    cookie = account.end_other_sessions(alice, CONTEXT)
    assert all(_dead(other.cookie_value) for other in others) and _dead(alice.cookie_value)
    assert int(sessions.authenticate(cookie).session.epoch) == 1
    assert [entry["current"] for entry in account.list_sessions(sessions.authenticate(cookie))] == [True]
    stored = get_user("alice")
    assert (stored.pending_email, stored.email_token_hash) == (None, None)  # what the transition voids
    assert ("session.end_others", "success") in _actions()

