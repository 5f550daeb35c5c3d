"""2FA enrollment through the API (docs/api.md "2FA enrollment"): password again, a pending secret with its
QR code, a confirming code, activation with backup codes and a new full session; re-enrollment and
new backup codes from a full session; the one-time PDF link; the enrollment pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from chalicelib.i18n import t
from tests.api.conftest import body
from tests.api.sent_mail import sent_to
from tests.api.two_factor import PASSWORD, SECRET, code, enroll, password_step, stored_pdf
from tests.backup_sheet import codes_in, sheet_text

SEED_LABELS = (
    "Activeer uw 2-factor authenticatie",
    "Configureer authenticatie",
    "Configureer via handmatige invoer",
    "Bevestig de configuratie",
    "Print de lijst met back-up codes",
    "Activeren en afdrukken",
    "De Two-Factor Authenticatie is nu geactiveerd.",
)
APPS = ("Google Authenticator", "Microsoft Authenticator", "LastPass Authenticator", "Entrust Identity")


def audit_actions(username: str) -> list[tuple[str, str]]:
    from chalicelib.storage.audit import by_target

    return [(event.action, event.outcome) for event in by_target(username, 100, None)]


@pytest.fixture
def newcomer(api, user_factory):
    """A user without 2FA, after the password step (partial session, next "enroll")."""
    user_factory("jan.jansen")
    assert body(password_step(api, "jan.jansen")) == {"next": "enroll"}
    return "jan.jansen"


def test_enrollment_from_password_to_active_2fa(api, newcomer):
    from chalicelib.storage.users import get_user

    partial_cookie = api.cookie
    started = api.post("/api/v1/mfa/enrollment", {"password": PASSWORD})
    assert started.status_code == 200
    enrollment = body(started)
    secret = enrollment["secret"]
    assert len(secret) == 32 and pyotp.TOTP(secret).byte_secret().__len__() == 20
    # The issuer authenticator apps show: the authority's name, "ç" percent-encoded in label and parameter.
    assert enrollment["otpauth_uri"] == (
        f"otpauth://totp/Belastingdienst%20Cura%C3%A7ao:jan.jansen?secret={secret}"
        "&issuer=Belastingdienst%20Cura%C3%A7ao")
    assert enrollment["qr_svg"].startswith("<svg") and "<title>" in enrollment["qr_svg"]
    assert (enrollment["account"], enrollment["issuer"]) == ("jan.jansen", "Belastingdienst Curaçao")

    # Pending, sealed, not active.
    stored = get_user("jan.jansen")
    assert stored.pending_totp_secret and secret not in stored.pending_totp_secret
    assert not stored.mfa_enabled and stored.totp_secret is None

    assert body(api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})) == {"confirmed": True}
    activated = api.post("/api/v1/mfa/enrollment/activate")
    assert activated.status_code == 200
    assert body(activated)["next"] == "done"
    assert api.cookie != partial_cookie

    # The portal's own one-time link; it redirects its owner to a one-minute presigned S3 GET.
    link = urlsplit(body(activated)["backup_codes_pdf"])
    assert link.path.startswith("/mfa/backup-codes/sheet/") and not link.query
    opened = api.get(link.path)
    assert opened.status_code == 302
    query = parse_qs(urlsplit(opened.headers["Location"]).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert int(query["X-Amz-Expires"][0]) <= 60
    assert query["response-content-type"] == ["application/pdf"]

    me = body(api.get("/api/v1/me"))
    assert me["mfa"] == {"enabled": True, "backup_codes_left": 10, "passkeys": 0}
    stored = get_user("jan.jansen")
    assert stored.totp_secret and secret not in stored.totp_secret and stored.pending_totp_secret is None

    pdf, meta = stored_pdf("jan.jansen")
    assert meta["ContentType"] == "application/pdf" and meta["ServerSideEncryption"] == "AES256"
    assert urlsplit(opened.headers["Location"]).path.endswith(stored.backup_pdf_key)
    assert stored.backup_pdf_key not in link.path
    codes = codes_in(pdf)
    assert len(codes) == 10 == len(set(codes))
    text = sheet_text(pdf)
    assert "jan.jansen" in text and "Sla dit bestand niet op uw computer op." in text

    # The link was handed out with the activation: never again for this set.
    again = api.post("/api/v1/mfa/backup-codes/pdf")
    assert again.status_code == 410 and body(again)["error"]["code"] == "already_downloaded"

    # The partial session is gone; the owner is told; the trail shows every step.
    api.cookie = partial_cookie
    assert api.get("/api/v1/me").status_code == 401
    assert [message.subject for message in sent_to("jan.jansen@example.org")] == [
        "Tweestapsverificatie is geactiveerd"]
    actions = audit_actions("jan.jansen")
    for expected in (("mfa.enrollment.start", "success"), ("mfa.enrollment.confirm", "success"),
                     ("mfa.activated", "success")):
        assert expected in actions


def test_pdf_is_in_the_language_of_the_screen_it_was_made_from(api, user_factory):
    """The sheet is printed from the page the person reads: its language, not the account's mail language."""
    user_factory("john.english", language="en")
    password_step(api, "john.english")
    screen = {"Accept-Language": "pap"}
    secret = body(api.post("/api/v1/mfa/enrollment", {"password": PASSWORD}, headers=screen))["secret"]
    assert api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)}, headers=screen).status_code == 200
    assert api.post("/api/v1/mfa/enrollment/activate", headers=screen).status_code == 200
    text = sheet_text(stored_pdf("john.english")[0])
    assert "Do not store this file on your computer." not in text
    assert t("mfa.pdf.title", "pap") in text and t("mfa.pdf.do_not_store", "pap")[:30] in text


