"""An adviser logging in to a tax application for a client: the chooser offers only the adviser's
active authorizations, the tokens carry the client as subject and the adviser as actor (RFC 8693
`act`) with the authorized tax types and periods, an authorization that ends stops the tokens at
once and logs the client's application sessions out, and every issuance is on both trails."""

from __future__ import annotations

import base64
import json

import pytest

from tests.api.oidc_flow import (
    Browser,
    authorize_params,
    exchange,
    payload,
    pkce,
    redirect_params,
    refresh,
    register,
)

FIRM, OTHER_FIRM = "200000009", "300000007"
CLIENT, PENDING_CLIENT, REVOKED_CLIENT, EXPIRED_CLIENT, OTHER_FIRMS_CLIENT = (
    "100000002", "100000003", "100000004", "100000005", "100000006")
HOST = {"Host": "127.0.0.1:8000"}


def _authorization(identifier: str, client_crib: str, *, tax_type: str = "IB", status: str = "active",
                   start: str = "2026-01-01", end: str | None = None, firm: str = FIRM,
                   client_name: str | None = None):
    from chalicelib.storage.authorizations import Authorization

    item = Authorization(identifier, representative_crib=firm, firm_name="Kantoor Punda", client_crib=client_crib,
                         client_name=client_name or f"Klant {client_crib[-1]}", tax_type=tax_type, start_date=start,
                         end_date=end, status=status, source="single", created_by="rep.punda",
                         created_at=1_790_000_000, created_key=f"1790000000#{identifier}", updated_at=1_790_000_000)
    item.save()
    return item


