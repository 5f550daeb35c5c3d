"""Mijn portaal: the login before this one (Curaçao time), the authorizations waiting for the person's
confirmation, and the way to the tax services ("Mijn Aangifte", configurable per stage)."""

from __future__ import annotations

import html
import re

from tests.api.test_authorizations import CLIENT_CRIB, FIRM_CRIB, register


def _portal(api, lang: str = "nl") -> str:
    response = api.get(f"/portal?lang={lang}")
    assert response.status_code == 200
    return html.unescape(response.body.decode())


def test_a_first_login_says_so_and_a_later_one_names_the_previous_in_curacao_time(make_api, full_login,
                                                                                   clock_pinned):
    from chalicelib.services import audit
    from chalicelib.services.audit import RequestContext

    api = make_api()
    full_login(api, "jan.jansen")
    assert "Dit is de eerste keer dat u inlogt." in _portal(api)

    # An earlier completed login (1 800 000 000 = 15-01-2027 08:00 UTC = 04:00 on the island), then a
    # failed one and a password step (neither is a login), then this session.
    audit.record("login.totp", actor="jan.jansen", target="jan.jansen", outcome="success", context=RequestContext())
    clock_pinned.advance(60)
    audit.record("login.totp", actor="jan.jansen", target="jan.jansen", outcome="failure", context=RequestContext())
    audit.record("login.password", actor="jan.jansen", target="jan.jansen", outcome="success",
                 context=RequestContext())
    clock_pinned.advance(3600)
    later = make_api()
    full_login(later, "jan.jansen")
    page = _portal(later, "en")
    assert "Last logged in: 15-01-2027 04:00 (UTC-4)" in page
    assert "Wasn't that you? Change your password straight away" in page


def test_pending_authorizations_wait_for_the_clients_action(make_api, full_login, clock_pinned):
    firm = make_api()
    full_login(firm, "rep.punda", roles=("representative",), crib=FIRM_CRIB, firm_name="Kantoor Punda")
    client = make_api()
    full_login(client, "klant.een", crib=CLIENT_CRIB)
    assert "Er wacht niets op uw actie." in _portal(client)

    assert register(firm).status_code == 201
    assert register(firm, tax_type="OB").status_code == 201
    page = _portal(client)
    assert "Er wachten 2 machtigingen op uw bevestiging." in page
    assert re.search(r'<a href="/authorizations">Bekijken en bevestigen</a>', page)
    assert "2 authorizations are waiting for your confirmation." in _portal(client, "en")


def test_the_way_to_the_tax_services_is_configured_per_stage(make_api, full_login, monkeypatch):
    from chalicelib.contact import reset_contact

    api = make_api()
    full_login(api, "jan.jansen")
    assert 'id="tax-services-link" href="https://online.belastingdienst.cw"' in _portal(api)
    monkeypatch.setenv("PORTAL_TAX_SERVICES_URL", "https://aangifte.example.cw")
    reset_contact()
    try:
        page = _portal(api, "pap")
        assert 'id="tax-services-link" href="https://aangifte.example.cw"' in page and "Mijn Aangifte" in page
    finally:
        monkeypatch.delenv("PORTAL_TAX_SERVICES_URL")
        reset_contact()


def test_a_representative_sees_no_client_block(make_api, full_login):
    api = make_api()
    full_login(api, "rep.punda", roles=("representative",), crib=FIRM_CRIB, firm_name="Kantoor Punda")
    assert 'id="pending-authorizations"' not in _portal(api)
