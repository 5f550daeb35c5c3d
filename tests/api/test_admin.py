"""The support desk's API: lookup, unblock, 2FA reset, account creation, the audit trail and its
append-only guarantee."""

from __future__ import annotations

import pytest

from app import app as chalice_app
from tests.api.conftest import body
from tests.api.sent_mail import last_to, link_token, sent_to

# How the desk identified the owner: every unblock and 2FA reset states at least one check.
CHECKED = {"identity_checks": ["id_document_in_person"]}

PASSWORD = "Correct-Horse-Battery-9"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ADMIN = "/api/v1/admin"


@pytest.fixture
def staff(api, full_login, clock_pinned):
    """The API client logged in (fully, with 2FA) as support staff member sam.support, at a pinned time."""
    full_login(api, "sam.support", roles=("support",))
    return api


def _block(api, username: str, clock) -> None:
    """Twenty wrong passwords in a row, waiting out each lock: the name ends up blocked."""
    for attempt in range(1, 21):
        response = api.post("/api/v1/auth/login", {"username": username, "password": "wrong password!"})
        assert response.status_code == 401, attempt
        if attempt in (5, 10, 15):
            clock.advance(900)


def _login(api, username: str, password: str = PASSWORD):
    return api.post("/api/v1/auth/login", {"username": username, "password": password})


# ---------------------------------------------------------------- lookup


def test_lookup_by_username_email_and_crib(staff, user_factory):
    user_factory("jan.jansen", email="Jan.Jansen@Example.org", crib="123456789")
    user_factory("els.de.vries", crib="987654321")
    for query in ("jan.jansen", "JAN.JANSEN", "jan.jansen@example.org", "123456789"):
        found = body(staff.get(f"{ADMIN}/users?q={query}"))
        assert [item["username"] for item in found["items"]] == ["jan.jansen"], query
        assert found["cursor"] is None
    assert body(staff.get(f"{ADMIN}/users?q=nobody"))["items"] == []
    missing = staff.get(f"{ADMIN}/users")
    assert missing.status_code == 400 and body(missing)["error"]["field"] == "q"


def test_user_detail_has_what_the_desk_needs(staff, make_api, user_factory, clock_pinned):
    user_factory("jan.jansen", crib="123456789", totp_secret=SECRET)
    _login(make_api(), "jan.jansen", "wrong password!")
    detail = body(staff.get(f"{ADMIN}/users/Jan.Jansen"))
    assert detail["username"] == "jan.jansen" and detail["crib"] == "123456789"
    assert detail["mfa_enabled"] is True and detail["backup_codes_left"] == 0
    assert detail["locked"] is False and detail["blocked"] is False and detail["failures"] == 1
    assert detail["last_login"] is None
    assert [event["action"] for event in detail["recent_events"]] == ["login.password"]
    assert detail["recent_events"][0]["outcome"] == "failure"
    assert staff.get(f"{ADMIN}/users/nobody.here").status_code == 404


# ---------------------------------------------------------------- unblock


def test_unblock_lets_a_blocked_user_log_in_again(staff, make_api, user_factory, full_login, clock_pinned):
    user_factory("jan.jansen", totp_secret=SECRET)
    owner = make_api()
    _block(owner, "jan.jansen", clock_pinned)
    full_login(staff, "sam.support")  # a fresh session: waiting out the locks took longer than the idle timeout
    assert body(_login(owner, "jan.jansen"))["error"]["code"] == "account_blocked"
    assert body(staff.get(f"{ADMIN}/users/jan.jansen"))["blocked"] is True

    response = staff.post(f"{ADMIN}/users/jan.jansen/unblock",
                          {"reason": "Caller identified by phone, ticket 42", **CHECKED})
    assert response.status_code == 204
    assert body(staff.get(f"{ADMIN}/users/jan.jansen"))["blocked"] is False
    logged_in = _login(owner, "jan.jansen")
    assert logged_in.status_code == 200 and body(logged_in) == {"next": "totp"}
    assert last_to("jan.jansen@example.org").subject  # the owner was told


# ---------------------------------------------------------------- 2FA reset


