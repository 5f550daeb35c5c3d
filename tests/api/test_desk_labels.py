"""The support desk's audit tables in words: actions and outcomes labelled in the visitor's language,
times in Curaçao time (UTC-4), the action filter a list, and its dates days on the island."""

from __future__ import annotations

import re

import pytest

PASSWORD = "Correct-Horse-Battery-9"


@pytest.fixture
def staff(api, full_login, clock_pinned):
    full_login(api, "sam.support", roles=("support",))
    return api


def _page(api, path: str) -> str:
    response = api.get(path)
    assert response.status_code == 200, response.body
    return response.body.decode()


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr>\s*<td><time.*?</tr>", html, re.S)


def test_events_show_words_not_codes(staff, make_api, user_factory):
    user_factory("jan.jansen")
    make_api().post("/api/v1/auth/login", {"username": "jan.jansen", "password": "wrong password!"})
    html = _page(staff, "/support/audit?target=jan.jansen")
    rows = _rows(html)
    assert rows and "Inloggen: wachtwoord" in rows[0] and "Mislukt" in rows[0]
    assert ">login.password<" not in html and ">failure<" not in html
    # 1_800_000_000 is 08:00 UTC: 04:00 on the island, said so.
    assert "15-01-2027 04:00 (UTC-4)" in rows[0] and 'datetime="2027-01-15T08:00:00Z"' in rows[0]
    english = _page(staff, "/support/audit?target=jan.jansen&lang=en")
    assert "Login: password" in _rows(english)[0] and "Failed" in _rows(english)[0]


def test_the_action_filter_is_a_list_of_every_action_in_words(staff, make_api, user_factory):
    from chalicelib.render.labels import ACTIONS

    user_factory("jan.jansen")
    make_api().post("/api/v1/auth/login", {"username": "jan.jansen", "password": "wrong password!"})
    html = _page(staff, "/support/audit?action=login.password")
    select = re.search(r'<select id="audit-action" name="action">(.*?)</select>', html, re.S).group(1)
    values = re.findall(r'<option value="([^"]*)"', select)
    assert values == ["", *ACTIONS]
    assert '<option value="login.password" selected>Inloggen: wachtwoord</option>' in select
    assert all("Inloggen: wachtwoord" in row for row in _rows(html))


def test_filter_dates_are_days_on_the_island(api, full_login, make_api, user_factory, clock_pinned):
    """An event at 02:00 UTC on the 16th happened on the 15th in Curaçao: the 15th finds it, the 16th not."""
    user_factory("jan.jansen")
    clock_pinned.pin(1_800_000_000 + 18 * 3600)  # 16-01-2027 02:00 UTC = 15-01-2027 22:00 UTC-4
    full_login(api, "sam.support", roles=("support",))
    staff = api
    make_api().post("/api/v1/auth/login", {"username": "jan.jansen", "password": "wrong password!"})
    on_the_15th = _page(staff, "/support/audit?target=jan.jansen&action=login.password&from=2027-01-15&to=2027-01-15")
    assert any("15-01-2027 22:00 (UTC-4)" in row for row in _rows(on_the_15th))
    on_the_16th = _page(staff, "/support/audit?target=jan.jansen&action=login.password&from=2027-01-16&to=2027-01-16")
    assert not _rows(on_the_16th)