@pytest.fixture
def adviser(make_api, full_login, user_factory, clock_pinned):
    """rep.punda (firm CRIB 200000009) with a full session; klant.een (CRIB 100000002) authorized it for
    income tax (open-ended) and wage tax (2026-2027); other clients' authorizations are pending,
    revoked, expired, or another firm's. The clock is pinned at 2027-01-15."""
    register()
    user_factory("klant.een", crib=CLIENT, totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    for crib in (PENDING_CLIENT, REVOKED_CLIENT, EXPIRED_CLIENT, OTHER_FIRMS_CLIENT):
        user_factory(f"klant.{crib[-1]}", crib=crib)
    _authorization("auth-ib", CLIENT, client_name="Klant Een")
    _authorization("auth-lb", CLIENT, tax_type="LB", start="2026-01-01", end="2027-12-31", client_name="Klant Een")
    _authorization("auth-pending", PENDING_CLIENT, status="pending")
    _authorization("auth-revoked", REVOKED_CLIENT, status="revoked")
    _authorization("auth-expired", EXPIRED_CLIENT, end="2026-12-31")
    _authorization("auth-other-firm", OTHER_FIRMS_CLIENT, firm=OTHER_FIRM)
    api = make_api()
    full_login(api, "rep.punda", roles=("representative",), crib=FIRM, firm_name="Kantoor Punda")
    return Browser(api)


def _to_chooser(browser: Browser) -> str:
    """The authorization request up to the chooser; returns the PKCE verifier."""
    verifier, challenge = pkce()
    first = browser.get("/oidc/authorize?" + "&".join(
        f"{name}={value}" for name, value in authorize_params(challenge, scope="openid crib representation").items()))
    assert first.status_code == 200, first.body
    second = browser.get("/oidc/authorize/continue")
    assert second.status_code == 302 and second.headers["Location"] == "/oidc/represent", second.headers
    return verifier


def _choose(browser: Browser, client_crib: str | None):  # type: ignore[no-untyped-def]
    cookie = f"portal_session={browser.api.cookie}; oidc_pending={browser.pending}"
    response = browser.api.post("/api/v1/oidc/representation", {"client_crib": client_crib},
                                headers={"Cookie": cookie, **HOST})
    for header in [response.headers.get("Set-Cookie") or ""]:
        if header.startswith("oidc_pending="):
            browser.pending = header.split(";")[0].partition("=")[2]
    return response


def _tokens_for_client(browser: Browser, client) -> dict:  # type: ignore[no-untyped-def]
    verifier = _to_chooser(browser)
    assert _choose(browser, CLIENT).status_code == 200
    params = redirect_params(browser.get("/oidc/authorize/continue"))
    response = exchange(client, params["code"], verifier)
    assert response.status_code == 200, response.body
    return payload(response)


def _claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _deliveries(monkeypatch) -> list[tuple[str, str]]:
    from chalicelib.services import oidc_logout

    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(oidc_logout, "post_logout_token", lambda uri, token: sent.append((uri, token)) or True)
    return sent


# ---------------------------------------------------------------- the chooser


def test_the_chooser_lists_only_the_advisers_active_authorizations(adviser):
    _to_chooser(adviser)
    page = adviser.get("/oidc/represent?lang=en")
    assert page.status_code == 200
    html = page.body.decode("utf-8")
    assert "Klant Een" in html and f'data-client-crib="{CLIENT}"' in html
    assert "IB" in html and "LB" in html
    for crib in (PENDING_CLIENT, REVOKED_CLIENT, EXPIRED_CLIENT, OTHER_FIRMS_CLIENT):
        assert crib not in html, crib


@pytest.mark.parametrize("crib", [PENDING_CLIENT, REVOKED_CLIENT, EXPIRED_CLIENT, OTHER_FIRMS_CLIENT, "999999999"])
def test_choosing_a_client_not_in_the_list_is_refused(adviser, crib):
    _to_chooser(adviser)
    before = adviser.pending
    response = _choose(adviser, crib)
    assert response.status_code == 403 and payload(response)["error"]["code"] == "forbidden"
    assert adviser.pending == before  # the kept request did not take the choice


def test_a_choice_without_a_kept_request_is_404(adviser):
    response = adviser.api.post("/api/v1/oidc/representation", {"client_crib": CLIENT}, headers=HOST)
    assert response.status_code == 404


def test_a_taxpayer_cannot_choose_a_client(make_api, full_login, adviser):
    taxpayer = make_api()
    full_login(taxpayer, "klant.een")
    response = taxpayer.post("/api/v1/oidc/representation", {"client_crib": CLIENT}, headers=HOST)
    assert response.status_code == 403


@pytest.mark.parametrize("lang, title", [("nl", "Voor wie logt u in?"), ("en", "For whom are you logging in?"),
                                         ("pap", None)])
def test_the_chooser_page_in_each_language_has_a_heading_and_named_controls(adviser, lang, title):
    import re

    from chalicelib.i18n import t

    _to_chooser(adviser)
    html = adviser.get(f"/oidc/represent?lang={lang}").body.decode("utf-8")
    expected = title or t("oidc.represent.title", lang)
    assert f'<html lang="{lang}">' in html
    assert re.search(r"<h1[^>]*>\s*" + re.escape(expected) + r"\s*</h1>", html)
    assert t("oidc.represent.self", lang) in html
    # Every choice is a button with its own text and a description of what it grants.
    buttons = re.findall(r'<button[^>]*class="[^"]*choose-client[^"]*"[^>]*>(.*?)</button>', html, re.S)
    assert len(buttons) == 2 and all(text.strip() for text in buttons)
    for described in re.findall(r'aria-describedby="([^"]+)"', html):
        assert f'id="{described}"' in html
    assert 'role="alert"' in html  # where a refusal is announced


# ---------------------------------------------------------------- the tokens


def test_tokens_carry_the_client_as_subject_the_adviser_as_actor_and_the_tax_types_and_periods(adviser, client):
    from chalicelib.services.oidc import subject

    tokens = _tokens_for_client(adviser, client)
    expected = [{"authorization_id": "auth-ib", "tax_type": "IB", "start_date": "2026-01-01", "end_date": None},
                {"authorization_id": "auth-lb", "tax_type": "LB", "start_date": "2026-01-01",
                 "end_date": "2027-12-31"}]
    for token in (tokens["id_token"], tokens["access_token"]):
        claims = _claims(token)
        assert claims["sub"] == subject("klant.een") and claims["act"] == {"sub": subject("rep.punda")}
        assert claims["representation"]["client_crib"] == CLIENT
        assert sorted(claims["representation"]["authorizations"], key=lambda item: item["tax_type"]) == expected
    info = client.http.get("/api/v1/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}",
                                                             **HOST})
    assert payload(info)["sub"] == subject("klant.een") and payload(info)["crib"] == CLIENT
    assert payload(info)["act"] == {"sub": subject("rep.punda")}