def test_reset_2fa_ends_every_session_and_the_next_login_enrolls(staff, make_api, full_login):
    owner = make_api()
    full_login(owner, "jan.jansen")
    assert owner.get("/api/v1/me").status_code == 200

    response = staff.post(f"{ADMIN}/users/jan.jansen/reset-2fa",
                          {"reason": "Lost phone, ID checked at the counter",
                           "identity_check": "id_document_in_person"})
    assert response.status_code == 204
    assert owner.get("/api/v1/me").status_code == 401  # the old session is dead
    detail = body(staff.get(f"{ADMIN}/users/jan.jansen"))
    assert detail["mfa_enabled"] is False and detail["backup_codes_left"] == 0
    assert body(_login(make_api(), "jan.jansen")) == {"next": "enroll"}
    assert len(sent_to("jan.jansen@example.org")) == 1

    from chalicelib.storage.users import get_user

    user = get_user("jan.jansen")
    assert user.totp_secret is None and user.pending_totp_secret is None and user.backup_set_id is None


def test_reset_2fa_removes_the_backup_codes_and_their_pdf(staff, make_api, user_factory):
    import boto3

    from chalicelib.settings import get_settings
    from chalicelib.storage.backup_codes import codes_of
    from chalicelib.storage.users import get_user
    from tests.api.two_factor import enroll

    user_factory("jan.jansen")
    owner = make_api()
    assert body(_login(owner, "jan.jansen")) == {"next": "enroll"}
    enrolled = enroll(owner, "jan.jansen")
    pdf_key = get_user("jan.jansen").backup_pdf_key
    assert len(codes_of("jan.jansen")) == 10 and pdf_key

    assert staff.post(f"{ADMIN}/users/jan.jansen/reset-2fa",
                      {"reason": "lost phone and sheet", **CHECKED}).status_code == 204
    assert codes_of("jan.jansen") == []
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=get_settings().backup_codes_bucket)
    assert pdf_key not in [entry["Key"] for entry in listed.get("Contents", [])]
    again = make_api()
    assert body(_login(again, "jan.jansen")) == {"next": "enroll"}
    # A partial session that must enroll cannot use an old backup code either.
    assert again.post("/api/v1/auth/backup-code", {"code": enrolled.codes[0]}).status_code in (401, 403)


def test_reset_2fa_voids_a_pending_email_change_and_reset_links(staff, make_api, full_login, clock_pinned):
    from tests.api.recovery import assert_email_link_dead, assert_reset_link_dead, pending_email_link, reset_link

    intruder = make_api()
    full_login(intruder, "jan.jansen")
    email_link = pending_email_link(intruder, clock_pinned)
    reset = reset_link(make_api(), "jan.jansen")
    assert staff.post(f"{ADMIN}/users/jan.jansen/reset-2fa", {"reason": "phone stolen", **CHECKED}).status_code == 204
    assert_email_link_dead(make_api(), email_link, "jan.jansen")
    assert_reset_link_dead(make_api(), reset)


def test_reset_2fa_voids_an_outstanding_activation_link(staff, make_api, user_factory):
    from tests.api.recovery import assert_reset_link_dead, reset_link

    user_factory("nieuw.account", password=None)
    activation = reset_link(make_api(), "nieuw.account")
    assert "/account/activate" in last_to("nieuw.account@example.org").body
    assert staff.post(f"{ADMIN}/users/nieuw.account/reset-2fa",
                      {"reason": "mail box compromised", **CHECKED}).status_code == 204
    assert_reset_link_dead(make_api(), activation)


def test_reset_2fa_refuses_an_unknown_identity_check(staff, user_factory):
    user_factory("jan.jansen", totp_secret=SECRET)
    response = staff.post(f"{ADMIN}/users/jan.jansen/reset-2fa", {"reason": "x", "identity_check": "trust me"})
    assert response.status_code == 400 and body(response)["error"]["field"] == "identity_check"
    listed = staff.post(f"{ADMIN}/users/jan.jansen/reset-2fa", {"reason": "x", "identity_checks": ["trust me"]})
    assert listed.status_code == 400 and body(listed)["error"]["field"] == "identity_checks"


