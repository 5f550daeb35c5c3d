"""The backup-code sheet through the portal's own address (GET /mfa/backup-codes/sheet/<token>): the
link works once, for its owner's full session, within its 5 minutes; then it redirects to a one-minute
presigned S3 GET. Another user's link, a used one, an expired one, a replaced one and a forged one are
refused with the 410 page, and the refusal is on the owner's audit trail. (Parallel opens of one link:
tests/e2e/test_backup_sheet_e2e.py, against the real stage.)"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from tests.api.conftest import body
from tests.api.two_factor import enroll, password_step


def _path(link: str) -> str:
    return urlsplit(link).path


def _enrolled(make_api, user_factory, username: str):
    api = make_api()
    user_factory(username)
    password_step(api, username)
    return api, enroll(api, username)


def test_the_owner_opens_the_sheet_once_through_the_portal(make_api, user_factory):
    from chalicelib.storage.users import get_user

    api, enrolled = _enrolled(make_api, user_factory, "jan.jansen")
    path = _path(enrolled.pdf_link)
    assert path.startswith("/mfa/backup-codes/sheet/") and "X-Amz" not in enrolled.pdf_link
    first = api.get(path)
    assert first.status_code == 302
    location = urlsplit(first.headers["Location"])
    assert location.path.endswith(get_user("jan.jansen").backup_pdf_key)
    assert parse_qs(location.query)["X-Amz-Expires"] == ["60"]
    assert first.headers["Cache-Control"] == "no-store" and first.headers["Referrer-Policy"] == "no-referrer"

    again = api.get(path)
    assert again.status_code == 410 and "Location" not in again.headers
    page = again.body.decode()
    assert "Deze link werkt niet meer" in page and 'href="/mfa/backup-codes"' in page
    assert "Content-Security-Policy" in again.headers


def test_another_users_link_is_refused_and_stays_usable_for_its_owner(make_api, user_factory):
    owner, enrolled = _enrolled(make_api, user_factory, "jan.jansen")
    stranger, _ = _enrolled(make_api, user_factory, "piet.pietersen")
    path = _path(enrolled.pdf_link)
    assert stranger.get(path).status_code == 410
    assert owner.get(path).status_code == 302


def test_without_a_full_session_the_link_leads_to_the_login(make_api, user_factory):
    _, enrolled = _enrolled(make_api, user_factory, "jan.jansen")
    anonymous = make_api().get(_path(enrolled.pdf_link))
    # The login comes back to the sheet (deep link), which the link's own short life still guards.
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/login?" + urlencode({"next": _path(enrolled.pdf_link)})


def test_an_expired_link_is_refused(make_api, user_factory, clock_pinned):
    api, enrolled = _enrolled(make_api, user_factory, "jan.jansen")
    clock_pinned.advance(301)
    assert api.get(_path(enrolled.pdf_link)).status_code == 410


def test_a_forged_or_replaced_link_is_refused_and_audited(make_api, user_factory, clock_pinned):
    from tests.api.test_enrollment import audit_actions
    from tests.api.two_factor import PASSWORD, code

    api, enrolled = _enrolled(make_api, user_factory, "jan.jansen")
    path = _path(enrolled.pdf_link)
    ends, _, token = path.rsplit("/", 1)[1].partition(".")
    # A later end on the same token changes what the stored hash was made of.
    assert api.get(f"/mfa/backup-codes/sheet/{int(ends) + 60}.{token}").status_code == 410
    assert api.get("/mfa/backup-codes/sheet/not-a-link").status_code == 410
    clock_pinned.advance(30)  # a later code than the enrollment's
    renewed = api.post("/api/v1/mfa/backup-codes", {"password": PASSWORD, "code": code(enrolled.secret)})
    assert renewed.status_code == 200
    assert api.get(path).status_code == 410  # the old set's link died with its set
    assert api.get(_path(body(renewed)["backup_codes_pdf"])).status_code == 302
    actions = audit_actions("jan.jansen")
    assert ("mfa.backup_codes.sheet", "denied") in actions and ("mfa.backup_codes.sheet", "success") in actions

