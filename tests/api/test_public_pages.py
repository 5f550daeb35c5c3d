"""The public pages (support, "Inloggen met 2FA", privacy, accessibility), the authority's header and
footer with the stage's contact details, the 404 and 403 pages, and the fingerprinted static files."""

from __future__ import annotations

import re

import pytest

from chalicelib.i18n import LANGUAGES, t

PUBLIC = ("/ondersteuning", "/inloggen-met-2fa", "/privacy", "/toegankelijkheid", "/help")
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


def html(response) -> str:
    return response.body.decode()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_open_without_login_in_each_language(api, path, lang):
    response = api.get(f"{path}?lang={lang}")
    page = html(response)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert f'<html lang="{lang}">' in page
    assert all(name in response.headers for name in SECURITY_HEADERS)
    assert response.headers["Cache-Control"] == "no-store"
    # No catalogue key left unreplaced anywhere on the page.
    assert not re.findall(r">\s*(?:[a-z_]+\.)+[a-z_0-9]+\s*<", page.replace(">belastingdienst.cw<", "><"))
    assert 'href="/ondersteuning"' in page and 'href="/privacy"' in page and 'href="/toegankelijkheid"' in page


def test_the_header_names_the_authority_and_the_footer_the_klantenservice(api):
    page = html(api.get("/login"))
    brand = re.search(r'<a class="brand".*?</a>', page, re.S).group(0)
    assert "Belastingdienst" in brand and "Curaçao" in brand and "Digitaal Portaal" in brand
    assert 'aria-hidden="true"' in brand  # the emblem is decoration; the words are the name
    footer = re.search(r'<footer class="site-footer">.*?</footer>', page, re.S).group(0)
    assert "Contact met de klantenservice" in footer and "WTC Curaçao, Piscaderweg z/n, Willemstad" in footer
    assert 'href="https://belastingdienst.cw"' in footer and 'href="/help"' in footer
    assert "Sigur di bèrdè bèrdè" in footer and 'lang="pap"' in footer
    assert "<title>Inloggen — Belastingdienst Curaçao</title>" in page or "— Belastingdienst Curaçao</title>" in page
    # Nothing configured, nothing made up: no phone number or e-mail address in the default stage.
    assert "tel:" not in footer and "mailto:" not in footer


def test_the_login_page_leads_to_the_2fa_guide_and_the_support_page(api):
    page = html(api.get("/login"))
    main = re.search(r"<main.*?</main>", page, re.S).group(0)
    assert 'href="/inloggen-met-2fa"' in main and 'href="/ondersteuning"' in main


def test_contact_details_come_from_the_stage(api, monkeypatch):
    from chalicelib.contact import reset_contact

    monkeypatch.setenv("PORTAL_CONTACT_PHONE", "+599 9 000 0000")
    monkeypatch.setenv("PORTAL_CONTACT_EMAIL", "klantenservice@example.cw")
    monkeypatch.setenv("PORTAL_CONTACT_HOURS", "07:30-16:30")
    monkeypatch.setenv("PORTAL_TAX_SERVICES_URL", "https://aangifte.example.cw/")
    reset_contact()
    try:
        page = html(api.get("/ondersteuning?lang=en"))
        assert 'href="tel:+59990000000"' in page and ">+599 9 000 0000<" in page
        assert 'href="mailto:klantenservice@example.cw"' in page
        assert "Monday to Friday, 07:30 to 16:30" in page
    finally:
        reset_contact()


@pytest.mark.parametrize(("name", "value"), [
    ("PORTAL_CONTACT_HOURS", "half past seven"), ("PORTAL_CONTACT_EMAIL", "no address"),
    ("PORTAL_MAIN_SITE_URL", "http://belastingdienst.cw"), ("PORTAL_SUPPORT_RESPONSE_DAYS", "0"),
])
def test_a_bad_contact_setting_is_refused_loudly(monkeypatch, name, value):
    from chalicelib.contact import ContactSettingError, get_contact, reset_contact

    monkeypatch.setenv(name, value)
    reset_contact()
    try:
        with pytest.raises(ContactSettingError, match=name):
            get_contact()
    finally:
        monkeypatch.delenv(name)
        reset_contact()


def test_the_support_page_lists_the_five_services_with_preselected_help(api):
    page = html(api.get("/ondersteuning"))
    assert "<h1>Ondersteuning voor het Digitaal Portaal</h1>" in page
    for title in ("Wachtwoord", "Twee-factor authenticatie (2FA)", "Deblokkeren", "Vertegenwoordigersportaal",
                  "Machtiging registreren"):
        assert f">{title}</h2>" in page, title
    for reason in ("wachtwoord", "2fa-kwijt", "geblokkeerd", "vertegenwoordiger", "machtigingen"):
        assert f'href="/help?reden={reason}"' in page, reason
    assert "Voor verdere vragen of ondersteuning kunt u altijd terecht via onze klantenservice." in page