def test_pdf_in_english_from_an_english_screen_with_curacao_time(api, user_factory, clock_pinned):
    user_factory("jan.nederlands", language="nl")
    password_step(api, "jan.nederlands")
    api.get("/login?lang=en")  # the visitor chose English; pages and the sheet follow the cookie
    screen = {"Cookie": f"portal_session={api.cookie}; lang=en"}
    secret = body(api.post("/api/v1/mfa/enrollment", {"password": PASSWORD}, headers=screen))["secret"]
    assert api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)}, headers=screen).status_code == 200
    assert api.post("/api/v1/mfa/enrollment/activate", headers=screen).status_code == 200
    text = sheet_text(stored_pdf("jan.nederlands")[0])
    assert "Backup codes Digital Portal" in text and "Do not store this file on your computer." in text
    # 1_800_000_000 is 15-01-2027 08:00 UTC: 04:00 on the island, written as such.
    assert "15-01-2027 04:00 (UTC-4)" in text and "UTC\n" not in text


def test_wrong_password_is_refused_and_counts_towards_the_lockout(clock_pinned, api, newcomer):
    for _ in range(5):
        refused = api.post("/api/v1/mfa/enrollment", {"password": "not the password"})
        assert refused.status_code == 401 and body(refused)["error"]["code"] == "invalid_credentials"
    locked = api.post("/api/v1/mfa/enrollment", {"password": PASSWORD})
    assert locked.status_code == 423 and body(locked)["error"]["code"] == "account_locked"
    # The same counter as the login's password step.
    assert password_step(api, "jan.jansen").status_code == 423


def test_activation_needs_a_confirmed_code(api, newcomer):
    assert api.post("/api/v1/mfa/enrollment/activate").status_code == 409
    secret = body(api.post("/api/v1/mfa/enrollment", {"password": PASSWORD}))["secret"]
    not_confirmed = api.post("/api/v1/mfa/enrollment/activate")
    assert not_confirmed.status_code == 409 and body(not_confirmed)["error"]["code"] == "not_confirmed"
    wrong = api.post("/api/v1/mfa/enrollment/confirm", {"code": "000000" if code(secret) != "000000" else "111111"})
    assert wrong.status_code == 401 and body(wrong)["error"]["code"] == "invalid_code"
    assert api.post("/api/v1/mfa/enrollment/activate").status_code == 409
    # A code of an earlier secret cannot confirm a newer enrollment.
    newer = body(api.post("/api/v1/mfa/enrollment", {"password": PASSWORD}))["secret"]
    assert newer != secret
    stale = api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})
    assert stale.status_code == 401 or code(secret) == code(newer)
    assert api.post("/api/v1/mfa/enrollment/confirm", {"code": code(newer)}).status_code == 200
    assert api.post("/api/v1/mfa/enrollment/activate").status_code == 200


def test_confirming_code_cannot_log_in_afterwards(clock_pinned, api, newcomer):
    enrolled = enroll(api, "jan.jansen")
    api.post("/api/v1/auth/logout")
    password_step(api, "jan.jansen")
    replay = api.post("/api/v1/auth/totp", {"code": code(enrolled.secret)})
    assert replay.status_code == 401
    clock_pinned.advance(30)
    assert api.post("/api/v1/auth/totp", {"code": code(enrolled.secret)}).status_code == 200


def test_unconfirmed_enrollment_expires(api, full_login, clock_pinned):
    full_login(api, "piet")
    secret = body(api.post("/api/v1/mfa/enrollment", {"password": PASSWORD, "code": code(SECRET)}))["secret"]
    clock_pinned.advance(10 * 60)
    assert api.get("/api/v1/me").status_code == 200  # the session stays active, the enrollment ages
    clock_pinned.advance(5 * 60 + 1)
    expired = api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})
    assert expired.status_code == 409 and body(expired)["error"]["code"] == "enrollment_expired"
    assert api.post("/api/v1/mfa/enrollment/activate").status_code == 409