def test_an_adviser_logging_in_for_themselves_gets_no_act_claim(adviser, client):
    from chalicelib.services.oidc import subject

    verifier = _to_chooser(adviser)
    assert _choose(adviser, None).status_code == 200
    params = redirect_params(adviser.get("/oidc/authorize/continue"))
    claims = _claims(payload(exchange(client, params["code"], verifier))["id_token"])
    assert claims["sub"] == subject("rep.punda") and "act" not in claims and "representation" not in claims


def test_every_token_issued_on_behalf_of_a_client_is_audited_on_both_trails(adviser, client):
    from chalicelib.storage.audit import AuditEvent

    tokens = _tokens_for_client(adviser, client)
    assert refresh(client, tokens["refresh_token"]).status_code == 200
    events = [event for event in AuditEvent.scan() if event.action == "oidc.token_on_behalf"]
    assert sorted(event.details["grant_type"] for event in events) == ["authorization_code", "refresh_token"]
    for event in events:
        assert event.actor == "rep.punda" and event.target == "klant.een"
        assert event.details["client_crib"] == CLIENT and event.details["adviser_crib"] == FIRM
        assert list(event.details["tax_types"]) == ["IB", "LB"]
        assert {period["tax_type"]: period["end_date"] for period in event.details["periods"]} == {
            "IB": None, "LB": "2027-12-31"}
    from chalicelib.services import audit_trail

    on_clients_trail = [entry for entry in audit_trail.recent_for("klant.een", 20)
                        if entry["action"] == "oidc.token_on_behalf"]
    assert len(on_clients_trail) == 2
    # The client reads it on their own activity page, in words, with the tax types.
    from chalicelib.services import activity
    from chalicelib.storage.users import User

    client_account = User.get("klant.een")
    events, _ = activity.newest(client_account)
    labels = {lang: [activity.describe(event, client_account, lang)["label"] for event in events
                     if event.action == "oidc.token_on_behalf"] for lang in ("nl", "en", "pap")}
    assert labels["nl"] == ["Uw gemachtigde is namens u ingelogd bij een belastingapplicatie "
                            "(Inkomstenbelasting, Loonbelasting en premies (AOV/AWW, AVBZ, BVZ))"] * 2
    assert all(len(texts) == 2 and "(" in texts[0] and "—" not in texts[0] for texts in labels.values())


# ---------------------------------------------------------------- an authorization that ends


def test_a_revoked_authorization_stops_refresh_at_once_and_logs_the_client_sessions_out(adviser, client,
                                                                                           make_api, full_login,
                                                                                           monkeypatch):
    from chalicelib.services import oidc_logout
    from chalicelib.services.oidc import subject

    sent = _deliveries(monkeypatch)
    tokens = _tokens_for_client(adviser, client)
    sid = _claims(tokens["id_token"])["sid"]
    assert oidc_logout.run()["checked"] == 1  # looked at once: next due within the hour
    taxpayer = make_api()
    full_login(taxpayer, "klant.een")
    assert taxpayer.post("/api/v1/authorizations/auth-lb/revoke").status_code == 204
    # Ended by the revocation itself, before any refresh or the runner's next look.
    info = client.http.get("/api/v1/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}",
                                                             **HOST})
    assert info.status_code == 401
    assert oidc_logout.run()["delivered"] == 1
    refused = refresh(client, tokens["refresh_token"])
    assert refused.status_code == 400 and payload(refused)["error"] == "invalid_grant"
    uri, token = sent[0]
    claims = _claims(token)
    assert uri == "https://aangifte.example/backchannel"
    assert claims["sub"] == subject("klant.een") and claims["sid"] == sid