@pytest.mark.parametrize("action", ["unblock", "reset-2fa"])
@pytest.mark.parametrize("lang", ["nl", "en", "pap"])
def test_an_unblock_or_reset_without_an_identity_check_is_a_clear_400_and_changes_nothing(
        staff, user_factory, action, lang):
    from chalicelib.i18n import t

    user_factory("jan.jansen", totp_secret=SECRET)
    for payload in ({"reason": "lost phone"}, {"reason": "lost phone", "identity_checks": []}):
        response = staff.post(f"{ADMIN}/users/jan.jansen/{action}?lang={lang}", payload)
        assert response.status_code == 400
        error = body(response)["error"]
        assert (error["code"], error["field"]) == ("invalid_request", "identity_checks")
        assert error["message"].startswith(t("desk.identity.required", lang))
    assert body(staff.get(f"{ADMIN}/users/jan.jansen"))["mfa_enabled"] is True
    denied = body(staff.get(f"{ADMIN}/audit?target=jan.jansen"))["items"]
    assert [(event["outcome"], event["details"]) for event in denied] == [
        ("denied", {"rule": "identity_check_required"})] * 2


def test_knowledge_alone_unblocks_but_never_resets_the_second_factor(staff, user_factory):
    user_factory("jan.jansen", totp_secret=SECRET)
    known = {"reason": "caller knew everything", "identity_checks": ["crib_and_birth_date", "last_tax_return"]}
    refused = staff.post(f"{ADMIN}/users/jan.jansen/reset-2fa", known)
    assert refused.status_code == 400 and body(refused)["error"]["field"] == "identity_checks"
    assert body(refused)["error"]["message"].startswith("Alleen gegevens die iemand kan weten")
    assert body(staff.get(f"{ADMIN}/users/jan.jansen"))["mfa_enabled"] is True
    assert staff.post(f"{ADMIN}/users/jan.jansen/unblock", known).status_code == 204


def test_the_checks_and_note_are_in_the_event_and_on_the_desks_pages(staff, user_factory):
    user_factory("jan.jansen", totp_secret=SECRET)
    response = staff.post(f"{ADMIN}/users/jan.jansen/reset-2fa", {
        "reason": "lost phone", "identity_checks": ["crib_and_birth_date", "callback_registered_phone"],
        "identity_note": "called back on the number of the 2024 return"})
    assert response.status_code == 204
    (event,) = [event for event in body(staff.get(f"{ADMIN}/audit?target=jan.jansen"))["items"]
                if event["action"] == "support.reset_2fa"]
    assert event["details"] == {"identity_checks": ["callback_registered_phone", "crib_and_birth_date"],
                                "identity_note": "called back on the number of the 2024 return"}
    for page in ("/support/audit?target=jan.jansen", "/support/users/jan.jansen"):
        shown = staff.get(page).body.decode()
        assert "Teruggebeld op het bij ons bekende telefoonnummer; CRIB-nummer en geboortedatum gecontroleerd" in shown
        assert "Toelichting: called back on the number of the 2024 return" in shown


# ---------------------------------------------------------------- refusals


def test_acting_on_ones_own_account_is_refused(staff):
    for action in ("unblock", "reset-2fa"):
        response = staff.post(f"{ADMIN}/users/Sam.Support/{action}", {"reason": "testing myself", **CHECKED})
        assert response.status_code == 403 and body(response)["error"]["code"] == "forbidden", action


@pytest.mark.parametrize("reason", [None, "", "   ", 42])
def test_a_missing_or_blank_reason_is_400_naming_reason(staff, user_factory, reason):
    user_factory("jan.jansen")
    payload = {**CHECKED} if reason is None else {"reason": reason, **CHECKED}
    for action in ("unblock", "reset-2fa"):
        response = staff.post(f"{ADMIN}/users/jan.jansen/{action}", payload)
        assert response.status_code == 400, action
        assert body(response)["error"] == {**body(response)["error"], "code": "invalid_request", "field": "reason"}


def test_support_cannot_change_staff_accounts_but_an_admin_can(staff, make_api, full_login):
    full_login(make_api(), "sara.support", roles=("support",))
    assert staff.post(f"{ADMIN}/users/sara.support/unblock",
                      {"reason": "colleague asked", **CHECKED}).status_code == 403
    admin = make_api()
    full_login(admin, "ada.admin", roles=("admin",))
    assert admin.post(f"{ADMIN}/users/sara.support/unblock",
                      {"reason": "colleague asked", **CHECKED}).status_code == 204


