"""The shared page layout: language switch on every page (kept in the lang cookie, keeping a page's
other parameters), the logged-in header, the logged-out page's reasons, no caching of pages."""

from __future__ import annotations

import html
import re

import pytest


def links(page_html: str) -> dict[str, str]:
    """The language switch's links by language code."""
    found = re.findall(r'<a href="([^"]+)" lang="([a-z]+)" hreflang', page_html)
    return {code: html.unescape(href) for href, code in found}


def test_every_language_is_offered_and_the_choice_is_kept(api):
    dutch = api.get("/login")
    assert '<html lang="nl">' in dutch.body.decode()
    assert links(dutch.body.decode()) == {"nl": "/login?lang=nl", "en": "/login?lang=en", "pap": "/login?lang=pap"}
    chosen = api.get("/login?lang=pap")
    assert '<html lang="pap">' in chosen.body.decode()
    assert "lang=pap; Path=/" in chosen.headers["Set-Cookie"]
    # The next page, without ?lang=, follows the cookie.
    later = api.get("/logged-out", headers={"Cookie": "lang=pap"})
    assert '<html lang="pap">' in later.body.decode()
    assert "Bo a log out" in later.body.decode()


def test_switching_language_keeps_the_pages_other_parameters(api):
    page_html = api.get("/logged-out?reason=idle&lang=en").body.decode()
    assert links(page_html)["nl"] == "/logged-out?reason=idle&lang=nl"
    assert links(page_html)["pap"] == "/logged-out?reason=idle&lang=pap"


def test_anonymous_pages_have_no_session_machinery(api):
    page_html = api.get("/login").body.decode()
    assert 'id="logout-button"' not in page_html
    assert 'id="session-expiry"' not in page_html
    assert "data-session-watch" not in page_html


def test_logged_in_pages_show_who_is_logged_in_and_the_expiry_warning(api, full_login):
    full_login(api, "jan.jansen")
    response = api.get("/portal")
    page_html = response.body.decode()
    assert response.headers["Cache-Control"] == "no-store"
    assert "Ingelogd als jan.jansen" in page_html
    assert page_html.count('id="logout-button"') == 1
    assert 'data-session-watch="on"' in page_html
    dialog = re.search(r'<dialog id="session-expiry".*?</dialog>', page_html, re.S).group(0)
    assert "Ingelogd blijven" in dialog and "Nu uitloggen" in dialog
    assert "{time}" in dialog  # filled in by the page's script as the minutes run out


@pytest.mark.parametrize(("reason", "expected"), [
    (None, None),
    ("idle", "15 minuten niet actief"),
    ("ended", "Uw sessie is beëindigd"),
    ("<script>", None),
])
def test_logged_out_page_says_why(api, reason, expected):
    path = "/logged-out" + (f"?reason={reason}" if reason else "")
    page_html = api.get(path).body.decode()
    assert "U bent uitgelogd" in page_html
    assert "met de knop Vorige kan niemand uw gegevens meer zien" in page_html
    notices = re.findall(r'<p class="notice">(.*?)</p>', page_html)
    assert (expected in notices[0]) if expected else not notices


def test_texts_for_scripts_come_from_the_catalogue(api):
    page_html = api.get("/login?lang=en").body.decode()
    assert 'data-text-network-error="The portal could not be reached.' in page_html
    assert 'data-text-copied="Copied to the clipboard."' in page_html


def test_static_files_include_the_icon_and_refuse_traversal(api):
    icon = api.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/svg+xml"
    assert api.get("/static/..%2Fpages.py").status_code == 404


@pytest.mark.parametrize("path", ["/login", "/login/totp", "/mfa/activate", "/mfa/backup-codes", "/portal",
                                  "/password/reset?token=x", "/account/activate?token=x", "/logged-out"])
def test_pages_are_never_cached(api, full_login, path):
    """Back and forward load a page anew: never a stored copy with a code typed into it."""
    full_login(api, "jan.jansen")
    assert api.get(path).headers["Cache-Control"] == "no-store"