def test_reenrollment_asks_password_and_current_code_and_replaces_everything(api, full_login, clock_pinned):
    from chalicelib.storage.backup_codes import codes_of

    full_login(api, "piet")
    missing = api.post("/api/v1/mfa/enrollment", {"password": PASSWORD})
    assert missing.status_code == 400 and body(missing)["error"]["field"] == "code"
    wrong = api.post("/api/v1/mfa/enrollment", {"password": PASSWORD, "code": "123456"})
    assert wrong.status_code == 401 and body(wrong)["error"]["code"] == "invalid_code"
    login_ends = session_of(api).absolute_expiry
    first = enroll_again(api)
    assert len(codes_of("piet")) == 10
    # A new token, but not a new login: the session still ends 8 hours after the real login.
    assert session_of(api).absolute_expiry == login_ends

    clock_pinned.advance(60)
    second = enroll_again(api, first.secret)
    assert len(codes_of("piet")) == 10  # the first set's items are gone
    assert second.secret != first.secret

    api.post("/api/v1/auth/logout")
    password_step(api, "piet")
    clock_pinned.advance(30)
    assert api.post("/api/v1/auth/totp", {"code": code(first.secret)}).status_code == 401
    assert api.post("/api/v1/auth/backup-code", {"code": first.codes[0]}).status_code == 401
    assert api.post("/api/v1/auth/totp", {"code": code(second.secret)}).status_code == 200


def session_of(api):
    from chalicelib.security.tokens import token_hash
    from chalicelib.storage.sessions import Session

    return Session.get(token_hash(api.cookie.split(".")[0]))


def enroll_again(api, current_secret: str = SECRET):
    from tests.api.two_factor import Enrolled

    started = api.post("/api/v1/mfa/enrollment", {"password": PASSWORD, "code": code(current_secret)})
    assert started.status_code == 200, started.body
    secret = body(started)["secret"]
    assert api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)}).status_code == 200
    activated = api.post("/api/v1/mfa/enrollment/activate")
    assert activated.status_code == 200
    username = body(api.get("/api/v1/me"))["username"]
    return Enrolled(secret, codes_in(stored_pdf(username)[0]), body(activated)["backup_codes_pdf"])


def test_new_backup_codes_void_the_old_set_and_its_pdf(clock_pinned, api, newcomer):
    import boto3
    from botocore.exceptions import ClientError

    from chalicelib.settings import get_settings
    from chalicelib.storage.users import get_user

    enrolled = enroll(api, "jan.jansen")
    old_key = get_user("jan.jansen").backup_pdf_key
    clock_pinned.advance(30)
    wrong_password = api.post("/api/v1/mfa/backup-codes", {"password": "wrong one!", "code": code(enrolled.secret)})
    assert wrong_password.status_code == 401 and body(wrong_password)["error"]["code"] == "invalid_credentials"
    wrong_code = api.post("/api/v1/mfa/backup-codes", {"password": PASSWORD, "code": "12345"})
    assert wrong_code.status_code == 401 and body(wrong_code)["error"]["code"] == "invalid_code"

    renewed = api.post("/api/v1/mfa/backup-codes", {"password": PASSWORD, "code": code(enrolled.secret)})
    assert renewed.status_code == 200 and "/mfa/backup-codes/sheet/" in body(renewed)["backup_codes_pdf"]
    new_codes = codes_in(stored_pdf("jan.jansen")[0])
    assert len(new_codes) == 10 and not set(new_codes) & set(enrolled.codes)
    with pytest.raises(ClientError):
        boto3.client("s3", region_name="us-east-1").head_object(Bucket=get_settings().backup_codes_bucket, Key=old_key)
    assert api.post("/api/v1/mfa/backup-codes/pdf").status_code == 410
    assert "Nieuwe back-up codes aangemaakt" in [m.subject for m in sent_to("jan.jansen@example.org")]

    api.post("/api/v1/auth/logout")
    password_step(api, "jan.jansen")
    assert api.post("/api/v1/auth/backup-code", {"code": enrolled.codes[0]}).status_code == 401
    assert api.post("/api/v1/auth/backup-code", {"code": new_codes[0]}).status_code == 200


def test_new_backup_codes_with_a_backup_code_as_second_factor(api, newcomer):
    enrolled = enroll(api, "jan.jansen")
    renewed = api.post("/api/v1/mfa/backup-codes", {"password": PASSWORD, "code": enrolled.codes[3].lower()})
    assert renewed.status_code == 200
    assert body(api.get("/api/v1/me"))["mfa"]["backup_codes_left"] == 10