def test_unknown_account_is_404(staff):
    assert staff.post(f"{ADMIN}/users/nobody.here/unblock", {"reason": "x", **CHECKED}).status_code == 404


# ---------------------------------------------------------------- account creation


def test_created_account_gets_an_activation_mail_and_must_enroll_at_first_login(staff, make_api):
    response = staff.post(f"{ADMIN}/users", {"username": "Firma.Adviseur", "email": "adviseur@example.org",
                                             "crib": "200000017", "roles": ["representative"],
                                             "reason": "Vertegenwoordigersportaal aangevraagd"})
    assert response.status_code == 201
    assert body(response) == {"username": "firma.adviseur", "email": "adviseur@example.org", "crib": "200000017",
                              "roles": ["representative"], "mfa_enabled": False}
    mail = last_to("adviseur@example.org")
    assert "Uw gebruikersnaam: firma.adviseur\n" in mail.body  # the owner learns the name to log in with
    page, token = link_token(mail)
    owner = make_api()
    assert body(_login(owner, "firma.adviseur", "anything at all"))["error"]["code"] == "invalid_credentials"
    completed = owner.post("/api/v1/auth/password-reset/complete", {"token": token, "new_password": PASSWORD})
    assert completed.status_code == 204
    assert body(_login(owner, "firma.adviseur")) == {"next": "enroll"}


def test_only_an_admin_creates_staff_accounts(staff, make_api, full_login):
    new_staff = {"username": "new.colleague", "email": "colleague@example.org", "roles": ["support"],
                 "reason": "new hire"}
    refused = staff.post(f"{ADMIN}/users", new_staff)
    assert refused.status_code == 403
    admin = make_api()
    full_login(admin, "ada.admin", roles=("admin",))
    assert admin.post(f"{ADMIN}/users", new_staff).status_code == 201
    taken = admin.post(f"{ADMIN}/users", new_staff)
    assert taken.status_code == 409 and body(taken)["error"]["code"] == "username_taken"
    same_address = admin.post(f"{ADMIN}/users", {**new_staff, "username": "other.colleague"})
    assert same_address.status_code == 409 and body(same_address)["error"]["field"] == "email"


@pytest.mark.parametrize(("payload", "field"), [
    ({"email": "a@example.org", "roles": ["taxpayer"]}, "username"),
    ({"username": "x", "email": "a@example.org", "roles": ["taxpayer"]}, "username"),
    ({"username": "piet.p", "email": "not-an-address", "roles": ["taxpayer"]}, "email"),
    ({"username": "piet.p", "email": "a@example.org", "roles": ["king"]}, "roles"),
    ({"username": "piet.p", "email": "a@example.org", "roles": []}, "roles"),
    ({"username": "piet.p", "email": "a@example.org", "roles": "taxpayer"}, "roles"),
    ({"username": "piet.p", "email": "a@example.org", "roles": [7]}, "roles"),
    ({"username": "piet.p", "email": "a@example.org", "roles": ["taxpayer"], "crib": "12345"}, "crib"),
    ({"username": "piet.p", "email": "a@example.org", "roles": ["taxpayer"], "language": "de"}, "language"),
])
def test_account_creation_names_the_bad_field(staff, payload, field):
    response = staff.post(f"{ADMIN}/users", {"reason": "new account", **payload})
    assert response.status_code == 400
    assert body(response)["error"]["field"] == field


# ---------------------------------------------------------------- audit trail


