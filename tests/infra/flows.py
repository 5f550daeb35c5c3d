"""The portal's main flows driven through the API in-process, remembering every secret they used
(passwords, TOTP secrets and codes, backup codes, mail-link tokens, session cookies, presigned-URL
signatures, CRIB numbers), then every documented operation called with secret-bearing input as a
visitor, a taxpayer, a representative and a support-desk member.

The log-secrets test scans the logs of a run for those secrets; the least-privilege test checks that
every AWS call of a run is allowed by the deployment template's policy. Steps whose route does not
exist (yet) are left out, so the driver follows the API as it grows.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

from app import app as chalice_app
from chalicelib.api.openapi import document
from tests.api.conftest import body
from tests.api.two_factor import PASSWORD, code, enroll, password_step

API = "/api/v1"


def crib() -> str:
    return str(secrets.randbelow(800_000_000) + 100_000_000)


def backup_code_like() -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


@dataclass
class Secrets:
    values: set[str] = field(default_factory=set)

    def add(self, *values: str | None) -> None:
        for value in values:
            if value and len(value) >= 6:
                self.values.add(value)
                if re.fullmatch(r"[0-9A-Za-z]{4}(-[0-9A-Za-z]{4}){3}", value):
                    self.values.add(value.replace("-", "").upper())  # as the service normalizes it

    def found_in(self, text: str) -> list[str]:
        return sorted(value for value in self.values if value in text)


class Flows:
    """Runs the flows against the `api`-style clients of tests/api/conftest.py."""

    def __init__(self, make_api, user_factory, full_login) -> None:  # type: ignore[no-untyped-def]
        self.make_api = make_api
        self.user_factory = user_factory
        self.full_login = full_login
        self.secrets = Secrets()
        self.routes = {(path, method.upper()) for path, methods in chalice_app.routes.items() for method in methods}
        self.citizen = "jan.logtest"
        self.citizen_crib = crib()
        self.unused_backup_codes: list[str] = []  # the citizen's, once 2FA is active

    def has(self, method: str, path: str) -> bool:
        return (path, method) in self.routes

    def call(self, api, method: str, path: str, payload: dict | None = None, route: str | None = None):  # type: ignore[no-untyped-def]
        """One request, if its route exists; remembers the session cookie it leaves."""
        if not self.has(method, route or path):
            return None
        if method == "GET":
            response = api.get(path)
        elif method == "DELETE":
            response = api.delete(path)
        else:
            response = api.post(path, payload or {})
        self.secrets.add(api.cookie)
        return response

    # ------------------------------------------------------------ main flows

    def run(self) -> None:
        self.secrets.add(PASSWORD, self.citizen_crib)
        self.user_factory(self.citizen, crib=self.citizen_crib, email="jan.logtest@example.org")
        citizen = self.make_api()
        wrong = f"Wrong-{secrets.token_hex(6)}"
        self.secrets.add(wrong)
        self.call(citizen, "POST", f"{API}/auth/login", {"username": self.citizen, "password": wrong})
        assert password_step(citizen, self.citizen).status_code == 200
        self.secrets.add(citizen.cookie)
        if self.has("POST", f"{API}/mfa/enrollment"):
            self.second_factor(citizen)
        self.account(citizen)
        self.support_desk()
        self.representative()
        self.sweep()

    def second_factor(self, citizen) -> None:  # type: ignore[no-untyped-def]
        enrolled = enroll(citizen, self.citizen)
        self.secrets.add(enrolled.secret, *enrolled.codes, citizen.cookie)
        self.unused_backup_codes = enrolled.codes[1:]  # the first one logs in below
        link = parse_qs(urlsplit(enrolled.pdf_link).query)
        self.secrets.add(*link.get("X-Amz-Signature", []), *link.get("X-Amz-Security-Token", []))
        for attempt in ("totp", "backup-code"):
            self.call(citizen, "POST", f"{API}/auth/logout")
            password_step(citizen, self.citizen)
            self.secrets.add(citizen.cookie)
            if attempt == "totp":
                wrong_code = code(enrolled.secret, offset_steps=7)
                self.secrets.add(wrong_code, code(enrolled.secret))
                self.call(citizen, "POST", f"{API}/auth/totp", {"code": wrong_code})
                self.call(citizen, "POST", f"{API}/auth/totp", {"code": code(enrolled.secret)})
            else:
                self.call(citizen, "POST", f"{API}/auth/backup-code", {"code": enrolled.codes[0].lower()})
        self.call(citizen, "POST", f"{API}/mfa/backup-codes/pdf")

    def second_factor_code(self) -> dict:
        """What sensitive changes ask besides the password once 2FA is active: a backup code (used up)."""
        return {"code": self.unused_backup_codes.pop(0)} if self.unused_backup_codes else {}

    def account(self, citizen) -> None:  # type: ignore[no-untyped-def]
        from tests.api.sent_mail import last_to, link_token, sent_to

        for path in ("/me", "/account/sessions", "/authorizations", "/session"):
            self.call(citizen, "GET", f"{API}{path}")
        new_password = f"Nieuw-Wachtwoord-{secrets.token_hex(4)}"
        self.secrets.add(new_password)
        self.call(citizen, "POST", f"{API}/account/password",
                  {"current_password": PASSWORD, "new_password": new_password, **self.second_factor_code()})
        new_email = "jan.nieuw@example.org"
        if self.call(citizen, "POST", f"{API}/account/email",
                     {"password": new_password, "new_email": new_email, **self.second_factor_code()}):
            _, token = link_token(last_to(new_email))
            self.secrets.add(token)
            self.call(citizen, "POST", f"{API}/account/email/verify", {"token": token})
        visitor = self.make_api()
        if self.call(visitor, "POST", f"{API}/auth/password-reset", {"username": self.citizen}):
            messages = [message for message in sent_to(new_email) if "#token=" in message.body]
            if messages:
                _, token = link_token(messages[-1])
                reset_password = f"Reset-Wachtwoord-{secrets.token_hex(4)}"
                self.secrets.add(token, reset_password)
                self.call(visitor, "POST", f"{API}/auth/password-reset/complete",
                          {"token": token, "new_password": reset_password})
        self.call(visitor, "POST", f"{API}/support-requests", {
            "username": self.citizen, "email": "jan.logtest@example.org", "kind": "unblock",
            "message": f"Mijn CRIB is {self.citizen_crib}, ik kan niet inloggen"})
        self.not_me()

    def not_me(self) -> None:
        """The owner's activity, and "Dit was ik niet" on one of its events (last: it ends the sessions)."""
        owner = self.make_api()
        self.full_login(owner, self.citizen)
        self.secrets.add(owner.cookie)
        listed = self.call(owner, "GET", f"{API}/account/activity")
        if listed is None:
            return
        event = body(listed)["items"][0]["id"]
        self.call(owner, "GET", f"/account/activity?cursor={body(listed)['cursor'] or ''}",
                  route="/account/activity")
        self.call(owner, "GET", f"/account/activity/not-me?event={quote(event)}", route="/account/activity/not-me")
        reported = self.call(owner, "POST", f"{API}/account/activity/not-me", {"events": [event]})
        assert reported is not None and reported.status_code == 200, reported

    def support_desk(self) -> None:
        staff = self.make_api()
        self.full_login(staff, "sam.logtest", roles=("support",))
        self.secrets.add(staff.cookie)
        admin = f"{API}/admin"
        self.call(staff, "GET", f"{admin}/users?q={self.citizen_crib}", route=f"{admin}/users")
        self.call(staff, "GET", f"{admin}/users/{self.citizen}", route=f"{admin}/users/{{username}}")
        reason = f"Beller geïdentificeerd, CRIB {self.citizen_crib}"
        for action in ("unblock", "reset-2fa"):
            self.call(staff, "POST", f"{admin}/users/{self.citizen}/{action}",
                      {"reason": reason, "identity_checks": ["id_document_in_person"]},
                      route=f"{admin}/users/{{username}}/{action}")
        new_crib, firm_crib = crib(), crib()
        self.secrets.add(new_crib, firm_crib)
        self.call(staff, "POST", f"{admin}/users", {"username": "nieuwe.klant", "email": "nieuw@example.org",
                                                     "crib": new_crib, "roles": ["taxpayer"], "reason": reason})
        self.call(staff, "POST", f"{admin}/representatives", {"username": "kantoor.logtest", "firm_name": "Kantoor BV",
                                                              "crib": firm_crib, "email": "kantoor@example.org",
                                                              "reason": reason})
        # An admin moves the new account to another CRIB (the old reservation is released) and back.
        manager = self.make_api()
        self.full_login(manager, "ada.logtest", roles=("admin",))
        self.secrets.add(manager.cookie)
        moved_crib = crib()
        self.secrets.add(moved_crib)
        for number in (moved_crib, new_crib):
            self.call(manager, "POST", f"{admin}/users/nieuwe.klant/crib", {"crib": number, "reason": reason},
                      route=f"{admin}/users/{{username}}/crib")
        # Four eyes: the representative's 2FA reset waits until the admin approves it.
        requested = self.call(staff, "POST", f"{admin}/users/kantoor.logtest/reset-2fa",
                              {"reason": reason, "identity_checks": ["callback_registered_phone"]},
                              route=f"{admin}/users/{{username}}/reset-2fa")
        self.call(manager, "GET", f"{admin}/approvals")
        assert requested is not None and requested.status_code == 202, requested and requested.body
        approval = json.loads(requested.body)["approval"]["id"]
        self.call(manager, "POST", f"{admin}/approvals/{approval}/approve", {"reason": reason},
                  route=f"{admin}/approvals/{{approval_id}}/approve")
        self.call(staff, "GET", f"{admin}/audit?target={self.citizen}", route=f"{admin}/audit")
        self.call(staff, "GET", f"{admin}/support-requests")

    def representative(self) -> None:
        firm = self.make_api()
        firm_crib = crib()
        self.secrets.add(firm_crib)
        self.full_login(firm, "adviseur.logtest", roles=("representative",), crib=firm_crib, firm_name="Advies BV")
        self.secrets.add(firm.cookie)
        rep = f"{API}/representative"
        created = self.call(firm, "POST", f"{rep}/authorizations", {
            "client_crib": self.citizen_crib, "tax_type": "IB", "start_date": "2026-01-01"})
        self.call(firm, "GET", f"{rep}/authorizations")
        for dry_run in (True, False):
            imported = self.call(firm, "POST", f"{rep}/imports", {"dry_run": dry_run})
            if imported is not None and imported.status_code == 201:
                started = body(imported)
                fields = started["upload"]["fields"]
                self.secrets.add(*(str(value) for name, value in fields.items() if "signature" in name.lower()
                                   or "policy" in name.lower() or "token" in name.lower()))
                self.bulk_import(firm, started)
        client = self.make_api()
        # The client is the citizen's own account: a CRIB binds to one account. The desk reset its 2FA
        # above; a client's authorization pages need it active again (as after a new enrollment).
        from chalicelib.storage.users import User

        User(self.citizen).update(actions=[User.mfa_enabled.set(True)])
        self.full_login(client, self.citizen)
        self.secrets.add(client.cookie)
        if created is not None and created.status_code == 201:
            authorization = body(created).get("id") or body(created).get("authorization_id")
            for action in ("confirm", "revoke"):
                self.call(client, "POST", f"{API}/authorizations/{authorization}/{action}",
                          route=f"{API}/authorizations/{{authorization_id}}/{action}")
                if action == "confirm":
                    self.tax_application(firm, for_client=self.citizen_crib)
            self.logout_runner()  # the revocation ended the adviser's client login: its logout goes out
        self.tax_application(self.make_api(), login=self.citizen)

    # ------------------------------------------------------------ OpenID Connect

    def tax_application(self, api, for_client: str | None = None, login: str | None = None) -> None:  # type: ignore[no-untyped-def]
        """A login to a tax application (the code flow with PKCE), for a client when an adviser chooses
        one; the tokens, userinfo, a refresh, and for the citizen's own login the RP-initiated logout."""
        from urllib.parse import urlencode

        from tests.api.oidc_flow import (
            SECRET,
            Browser,
            authorize_params,
            exchange,
            pkce,
            redirect_params,
            refresh,
            register,
        )

        if not self.has("GET", "/oidc/authorize"):
            return
        from chalicelib.storage.oidc import get_client

        if get_client("mijn-aangifte") is None:
            register()
        self.secrets.add(SECRET)
        if login is not None:
            self.full_login(api, login)
            self.secrets.add(api.cookie)
        browser = Browser(api)
        verifier, challenge = pkce()
        self.secrets.add(verifier)
        browser.get("/oidc/authorize?" + urlencode(authorize_params(challenge, scope="openid email crib")))
        answer = browser.get("/oidc/authorize/continue")
        if for_client is not None:
            assert answer.headers["Location"] == "/oidc/represent", answer.headers
            browser.get("/oidc/represent")
            cookie = f"portal_session={api.cookie}; oidc_pending={browser.pending}"
            chosen = api.post(f"{API}/oidc/representation", {"client_crib": for_client}, headers={"Cookie": cookie})
            assert chosen.status_code == 200, chosen.body
            browser.pending = chosen.headers["Set-Cookie"].split(";")[0].partition("=")[2]
            answer = browser.get("/oidc/authorize/continue")
        self.secrets.add(browser.pending)
        code_value = redirect_params(answer)["code"]
        self.secrets.add(code_value)
        tokens = body(exchange(api.client, code_value, verifier))
        self.secrets.add(tokens["access_token"], tokens["id_token"], tokens["refresh_token"])
        api.client.http.get(f"{API}/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        renewed = body(refresh(api.client, tokens["refresh_token"]))
        self.secrets.add(renewed["access_token"], renewed.get("id_token"), renewed["refresh_token"])
        self.logout_runner()
        if for_client is None:
            api.client.http.get("/oidc/logout?" + urlencode({
                "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://aangifte.example/bye"}))
            self.logout_runner()

    @staticmethod
    def logout_runner() -> None:
        """One pass of the back-channel logout runner (the scheduled function), delivering to nobody."""
        from chalicelib.services import oidc_logout

        post = oidc_logout.post_logout_token
        oidc_logout.post_logout_token = lambda uri, token: True
        try:
            oidc_logout.run()
        finally:
            oidc_logout.post_logout_token = post

    def bulk_import(self, firm, started: dict) -> None:  # type: ignore[no-untyped-def]
        """Upload a small file as the browser does and let the processing function run on its S3 event
        (the import function's own AWS calls are part of what the policy must allow)."""
        import requests

        from infra.local_authorizations import deliver_once

        content = (f"client_crib,tax_type,start_date,end_date\n{self.citizen_crib},WB,2027-01-01,\n"
                   f"12345,XX,2027-13-01,\n").encode()
        form = started["upload"]
        response = requests.post(form["url"], data=form["fields"], files={"file": ("import.csv", content)},
                                 timeout=30)
        assert response.status_code in (200, 201, 204), response.text
        assert deliver_once() == 1
        job = self.call(firm, "GET", f"{API}/representative/imports/{started['import_id']}",
                        route=f"{API}/representative/imports/{{import_id}}")
        assert job is not None and body(job)["status"] == "done", job and job.body

    # ------------------------------------------------------------ every documented operation

    def sweep(self) -> None:
        """Every documented operation, with secrets in every field, path parameter and query."""
        password, number, backup = f"Geheim-{secrets.token_hex(6)}", crib(), backup_code_like()
        totp_code = f"{secrets.randbelow(900_000) + 100_000}"
        token = secrets.token_urlsafe(32)
        self.secrets.add(password, number, totp_code, backup, token)
        identities = [self.make_api()]
        for name, roles in (("burger.sweep", ("taxpayer",)), ("balie.sweep", ("support",)),
                            ("kantoor.sweep", ("representative",))):
            identity = self.make_api()
            self.full_login(identity, name, roles=roles, crib=crib())
            self.secrets.add(identity.cookie)
            identities.append(identity)
        spec = document()
        for path, operations in spec["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", number, path)
            for method, operation in operations.items():
                payload = self._payload(spec, operation, password, number, totp_code, backup, token)
                target = f"{concrete}?q={number}&target={number}&cursor={token}" if method == "get" else concrete
                for identity in identities:
                    self.call(identity, method.upper(), target, payload, route=path)

    @staticmethod
    def _payload(spec: dict, operation: dict, password: str, number: str, totp_code: str, backup: str,
                 token: str) -> dict:
        request_body = operation.get("requestBody") or {}
        if "$ref" in request_body:
            request_body = spec["components"]["requestBodies"][request_body["$ref"].rsplit("/", 1)[1]]
        schema = request_body.get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        payload: dict = {}
        for name, prop in (schema.get("properties") or {}).items():
            kind = prop.get("type")
            if prop.get("enum"):
                payload[name] = prop["enum"][0]
            elif kind == "boolean":
                payload[name] = False
            elif kind == "integer":
                payload[name] = 1
            elif kind == "array":
                payload[name] = [number]
            elif "password" in name:
                payload[name] = password
            elif name == "code":
                payload[name] = totp_code if "totp" in str(operation.get("summary", "")).lower() else backup
            elif "token" in name:
                payload[name] = token
            else:
                payload[name] = f"{name} {number}"
        return payload