def test_pdf_link_of_a_set_not_yet_handed_out_is_given_once(api, newcomer):
    from chalicelib.storage.users import User

    enroll(api, "jan.jansen")
    # As if the activation's answer never reached the browser.
    User("jan.jansen").update(actions=[User.backup_pdf_handed_out.set(False)])
    first = api.post("/api/v1/mfa/backup-codes/pdf")
    assert first.status_code == 200 and "/mfa/backup-codes/sheet/" in body(first)["backup_codes_pdf"]
    second = api.post("/api/v1/mfa/backup-codes/pdf")
    assert second.status_code == 410
    assert ("mfa.backup_codes.pdf", "success") in audit_actions("jan.jansen")


def test_a_2fa_less_user_reaches_nothing_beyond_enrollment(api, newcomer):
    for path in ("/api/v1/me", "/api/v1/account/sessions"):
        assert api.get(path).status_code == 401, path
    for path in ("/api/v1/auth/totp", "/api/v1/auth/backup-code", "/api/v1/mfa/backup-codes",
                 "/api/v1/mfa/backup-codes/pdf", "/api/v1/account/password"):
        assert api.post(path, {"code": "123456", "password": PASSWORD}).status_code == 401, path
    for page in ("/portal", "/mfa/backup-codes", "/login/totp"):
        response = api.get(page)
        assert response.status_code == 302 and response.headers["Location"] != page, page
    assert api.get("/mfa/activate").status_code == 200


def test_enrollment_pages_use_the_seeds_labels(api, newcomer):
    """Every step has a page of its own; together they carry the seed's labels and the eleven steps."""
    pages = [api.get("/mfa/activate"), api.get("/mfa/activate/3")]
    secret = body(api.post("/api/v1/mfa/enrollment", {"password": PASSWORD}))["secret"]
    pages += [api.get(f"/mfa/activate/{step}") for step in (4, 5, 6, 7, 9)]
    api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})
    pages.append(api.get("/mfa/activate/10"))
    assert [page.status_code for page in pages] == [200] * 8
    html = "".join(page.body.decode("utf-8") for page in pages)
    for label in (*SEED_LABELS, *APPS):
        assert label in html, label
    for step in range(2, 12):
        assert f"Stap {step} van 11" in html
    assert html.count('autocomplete="one-time-code"') >= 1 and 'inputmode="numeric"' in html
    assert "<script>" not in html and " style=" not in html


def test_enrollment_page_in_english_and_papiamentu(api, newcomer):
    english = api.get("/mfa/activate?lang=en").body.decode("utf-8")
    assert "Activate your 2-factor authentication" in english and "Step 2 of 11" in english
    papiamentu = api.get("/mfa/activate?lang=pap").body.decode("utf-8")
    assert "Aktivá bo outentikashon di 2 faktor" in papiamentu and "Paso 2 di 11" in papiamentu


def test_malformed_requests_get_400_naming_the_field(api, newcomer):
    for payload, field in (({}, "password"), ({"password": 12}, "password"),
                           ({"password": PASSWORD, "code": 123456}, "code")):
        refused = api.post("/api/v1/mfa/enrollment", payload)
        assert refused.status_code == 400 and body(refused)["error"]["field"] == field
    assert api.post("/api/v1/mfa/enrollment/confirm", {"code": ""}).status_code == 400
    assert api.post("/api/v1/mfa/enrollment/activate", "[]").status_code == 400


def test_only_the_session_that_started_a_reenrollment_can_confirm_and_activate_it(api, make_api, full_login,
                                                                                   clock_pinned):
    full_login(api, "piet")
    thief = make_api()
    full_login(thief, "piet")  # a second full session of the account: a stolen cookie
    secret = body(api.post("/api/v1/mfa/enrollment", {"password": PASSWORD, "code": code(SECRET)}))["secret"]
    foreign = thief.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})
    assert foreign.status_code == 403 and body(foreign)["error"]["code"] == "forbidden"
    assert api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)}).status_code == 200
    stolen = thief.post("/api/v1/mfa/enrollment/activate")
    assert stolen.status_code == 403 and "backup_codes_pdf" not in stolen.body.decode()
    assert api.post("/api/v1/mfa/enrollment/activate").status_code == 200
    assert ("mfa.enrollment.confirm", "denied") in audit_actions("piet")


def test_wrong_confirming_codes_lock_the_second_factor_after_five(clock_pinned, api, newcomer):
    secret = body(api.post("/api/v1/mfa/enrollment", {"password": PASSWORD}))["secret"]
    wrong = "000000" if code(secret) != "000000" else "111111"
    statuses = [api.post("/api/v1/mfa/enrollment/confirm", {"code": wrong}).status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})
    assert locked.status_code == 423 and body(locked)["error"]["code"] == "account_locked"