def test_an_authorization_revoked_between_code_and_exchange_stops_the_code(adviser, client, make_api, full_login):
    verifier = _to_chooser(adviser)
    assert _choose(adviser, CLIENT).status_code == 200
    params = redirect_params(adviser.get("/oidc/authorize/continue"))
    taxpayer = make_api()
    full_login(taxpayer, "klant.een")
    assert taxpayer.post("/api/v1/authorizations/auth-ib/revoke").status_code == 204
    refused = exchange(client, params["code"], verifier)
    assert refused.status_code == 400 and payload(refused)["error"] == "invalid_grant"


def test_an_expired_authorization_stops_refresh_and_the_runner_logs_the_client_sessions_out(adviser, client,
                                                                                             monkeypatch):
    from chalicelib import clock
    from chalicelib.services import oidc_logout
    from chalicelib.storage.authorizations import get_authorization

    sent = _deliveries(monkeypatch)
    tokens = _tokens_for_client(adviser, client)
    assert oidc_logout.run() == {"checked": 1, "ended": 0, "delivered": 0, "waiting": 0, "failed": 0}
    # The wage-tax authorization's last day has passed (the calendar moved on; nothing was revoked).
    item = get_authorization("auth-lb")
    item.end_date = "2027-01-14"
    item.save()
    assert oidc_logout.run()["delivered"] == 0  # not due yet: the runner looks again within the hour
    assert oidc_logout.run(int(clock.now()) + oidc_logout.REPRESENTATION_CHECK_SECONDS + 1)["delivered"] == 1
    assert len(sent) == 1
    refused = refresh(client, tokens["refresh_token"])
    assert refused.status_code == 400 and payload(refused)["error"] == "invalid_grant"


def test_an_expired_authorization_refuses_the_refresh_itself(adviser, client, monkeypatch):
    from chalicelib.services import oidc_logout
    from chalicelib.storage.authorizations import get_authorization

    sent = _deliveries(monkeypatch)
    tokens = _tokens_for_client(adviser, client)
    item = get_authorization("auth-ib")
    item.end_date = "2027-01-14"
    item.save()
    refused = refresh(client, tokens["refresh_token"])
    assert refused.status_code == 400 and payload(refused)["error"] == "invalid_grant"
    assert oidc_logout.run()["delivered"] == 1 and len(sent) == 1  # the refusal ended the login: told at once


def test_a_chosen_client_whose_authorization_ended_before_the_code_is_asked_again(adviser, make_api, full_login):
    _to_chooser(adviser)
    assert _choose(adviser, CLIENT).status_code == 200
    taxpayer = make_api()
    full_login(taxpayer, "klant.een")
    for identifier in ("auth-ib", "auth-lb"):
        assert taxpayer.post(f"/api/v1/authorizations/{identifier}/revoke").status_code == 204
    again = adviser.get("/oidc/authorize/continue")
    assert again.status_code == 302 and again.headers["Location"] == "/oidc/represent?ended=1"


def test_the_runner_looks_again_when_an_authorization_expires_and_ends_the_login_then(adviser, client,
                                                                                       monkeypatch):
    """The wage-tax authorization ends on 2027-01-15; ten minutes before the island's midnight the
    adviser logs in for the client: the client login is due at that midnight (sooner than the hourly
    look) and ends then, its session still running."""
    from datetime import datetime

    from chalicelib import clock
    from chalicelib.services import oidc_logout
    from chalicelib.services.notifications import PORTAL_TIME
    from chalicelib.storage.authorizations import get_authorization
    from chalicelib.storage.sessions import Session

    midnight = int(datetime(2027, 1, 16, tzinfo=PORTAL_TIME).timestamp())
    clock.pin(midnight - 600)
    for session in Session.scan():  # the adviser's session, active just now
        session.last_seen = midnight - 600
        session.expires_at = midnight + 300
        session.absolute_expiry = midnight + 3600
        session.save()
    item = get_authorization("auth-lb")
    item.end_date = "2027-01-15"
    item.save()
    sent = _deliveries(monkeypatch)
    _tokens_for_client(adviser, client)
    assert oidc_logout.run()["checked"] == 1
    assert oidc_logout.run(midnight - 1)["checked"] == 0  # not due before the authorization's end
    clock.pin(midnight)
    assert oidc_logout.run(midnight) == {"checked": 1, "ended": 1, "delivered": 1, "waiting": 0, "failed": 0}
    assert len(sent) == 1
