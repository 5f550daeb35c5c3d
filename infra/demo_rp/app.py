"""Mijn Aangifte: a small tax application that logs in through the portal's OpenID Connect provider.

All protocol work is Authlib's Flask client: discovery, the authorization code flow with PKCE (S256),
state and nonce, the token request, the ID token's validation (signature against the JWKS, iss, aud,
exp, iat, nonce, at_hash) and RP-initiated logout. The back-channel logout token is checked in
logout_token.py with joserfc, the JOSE library under Authlib.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, abort, g, jsonify, redirect, render_template, request, session
from joserfc.errors import JoseError

from infra.demo_rp import logout_token
from infra.demo_rp.logins import ENDED_BY_PORTAL, Login, Logins
from infra.demo_rp.texts import LANGUAGES, TEXTS, pick_language

log = logging.getLogger("demo_rp")

HERE = Path(__file__).resolve().parent
LANGUAGE_COOKIE = "mijn_aangifte_lang"
# Cookies are per host, not per port: locally the portal (another port on 127.0.0.1) sees these too,
# so every name here is the demo's own.
SESSION_COOKIE = "mijn_aangifte_session"
CLOCK_LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class Settings:
    issuer: str  # the portal's origin, e.g. http://127.0.0.1:8000
    client_id: str
    client_secret: str | None
    public_url: str  # this application's own origin, e.g. http://127.0.0.1:8001
    scope: str = "openid profile email crib representation"
    token_endpoint_auth_method: str = "client_secret_basic"  # noqa: S105 - a method name, not a secret
    secure_cookies: bool = False

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url}/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.public_url}/logged-out"

    @property
    def backchannel_logout_uri(self) -> str:
        return f"{self.public_url}/backchannel-logout"


def create_app(settings: Settings) -> Flask:
    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.secret_key = secrets.token_bytes(32)
    app.config.update(SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=settings.secure_cookies)
    logins = Logins()
    app.extensions["logins"] = logins
    client_kwargs = {"scope": settings.scope, "code_challenge_method": "S256",
                     "token_endpoint_auth_method": settings.token_endpoint_auth_method, "timeout": 10}
    oauth = OAuth(app)
    portal = oauth.register(
        "portal", client_id=settings.client_id, client_secret=settings.client_secret,
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration", client_kwargs=client_kwargs)

    def metadata() -> dict:
        found = portal.load_server_metadata()
        # Discovery must describe the issuer we were configured for (OpenID Connect Discovery 4.3).
        if found.get("issuer") != settings.issuer:
            raise OAuthError(error="issuer_mismatch", description=f"discovery names {found.get('issuer')!r}")
        return found

    @app.before_request
    def choose_language() -> None:
        g.lang = pick_language(request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE),
                               request.headers.get("Accept-Language"))

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'self'; img-src 'self'; "
                                                       "form-action 'self' " + settings.issuer
                                                       + "; frame-ancestors 'none'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        # The callback's URL holds the authorization code: never in a Referer header.
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.args.get("lang") in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, request.args["lang"], max_age=31536000, samesite="Lax",
                                secure=settings.secure_cookies)
        return response

    @app.context_processor
    def texts() -> dict:
        catalogue = TEXTS[g.lang]
        others = {name: value for name, value in request.args.items() if name == "reason"}
        links = {code: "?" + "&".join([*(f"{k}={v}" for k, v in others.items()), f"lang={code}"])
                 for code in LANGUAGES}
        return {"t": catalogue.__getitem__, "lang": g.lang, "languages": LANGUAGES, "language_links": links,
                "tax_type": lambda code: catalogue.get(f"tax.{code}", code)}

    def current_login() -> Login | None:
        return logins.get(session.get("login_id"))

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        return session["csrf"]

    def error_page(key: str, status: int) -> tuple[str, int]:
        return render_template("error.html", message_key=key), status

    @app.get("/")
    def home() -> Any:
        login = current_login()
        if login is None:
            ended = logins.ended_reason(session.get("login_id"))
            return render_template("home.html", ended_by_portal=ended == ENDED_BY_PORTAL)
        return render_template("logged_in.html", csrf=csrf_token(), **describe(login))

    @app.get("/login")
    def start_login() -> Any:
        try:
            metadata()
            return portal.authorize_redirect(settings.redirect_uri, ui_locales=g.lang)
        except (requests.RequestException, OAuthError, ValueError):
            log.warning("discovery failed", exc_info=True)
            return error_page("error.unavailable", 503)

    @app.get("/callback")
    def callback() -> Any:
        if request.args.get("error") == "access_denied":
            return error_page("error.cancelled", 400)
        try:
            issuer = metadata()["issuer"]
            token = portal.authorize_access_token(
                claims_options={"iss": {"essential": True, "values": [issuer]}, "sub": {"essential": True},
                                "auth_time": {"essential": True}},
                leeway=CLOCK_LEEWAY_SECONDS)
            claims = token.get("userinfo")
            if not claims:  # an answer without a (validated) ID token is not a login
                raise OAuthError(error="missing_id_token")
            userinfo = dict(portal.userinfo(token=token))
            if userinfo.get("sub") != claims["sub"]:  # OpenID Connect Core 5.3.2
                raise OAuthError(error="userinfo_sub_mismatch")
        except requests.RequestException:
            log.warning("the portal could not be reached", exc_info=True)
            return error_page("error.unavailable", 503)
        except (OAuthError, JoseError, KeyError, ValueError):
            log.warning("login refused", exc_info=True)
            return error_page("error.login", 400)
        session.clear()  # a fresh cookie session for the login (no fixation of the earlier one)
        session["login_id"] = logins.start(Login(claims=dict(claims), userinfo=userinfo, id_token=token["id_token"]))
        return redirect("/")

    @app.post("/logout")
    def logout() -> Any:
        sent = request.form.get("csrf", "")
        if not hmac.compare_digest(sent.encode(), session.get("csrf", "").encode()) or not sent:
            abort(400)
        login_id = session.get("login_id")
        login = current_login()
        session.clear()
        if login is None:
            return redirect("/")
        logins.end(login_id)
        return portal.logout_redirect(post_logout_redirect_uri=settings.post_logout_redirect_uri,
                                      id_token_hint=login.id_token, client_id=settings.client_id,
                                      ui_locales=g.lang)

    @app.get("/logged-out")
    def logged_out() -> Any:
        try:
            portal.validate_logout_response()
        except OAuthError:
            return redirect("/")
        return render_template("logged_out.html")

    @app.post("/backchannel-logout")
    def backchannel_logout() -> Any:
        token = request.form.get("logout_token")
        if not token:
            return jsonify(error="invalid_request", error_description="logout_token missing"), 400
        try:
            found = metadata()
            asked = logout_token.validate(
                token, lambda force: portal.fetch_jwk_set(force=force), found["issuer"], settings.client_id,
                found.get("id_token_signing_alg_values_supported") or ["RS256"], lambda: int(time.time()))
        except logout_token.InvalidLogoutToken as refused:
            log.warning("logout token refused: %s", refused)
            return jsonify(error="invalid_request", error_description=str(refused)), 400
        if not logins.use_token(asked.jti, asked.expires_at):
            return jsonify(error="invalid_request", error_description="logout token used before"), 400
        ended = logins.end_matching(asked.sub, asked.sid)
        log.info("back-channel logout: %d session(s) ended", ended)
        return Response(status=200, headers={"Cache-Control": "no-store"})

    return app


def describe(login: Login) -> dict:
    """What the logged-in page shows: the person, the login's assurance and, for an adviser, the client
    acted for (the token's subject, with the portal's `representation` claim: CRIB and authorizations)
    and the adviser acting (RFC 8693 `act`)."""
    claims = {**login.userinfo, **login.claims}
    act = claims.get("act") if isinstance(claims.get("act"), dict) else None
    representation = claims.get("representation") if isinstance(claims.get("representation"), dict) else {}
    auth_time = claims.get("auth_time")
    when = datetime.fromtimestamp(int(auth_time), UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if auth_time else None
    amr = claims.get("amr")
    return {
        "person": {"name": claims.get("name"), "sub": claims.get("sub"), "crib": claims.get("crib"),
                   "email": claims.get("email")},
        "assurance": {"acr": claims.get("acr"), "amr": ", ".join(amr) if isinstance(amr, list) else amr,
                      "auth_time": when},
        "act": act,
        "client": {"sub": claims.get("sub"), "crib": representation.get("client_crib")} if act else None,
        "authorized": authorized_items(representation),
    }


def authorized_items(representation: dict) -> list[dict]:
    """The tax types and periods the adviser is authorized for, as the representation claim lists them."""
    found = representation.get("authorizations")
    items = []
    for item in found if isinstance(found, list) else []:
        if isinstance(item, dict) and isinstance(item.get("tax_type"), str):
            items.append({"tax_type": item["tax_type"], "start_date": item.get("start_date"),
                          "end_date": item.get("end_date")})
    return items