def test_every_action_is_in_the_audit_trail_with_actor_target_and_reason(staff, user_factory, clock_pinned):
    user_factory("jan.jansen", totp_secret=SECRET)
    staff.post(f"{ADMIN}/users/jan.jansen/unblock",
               {"reason": "reason one", **CHECKED}, headers={"User-Agent": "desk-browser"})
    clock_pinned.advance(1)
    staff.post(f"{ADMIN}/users/jan.jansen/reset-2fa",
               {"reason": "reason two", "identity_check": "other", "identity_checks": ["id_document_video_call"],
                "identity_note": "asked at the counter"})
    clock_pinned.advance(1)
    staff.post(f"{ADMIN}/users", {"username": "new.person", "email": "new@example.org", "roles": ["taxpayer"],
                                  "reason": "reason three"})
    trail = body(staff.get(f"{ADMIN}/audit?actor=sam.support"))["items"]
    # The activation mail is recorded too, as sent for the desk (at the same instant as the creation).
    assert [(event["action"], event["target"]) for event in trail if event["action"].startswith("password_")] == [
        ("password_activation.request", "new.person")]
    events = [event for event in trail if event["action"].startswith("support.")]
    assert [(event["action"], event["target"], event["reason"]) for event in events] == [
        ("support.create_account", "new.person", "reason three"),
        ("support.reset_2fa", "jan.jansen", "reason two"),
        ("support.unblock", "jan.jansen", "reason one"),
    ]
    assert all(event["actor"] == "sam.support" and event["outcome"] == "success" for event in events)
    assert events[1]["details"] == {"identity_checks": ["id_document_video_call", "other"],
                                    "identity_note": "asked at the counter"}
    assert events[2]["user_agent"] == "desk-browser"


def test_audit_filters_and_pages_newest_first(staff, full_login, clock_pinned):
    from chalicelib.services.audit import RequestContext, record

    for _ in range(7):
        record("login.password", actor="jan", target="jan", outcome="failure", context=RequestContext())
        record("logout", actor="piet", target="piet", outcome="success", context=RequestContext())
        clock_pinned.advance(3600 * 10)
    full_login(staff, "sam.support")  # a fresh session after those 70 hours
    by_target = body(staff.get(f"{ADMIN}/audit?target=jan"))["items"]
    assert len(by_target) == 7 and {event["target"] for event in by_target} == {"jan"}
    assert [event["id"] for event in by_target] == sorted((event["id"] for event in by_target), reverse=True)
    assert {event["actor"] for event in body(staff.get(f"{ADMIN}/audit?action=logout"))["items"]} == {"piet"}
    assert body(staff.get(f"{ADMIN}/audit?target=jan&actor=piet"))["items"] == []
    assert len(body(staff.get(f"{ADMIN}/audit?action=login."))["items"]) == 7

    # Everything, in pages of 5, across day partitions: 14 events in order, none twice.
    from chalicelib.services import audit_trail
    from chalicelib.storage.users import get_user

    actor = get_user("sam.support")
    seen, cursor = [], None
    while True:
        page = audit_trail.search(actor, cursor=cursor, limit=5)
        seen += [event["id"] for event in page["items"]]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert len(seen) == 14 and seen == sorted(seen, reverse=True)

    first = body(staff.get(f"{ADMIN}/audit?target=jan"))["items"]
    day = first[3]["at"][:10]
    same_day = body(staff.get(f"{ADMIN}/audit?target=jan&from={day}&to={day}"))["items"]
    assert same_day and {event["at"][:10] for event in same_day} == {day}


def test_audit_cursor_pages_an_index_query(staff, clock_pinned):
    from chalicelib.services import audit_trail
    from chalicelib.services.audit import RequestContext, record
    from chalicelib.storage.users import get_user

    for _ in range(5):
        record("login.password", actor="jan", target="jan", outcome="failure", context=RequestContext())
        clock_pinned.advance(1)
    actor = get_user("sam.support")
    first = audit_trail.search(actor, target="jan", limit=3)
    second = audit_trail.search(actor, target="jan", cursor=first["cursor"], limit=3)
    assert len(first["items"]) == 3 and len(second["items"]) == 2 and second["cursor"] is None
    assert [event["id"] for event in first["items"] + second["items"]] == sorted(
        (event["id"] for event in first["items"] + second["items"]), reverse=True)


def _cursor(position: dict) -> str:
    from chalicelib.services import cursors

    return cursors.encode(position)


@pytest.mark.parametrize("query", [
    "cursor=not-a-cursor", "cursor=e30", "from=yesterday", "to=2027-13-01", "from=2027-02-01&to=2027-01-01",
    "target=" + "x" * 300,
    # Forged cursors: a day that is no date, a key that is no event id, a day cursor on an index query.
    "cursor=" + _cursor({"d": "", "e": ""}),
    "cursor=" + _cursor({"d": "2027-01-15", "e": "anything"}),
    "target=jan&cursor=" + _cursor({"d": "2027-01-15", "e": ""}),
    "cursor=" + _cursor({"d": "2027-01-15", "e": "2027-01-15T08:00:00.000Z#abc", "x": 1}),
])
def test_bad_audit_filters_are_400(staff, query):
    response = staff.get(f"{ADMIN}/audit?{query}")
    assert response.status_code == 400, query
    assert body(response)["error"]["code"] == "invalid_request"