def test_the_2fa_guide_has_the_whole_text_and_eleven_illustrated_steps(api):
    page = html(api.get("/inloggen-met-2fa"))
    for text in ("Het kan u overkomen!", "Komt 2FA u bekend voor?", "Regelt u uw bankzaken online?",
                 "Time-Based One-Time Password (TOTP)", "Android, iOS", "browsercache en cookies",
                 "pop-ups van belastingdienst.cw", "‘Mijn Aangifte’", "Vergeet niet altijd uit te loggen",
                 "Sigur di bèrdè bèrdè", "cybercriminelen", "De twee-factor authenticatie is nu geactiveerd."):
        assert text in page, text
    for app in ("Google Authenticator", "Microsoft Authenticator", "LastPass Authenticator", "Entrust Identity"):
        assert f">{app}</li>" in page
    assert page.count('<li class="step"') == 11
    assert "Klik op “Activeer uw 2-factor authenticatie”." in page  # the button as the page labels it
    images = re.findall(r'<img src="(/static/guide-step-\d\d\.[0-9a-f]{10}\.png)" alt="([^"]+)"', page)
    assert len(images) == 11 and all(alt.startswith("Schermafbeelding van stap") for _, alt in images)
    picture = api.get(images[0][0], headers={"Accept": "image/avif,image/webp,image/*,*/*;q=0.8"})
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/png"
    assert picture.body[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_help_page_preselects_the_reason_of_the_link(api):
    for reason, kind in (("2fa-kwijt", "reset_2fa"), ("wachtwoord", "password_email"), ("geblokkeerd", "unblock")):
        page = html(api.get(f"/help?reden={reason}"))
        checked = re.findall(r'<input type="radio" id="kind-([a-z_0-9]+)"[^>]*\bchecked\b', page)
        assert checked == [kind], reason
    assert re.findall(r"\bchecked\b", html(api.get("/help?reden=onbekend"))) == []
    forgotten = html(api.get("/help?reden=gebruikersnaam-vergeten"))
    assert re.search(r'<div class="field" id="username-field" hidden>', forgotten)
    assert re.search(r'<div class="conditional" id="identity-fields">', forgotten)


# ---------------------------------------------------------------- 404 and 403


def _gateway_event(path: str, headers: dict[str, str]) -> dict:
    """API Gateway's event for a path no route has, as the deployed catch-all resource hands it on."""
    return {"resource": "/{proxy+}", "path": path, "httpMethod": "GET", "headers": headers,
            "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None, "body": None,
            "isBase64Encoded": False,
            "requestContext": {"resourcePath": "/{proxy+}", "httpMethod": "GET", "path": path,
                               "identity": {"sourceIp": "192.0.2.1"}, "requestId": "r-404"}}


@pytest.mark.parametrize(("lang", "title"), [(lang, t("not_found.title", lang)) for lang in LANGUAGES])
def test_an_unknown_page_is_the_404_page_in_the_visitors_language(aws, lang, title):
    from app import app

    answer = app(_gateway_event("/bestaat/niet", {"Cookie": f"lang={lang}"}), None)
    assert answer["statusCode"] == 404
    assert answer["headers"]["Content-Type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in answer["body"] and f'<html lang="{lang}">' in answer["body"]
    assert "Missing Authentication Token" not in answer["body"]
    assert all(name in answer["headers"] for name in SECURITY_HEADERS)


def test_an_unknown_api_path_keeps_the_json_envelope(aws):
    import json

    from app import app

    answer = app(_gateway_event("/api/v1/bestaat-niet", {"Accept-Language": "en"}), None)
    assert answer["statusCode"] == 404 and answer["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(answer["body"])["error"]["code"] == "not_found"


def test_the_local_gateway_answers_an_unknown_path_with_the_page(aws):
    from chalicelib.api.http import gateway_not_found

    page = gateway_not_found({"Accept-Language": "pap"}, "/nada?lang=en")
    assert page["statusCode"] == 404 and "<h1>Page not found</h1>" in page["body"]
    api = gateway_not_found({}, "/api/v1/nada")
    assert api["statusCode"] == 404 and '"code": "not_found"' in api["body"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_forbidden_page_explains_and_offers_help(api, full_login, lang):
    full_login(api, "karel", roles=("taxpayer",))
    response = api.get(f"/support?lang={lang}")
    page = html(response)
    assert response.status_code == 403
    assert f"<h1>{t('forbidden.title', lang)}</h1>" in page and t("forbidden.text", lang) in page
    assert 'href="/help?reden=anders"' in page


# ---------------------------------------------------------------- fingerprinted static files


def test_pages_name_static_files_by_their_content_and_those_are_immutable(api):
    page = html(api.get("/login"))
    stylesheet = re.search(r'href="(/static/portal\.([0-9a-f]{10})\.css)"', page)
    assert stylesheet, "the stylesheet is not fingerprinted"
    served = api.get(stylesheet.group(1))
    assert served.status_code == 200
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Content-Security-Policy" in served.headers
    plain = api.get("/static/portal.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "public, max-age=300"
    assert api.get("/static/portal.0000000000.css").status_code == 404


def test_a_changed_file_gets_a_new_name_and_the_old_name_is_not_served(api, tmp_path, monkeypatch):
    from chalicelib.render import assets

    monkeypatch.setattr(assets, "STATIC", tmp_path)
    assets.clear()
    (tmp_path / "portal.css").write_text("body { color: black; }\n", encoding="utf-8")
    first = assets.asset("portal.css")
    assert api.get(first).status_code == 200
    (tmp_path / "portal.css").write_text("body { color: navy; }\n", encoding="utf-8")
    assets.clear()
    second = assets.asset("portal.css")
    assert second != first
    assert api.get(second).body == b"body { color: navy; }\n"
    assert api.get(first).status_code == 404  # the old name never serves the new content
    assets.clear()


def test_pictures_are_binary_for_api_gateway_whatever_image_type_a_browser_asks_first():
    from app import app

    assert "image/png" in app.api.binary_types and "image/*" in app.api.binary_types
    assert "text/html" not in app.api.binary_types and "image/svg+xml" not in app.api.binary_types


def test_the_local_stages_gateway_serves_the_404_page_for_an_unknown_page(client):
    import infra.chalice_local  # noqa: F401 - the local stage's gateway, as `make run` serves it

    response = client.http.get("/deze/pagina/bestaat-niet?lang=pap", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")
    assert f"<h1>{t('not_found.title', 'pap')}</h1>" in response.body.decode()
    assert response.headers["Set-Cookie"].startswith("lang=pap;")
    assert all(name in response.headers for name in SECURITY_HEADERS)
