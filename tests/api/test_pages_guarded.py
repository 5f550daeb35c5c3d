"""Every page behind a login answers each kind of visitor the same way (api/pages.guarded_page): no
session -> the login page, a half-done login -> its next step, no required role -> the forbidden page.
The cases run over GUARDED_PAGES, so a page added with guarded_page() is covered without naming it."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from app import app as chalice_app
from chalicelib.api.pages import GUARDED_PAGES, PASSWORD_RENEWAL_PAGE, GuardedPage
from chalicelib.roles import Role
from chalicelib.services.sessions import Access

# Pages anyone may open: the login and what leads to it, mailed links, help and the public information
# pages, static files, the local mailbox. Every other page must be a guarded one.
PUBLIC_PAGES = {"/", "/login", "/logged-out", "/static/{name}", "/password/forgot", "/password/reset",
                "/account/activate", "/account/email/verify", "/help", "/dev/mailbox",
                "/ondersteuning", "/inloggen-met-2fa", "/privacy", "/toegankelijkheid",
                # The OpenID Connect provider: reached from a tax application's site (api/oidc.py).
                "/.well-known/openid-configuration", "/oidc/jwks", "/oidc/authorize", "/oidc/authorize/continue",
                "/oidc/logout"}
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _url(page: GuardedPage) -> str:
    return (page.path.replace("{username}", "jan.jansen").replace("{reference}", "SR-AAAA-BBBB")
            .replace("{step}", "3").replace("{import_id}", "b" * 32).replace("{authorization_id}", "a" * 32)
            .replace("{change}", "confirm").replace("{token}", "1.made-up"))


def _returning(location: str, page: GuardedPage) -> str:
    """`location` with the page as the login's return path; the login steps and the portal itself are
    never one (a login ends on the portal anyway)."""
    url = _url(page)
    if url == "/portal" or url.startswith(("/login", "/mfa/activate")):
        return location
    return f"{location}?{urlencode({'next': url})}"


# A page behind a one-time link answers a made-up link with 410 and the page saying so.
GONE_WITHOUT_A_LINK = {"/mfa/backup-codes/sheet/{token}"}


def _partial(api, user_factory, username: str, next_step: str, **account) -> None:
    """A session after the password step only, whose next step is `next_step`."""
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.sessions import Level, new_session

    session, api.cookie = new_session(user_factory(username, **account), Level.PARTIAL, next_step,
                                      RequestContext())
    session.save()


def _lacking(page: GuardedPage) -> list[Role]:
    """Roles that do not open the page (a full session holding them is refused)."""
    return [role for role in Role if role not in (page.roles or ()) and role not in (Role.SUPPORT, Role.ADMIN)]


PAGES = pytest.mark.parametrize("page", GUARDED_PAGES, ids=[page.path for page in GUARDED_PAGES])


def _done_already(page: GuardedPage) -> bool:
    """A step page a full login has nothing to do on: the second step, the new password owed after a
    login with a listed one (tests/api/test_password_renewal.py)."""
    return page.access is Access.TOTP or page.path == PASSWORD_RENEWAL_PAGE


def test_every_page_is_public_or_guarded():
    pages = {path for path, methods in chalice_app.routes.items() if "GET" in methods and not path.startswith("/api/")}
    assert pages - PUBLIC_PAGES == {page.path for page in GUARDED_PAGES}


@PAGES
def test_without_a_session_the_login_page(make_api, page):
    response = make_api().get(_url(page))
    assert response.status_code == 302
    assert response.headers["Location"] == _returning("/login", page)


# After the password step: the account's next step, its page, and the access level that page has.
HALF_LOGGED_IN = pytest.mark.parametrize("next_step, account, step_page, step_access", [
    ("totp", {"totp_secret": TOTP_SECRET}, "/login/totp", Access.TOTP),
    ("enroll", {}, "/mfa/activate", Access.ENROLL),
], ids=["2fa-active", "2fa-not-yet"])


@PAGES
@HALF_LOGGED_IN
def test_after_the_password_the_next_step_page(api, user_factory, page, next_step, account, step_page, step_access):
    _partial(api, user_factory, "piet", next_step, **account)
    response = api.get(_url(page))
    if page.access is step_access:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == _returning(step_page, page)


@PAGES
def test_logged_in_without_the_role_the_forbidden_page(api, full_login, page):
    full_login(api, "karel", roles=tuple(_lacking(page)))
    response = api.get(_url(page))
    if page.roles:
        assert response.status_code == 403
        assert "U heeft geen toegang tot deze functie." in response.body.decode()
    elif _done_already(page):  # the login's second step is done already, no new password is owed
        assert response.status_code == 302
        assert response.headers["Location"] == "/portal"
    else:
        assert response.status_code == (410 if page.path in GONE_WITHOUT_A_LINK else 200)


@PAGES
def test_logged_in_with_the_role_the_page_itself(api, full_login, page):
    roles = sorted(page.roles or {Role.TAXPAYER})[:1]
    full_login(api, "karel", roles=tuple(roles))
    response = api.get(_url(page))
    if _done_already(page):
        assert response.status_code == 302 and response.headers["Location"] == "/portal"
    else:
        # A desk page about an account or request that does not exist says so on the page (404).
        assert response.status_code in ((410,) if page.path in GONE_WITHOUT_A_LINK else (200, 404))
        assert "text/html" in response.headers["Content-Type"] or page.path.endswith(".csv")
        assert "U heeft geen toegang tot deze functie." not in response.body.decode()


def test_a_staff_role_without_2fa_is_forbidden_on_the_desk(api, user_factory):
    from chalicelib.services.audit import RequestContext
    from chalicelib.services.sessions import Level, new_session

    session, api.cookie = new_session(user_factory("helpdesk.nieuw", roles=[Role.SUPPORT]), Level.FULL, "done",
                                      RequestContext())
    session.save()
    assert api.get("/support").status_code == 403