def test_no_route_can_change_or_delete_audit_events():
    for path, methods in chalice_app.routes.items():
        if set(methods) & {"PUT", "PATCH", "DELETE"}:
            assert "audit" not in path, path
        if "audit" in path:
            assert set(methods) == {"GET"}, path
    from chalicelib.storage.audit import AppendOnlyError, AuditEvent

    event = AuditEvent("2027-01-01", "2027-01-01T00:00:00.000Z#x")
    with pytest.raises(AppendOnlyError):
        event.update(actions=[AuditEvent.reason.set("rewritten")])
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_audit_events_are_only_ever_written_as_new_items(staff, make_api, user_factory, clock_pinned, monkeypatch):
    """Every DynamoDB request touching the audit table during the desk's flows (and logins) is a put
    conditioned on the event not existing yet, alone or inside a transaction; nothing updates or
    deletes an event."""
    from pynamodb.connection.base import Connection

    from chalicelib.settings import get_settings

    table = get_settings().table_name("audit_events")
    writes: list[tuple[str, dict]] = []
    original = Connection._make_api_call

    def watch(self, operation_name, operation_kwargs):  # type: ignore[no-untyped-def]
        if operation_kwargs.get("TableName") == table and operation_name not in ("Query", "GetItem", "Scan"):
            writes.append((operation_name, operation_kwargs))
        for item in operation_kwargs.get("TransactItems", []):
            writes.extend((operation, request) for operation, request in item.items()
                          if request.get("TableName") == table)
        if table in operation_kwargs.get("RequestItems", {}) and operation_name == "BatchWriteItem":
            writes.append((operation_name, {}))
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", watch)
    user_factory("jan.jansen", totp_secret=SECRET)
    _login(make_api(), "jan.jansen")
    _login(make_api(), "jan.jansen", "wrong password!")
    staff.post(f"{ADMIN}/users/jan.jansen/unblock", {"reason": "r", **CHECKED})
    staff.post(f"{ADMIN}/users/jan.jansen/reset-2fa", {"reason": "r", **CHECKED})
    staff.post(f"{ADMIN}/users", {"username": "new.person", "email": "n@example.org", "roles": ["taxpayer"]})
    make_api().post("/api/v1/support-requests", {"username": "jan.jansen", "email": "j@example.org", "kind": "other"})
    monkeypatch.undo()

    assert len(writes) >= 6
    for operation, request in writes:
        assert operation in ("PutItem", "Put"), operation
        names = request["ExpressionAttributeNames"]
        condition = request["ConditionExpression"]
        placeholder = next(key for key, name in names.items() if name == "event_id")
        assert condition == f"attribute_not_exists ({placeholder})", request


# ---------------------------------------------------------------- the desk's pages


def test_desk_pages_are_for_staff_with_2fa_only(staff, make_api, full_login, user_factory):
    user_factory("jan.jansen", crib="123456789")
    reference = body(make_api().post("/api/v1/support-requests", {"username": "jan.jansen",
                                                                 "email": "jan@example.org", "kind": "unblock"}))
    pages = ["/support", "/support?q=123456789", "/support/users/jan.jansen", "/support/requests",
             f"/support/requests/{reference['reference']}", "/support/audit?target=jan.jansen"]
    taxpayer = make_api()
    full_login(taxpayer, "tax.payer")
    for path in pages:
        anonymous = make_api().get(path)
        assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login?next=%2Fsupport"), path
        assert taxpayer.get(path).status_code == 403, path
        shown = staff.get(path)
        assert shown.status_code == 200 and "text/html" in shown.headers["Content-Type"], path
    assert "jan.jansen" in staff.get("/support?q=123456789").body.decode()
    missing = staff.get("/support/users/nobody.here")
    assert missing.status_code == 404 and "Niet gevonden." in missing.body.decode()
    assert staff.get("/support/audit?from=yesterday").status_code == 400
