"""The set-up pages, one address per step (api/mfa_pages.py, services/enrollment.step_to_show): a step the
set-up has not reached sends to what is missing, a reload shows the same pending secret, the language
links keep the step, a replaced secret is said so, a phone gets the otpauth: link, and nobody is named
in the header before the second factor is done."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.api.conftest import body
from tests.api.two_factor import PASSWORD, code, password_step

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


@pytest.fixture
def newcomer(api, user_factory):
    user_factory("jan.jansen")
    assert body(password_step(api, "jan.jansen")) == {"next": "enroll"}
    return "jan.jansen"


def html(response) -> str:
    assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
    return response.body.decode("utf-8")


def shown_secret(page_html: str) -> str:
    return re.search(r'id="manual-secret" class="secret" data-copy-value="([A-Z2-7]{32})"', page_html).group(1)


def start(api) -> str:
    return body(api.post("/api/v1/mfa/enrollment", {"password": PASSWORD}))["secret"]


@pytest.mark.parametrize("step", [4, 5, 6, 7, 9, 10, 11])
def test_a_step_beyond_the_password_without_a_pending_secret_sends_to_the_start(api, newcomer, step):
    response = api.get(f"/mfa/activate/{step}")
    assert response.status_code == 302 and response.headers["Location"] == "/mfa/activate"


@pytest.mark.parametrize("path, location", [
    ("/mfa/activate/10", "/mfa/activate/9"),  # not confirmed yet
    ("/mfa/activate/11", "/mfa/activate/9"),
    ("/mfa/activate/8", "/mfa/activate/7"),  # step 8 is a part of step 7's page
    ("/mfa/activate/2", "/mfa/activate"),
    ("/mfa/activate/12", "/mfa/activate"),
    ("/mfa/activate/abc", "/mfa/activate"),
])
def test_a_step_not_reached_or_not_a_step_sends_to_the_one_missing(api, newcomer, path, location):
    start(api)
    response = api.get(path)
    assert response.status_code == 302 and response.headers["Location"] == location


def test_every_step_page_has_its_own_step_and_a_back_link_to_the_one_before(api, newcomer):
    secret = start(api)
    for step, previous in ((3, "/mfa/activate"), (4, "/mfa/activate/3"), (5, "/mfa/activate/4"),
                           (6, "/mfa/activate/5"), (7, "/mfa/activate/6"), (9, "/mfa/activate/7")):
        page_html = html(api.get(f"/mfa/activate/{step}"))
        assert f'data-step="{step}"' in page_html and f"Stap {step} van 11" in page_html
        assert f'<a class="back-link" href="{previous}">Terug</a>' in page_html
    api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})
    assert '<a class="back-link" href="/mfa/activate/9">Terug</a>' in html(api.get("/mfa/activate/10"))
    assert "back-link" not in html(api.get("/mfa/activate"))


def test_a_reload_of_the_qr_step_shows_the_same_secret_and_makes_no_new_one(api, newcomer):
    from chalicelib.storage.users import get_user

    secret = start(api)
    sealed = get_user("jan.jansen").pending_totp_secret
    first, again = html(api.get("/mfa/activate/7")), html(api.get("/mfa/activate/7"))
    assert shown_secret(first) == shown_secret(again) == secret
    assert get_user("jan.jansen").pending_totp_secret == sealed
    assert f"secret={secret}" in unescape(first)  # the otpauth: link and the QR code's URI
    assert "Verwijder de eerdere vermelding uit uw app" not in first
    # The code from the app of the first scan still confirms it.
    assert api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)}).status_code == 200


def test_the_language_links_keep_the_step(api, newcomer):
    start(api)
    page_html = html(api.get("/mfa/activate/7?lang=en"))
    assert "Step 7 of 11" in page_html and "Back</a>" in page_html
    for lang in ("nl", "en", "pap"):
        assert f'href="/mfa/activate/7?lang={lang}"' in page_html
    assert "Paso 7 di 11" in html(api.get("/mfa/activate/7?lang=pap"))


def test_going_back_to_the_password_offers_the_secret_already_shown(api, newcomer):
    start(api)
    page_html = html(api.get("/mfa/activate/3"))
    assert "Verder met de sleutel die u al heeft" in page_html and 'href="/mfa/activate/4"' in page_html


def test_a_new_secret_replacing_a_pending_one_tells_to_remove_the_earlier_entry(api, newcomer):
    first = start(api)
    second = body(api.post("/api/v1/mfa/enrollment", {"password": PASSWORD}))
    assert second["secret"] != first and second["replaces_earlier"] is True
    page_html = html(api.get("/mfa/activate/7"))
    assert "Verwijder de eerdere vermelding uit uw app" in page_html and shown_secret(page_html) == second["secret"]
    assert "Remove the earlier entry from your app" in html(api.get("/mfa/activate/7?lang=en"))
    # The earlier secret's codes no longer confirm anything.
    refused = api.post("/api/v1/mfa/enrollment/confirm", {"code": code(first)})
    assert refused.status_code == 401 and body(refused)["error"]["code"] == "invalid_code"


def test_a_phone_gets_the_link_that_opens_the_app(api, newcomer):
    secret = start(api)
    phone = html(api.get("/mfa/activate/7", headers={"User-Agent": IPHONE}))
    assert '<p class="otpauth-link on-mobile">' in phone
    link = unescape(re.search(r'id="otpauth-link" href="([^"]+)"', phone).group(1))
    issuer = "Belastingdienst%20Cura%C3%A7ao"
    assert link == f"otpauth://totp/{issuer}:jan.jansen?secret={secret}&issuer={issuer}"
    assert "Openen in uw authenticator-app" in phone
    # On a desktop the link is there for a narrow window only (portal.css shows it below 40rem).
    assert '<p class="otpauth-link">' in html(api.get("/mfa/activate/7", headers={"User-Agent": DESKTOP}))


def test_another_session_of_the_account_never_sees_the_pending_secret(api, make_api, newcomer):
    secret = start(api)
    other = make_api()
    password_step(other, "jan.jansen")
    response = other.get("/mfa/activate/7")
    assert response.status_code == 302 and response.headers["Location"] == "/mfa/activate"
    assert secret not in html(other.get("/mfa/activate/3"))


def test_confirmed_code_step_offers_to_go_on_and_activation_ends_on_step_11(api, newcomer):
    secret = start(api)
    api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})
    assert "Uw code is bevestigd." in html(api.get("/mfa/activate/9"))
    assert api.post("/api/v1/mfa/enrollment/activate", {}).status_code == 200
    done = html(api.get("/mfa/activate/11"))
    assert "De Two-Factor Authenticatie is nu geactiveerd." in done and 'href="/mfa/backup-codes"' in done
    # Back into the finished set-up: the start of a new one, never a form of the old.
    assert api.get("/mfa/activate/9").headers["Location"] == "/mfa/activate"


def test_the_header_names_nobody_before_the_second_factor(api, newcomer, make_api, full_login):
    for path in ("/mfa/activate", "/mfa/activate/3"):
        page_html = html(api.get(path))
        assert "Ingelogd als" not in page_html and 'id="logout-button"' in page_html
    full = make_api()
    full_login(full, "piet")
    assert "Ingelogd als piet" in html(full.get("/mfa/activate"))


def test_the_steps_carry_the_return_path_and_the_last_one_leads_there(api, newcomer):
    secret = start(api)
    step_4 = html(api.get("/mfa/activate/4?next=/authorizations"))
    assert 'href="/mfa/activate/5?next=%2Fauthorizations"' in step_4
    assert 'href="/mfa/activate/3?next=%2Fauthorizations"' in step_4
    api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})
    step_10 = html(api.get("/mfa/activate/10?next=/authorizations"))
    assert 'data-done-path="/mfa/activate/11?next=%2Fauthorizations"' in step_10
    assert '<a class="button primary" href="/authorizations">Verder naar de gevraagde pagina</a>' in step_10
    unsafe = html(api.get("/mfa/activate/10?next=//evil.example"))
    assert 'href="//evil' not in unsafe and 'data-done-path="/mfa/activate/11"' in unsafe
    assert '<a class="button primary" href="/portal">Naar Mijn portaal</a>' in unsafe


def test_a_reenrollment_says_the_apps_current_entry_will_stop_working(api, full_login):
    from tests.api.two_factor import SECRET

    full_login(api, "piet")
    started = api.post("/api/v1/mfa/enrollment", {"password": PASSWORD, "code": code(SECRET)})
    assert started.status_code == 200 and body(started)["replaces_earlier"] is False
    page_html = html(api.get("/mfa/activate/7"))
    assert "Verwijder de eerdere vermelding uit uw app zodra de nieuwe werkt." in page_html
