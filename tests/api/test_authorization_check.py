"""The client's check page before a change (api/authorization_pages.py): what is confirmed, refused or
revoked is shown first (firm, tax type, period), a change that no longer applies says so, somebody
else's authorization is not found, and the list says what was done."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api.conftest import body
from tests.api.test_authorizations import CLIENT, CLIENT_CRIB, FIRM_CRIB, register

STATIC = Path(__file__).resolve().parents[2] / "chalicelib" / "render" / "static"


@pytest.fixture
def firm(make_api, full_login, clock_pinned):
    api = make_api()
    full_login(api, "rep.punda", roles=("representative",), crib=FIRM_CRIB, firm_name="Kantoor Punda")
    return api


@pytest.fixture
def taxpayer(make_api, full_login, clock_pinned):
    api = make_api()
    full_login(api, "klant.een", crib=CLIENT_CRIB)
    return api


@pytest.fixture
def pending(firm):
    created = register(firm, end_date="2027-12-31")
    assert created.status_code == 201, created.body
    return body(created)["id"]


def html(response, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    return response.body.decode("utf-8")


def test_the_check_page_shows_what_is_confirmed_before_anything_changes(taxpayer, pending):
    page = html(taxpayer.get(f"/authorizations/{pending}/confirm?lang=nl"))
    assert "<h1>Controleer en bevestig</h1>" in page
    summary = re.sub(r"\s+", " ", re.search(r'<dl class="summary-list">(.*?)</dl>', page, re.S).group(1))
    for fact in ("Kantoor Punda", "200000009", "IB — Inkomstenbelasting", "01-01-2027 t/m 31-12-2027",
                 "Wacht op bevestiging"):
        assert fact in summary, fact
    assert f'data-api="/api/v1/authorizations/{pending}/confirm"' in page
    assert ">Machtiging bevestigen</button>" in page
    # Only showing the page changes nothing.
    assert body(taxpayer.get(CLIENT))["items"][0]["status"] == "pending"


def test_refusing_a_pending_one_and_revoking_an_active_one(taxpayer, pending):
    refuse = html(taxpayer.get(f"/authorizations/{pending}/reject?lang=en"))
    assert "<h1>Check and refuse</h1>" in refuse and f"/api/v1/authorizations/{pending}/revoke" in refuse
    # Revoking applies to an active authorization only: a pending one is refused instead.
    assert "no longer possible" in html(taxpayer.get(f"/authorizations/{pending}/revoke?lang=en"))
    assert taxpayer.post(f"{CLIENT}/{pending}/confirm").status_code == 204
    revoke = html(taxpayer.get(f"/authorizations/{pending}/revoke?lang=pap"))
    assert "Kontrolá i retirá" in revoke and ">Retirá outorisashon</button>" in revoke
    assert "no longer possible" in html(taxpayer.get(f"/authorizations/{pending}/confirm?lang=en"))


def test_somebody_elses_or_an_unknown_authorization_is_not_found(make_api, full_login, pending, taxpayer):
    stranger = make_api()
    full_login(stranger, "klant.twee", crib="100000010")
    for api, path in ((stranger, f"/authorizations/{pending}/confirm"), (taxpayer, "/authorizations/" + "0" * 32
                      + "/confirm"), (taxpayer, f"/authorizations/{pending}/delete")):
        page = html(api.get(path + "?lang=nl"), status=404)
        assert "Machtiging niet gevonden" in page and "Kantoor Punda" not in page


def test_the_list_announces_what_was_done_with_which_authorization(taxpayer, pending, make_api, full_login):
    assert taxpayer.post(f"{CLIENT}/{pending}/confirm").status_code == 204
    page = html(taxpayer.get(f"/authorizations?done=confirm&id={pending}&lang=nl"))
    panel = re.search(r'<div class="panel" id="client-done" role="status">(.*?)</div>', page, re.S).group(1)
    assert "Machtiging bevestigd" in panel and "Kantoor Punda" in panel and "01-01-2027 t/m 31-12-2027" in panel
    # Unknown outcomes and somebody else's id show nothing.
    assert 'id="client-done"' not in html(taxpayer.get(f"/authorizations?done=hacked&id={pending}"))
    stranger = make_api()
    full_login(stranger, "klant.twee", crib="100000010")
    assert 'id="client-done"' not in html(stranger.get(f"/authorizations?done=confirm&id={pending}"))


def test_no_page_script_asks_with_the_browsers_confirm_dialog():
    for script in STATIC.glob("*.js"):
        assert not re.search(r"\bconfirm\s*\(", script.read_text(encoding="utf-8")), script.name
