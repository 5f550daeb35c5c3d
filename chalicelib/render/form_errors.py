"""The words a form shows for each error the API can give it (the error summary and the message at
each field, templates/error_summary.html and static/form_errors.js).

The API reports refusals by field and code (`errors: [{field, code}]`, docs/api.md "Conventions"); the
page turns each pair into a sentence that tells the person what to do ("Vul uw gebruikersnaam in"),
never a field name or a code. Which pairs a form can get is derived, not listed by hand: the body spec
of the route the form posts to gives `missing`/`invalid` for each of its fields (api/bodies.py), and
the form's spec below adds the refusals its service gives for a field or for the form as a whole.

A pair's text is the first catalogue key that exists of:
`form_errors.<form>.<field>.<code>`, `form_errors.field.<field>.<code>`, and for a service's refusal
`error.<code>` (the API's own sentence, which names no field). A refusal without a field uses
`form_errors.<form>._.<code>`, then `error.<code>`. tests/unit/test_form_errors.py checks that every
pair of every form has its own text in every language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from chalicelib.api.bodies import EMPTY, INVALID, MISSING, Body
from chalicelib.errors import ErrorCode
from chalicelib.i18n import catalogue

# A service's refusal has the API's own sentence to fall back on; the body check's `missing`/`invalid`
# and the page's own checks need words for the field.
_SERVICE_CODES = frozenset(code.value for code in ErrorCode) - {"invalid_request"}

# The refusal without a field a form gets from the service behind it, and where the page puts it.
FORM_LEVEL = "_"
# Refusals any form can get: trouble on our side (any other refusal without a field shows the API's sentence).
COMMON = ("service_unavailable", "internal_error")
LOCKOUT = ("account_locked", "account_blocked")
# A password check counted on the lockout, and the second factor re-asked with it.
# The code is required once 2FA is active: the page names it missing with the body check's refusals.
REAUTH = {"password": ("invalid_credentials",), "code": ("invalid_code", MISSING)}
# Why a new password is refused (services give it as the refusal's `reason`).
PASSWORD_REASONS = ("password.too_short", "password.too_long", "password.common", "password.contains_identity",
                    "password.context")
# Which part of a date is wrong (api/date_parts.py), and why the desk's own checks refuse.
DATE_REASONS = tuple(f"import_flow.date.{name}.{problem}" for name in ("start_date", "end_date")
                     for problem in ("day", "month", "year", "missing", "incomplete", "not_a_date"))
APPROVAL_REASONS = ("desk.approval.own_request", "desk.approval.decided")
CLIENT_REASONS = tuple(f"oidc_clients.invalid.{what}" for what in ("redirect_uris", "uri", "jwks", "name", "scopes"))
# The identity checks a desk action states (services/identity_checks.py).
IDENTITY_REASONS = ("desk.identity.unknown", "desk.identity.required", "desk.identity.note_too_long",
                    "desk.identity.note_required", "desk.identity.evidence_required")


@dataclass(frozen=True)
class FormSpec:
    """One form: the API route it posts to, the refusals its service gives per field (`fields`) and
    without a field (`form`), the field a refusal without a field belongs to (`target`: the form's
    only field when None), and fields only the page's own script checks (`page_checks`)."""

    api: str
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    form: tuple[str, ...] = ()
    target: str | None = None
    page_checks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()


_NEW_PASSWORD = {"new_password": ("weak_password",)}
_REPEAT = {"new_password_repeat": ("mismatch", MISSING)}

FORMS: dict[str, FormSpec] = {
    "login": FormSpec("/api/v1/auth/login", {"username": (INVALID,)},
                      ("invalid_credentials", "too_many_requests", *LOCKOUT), target="password"),
    "totp": FormSpec("/api/v1/auth/totp", form=("invalid_code", *LOCKOUT)),
    "backup_code": FormSpec("/api/v1/auth/backup-code", form=("invalid_code", *LOCKOUT)),
    "passkey_login": FormSpec("/api/v1/auth/passkey", form=("passkey_refused", "not_found", *LOCKOUT)),
    "forgot_password": FormSpec("/api/v1/auth/password-reset", {"username": (INVALID,)}),
    "set_password": FormSpec("/api/v1/auth/password-reset/complete", {"token": ("invalid_token",), **_NEW_PASSWORD},
                             page_checks=_REPEAT, reasons=PASSWORD_REASONS, target="new_password"),
    "change_password": FormSpec("/api/v1/account/password",
                                {"current_password": ("invalid_credentials",), **_NEW_PASSWORD, **REAUTH},
                                LOCKOUT, page_checks=_REPEAT, reasons=PASSWORD_REASONS),
    # Right after a login with a password listed as breached since: the same route, no second factor asked.
    "password_renewal": FormSpec("/api/v1/account/password",
                                 {"current_password": ("invalid_credentials",), **_NEW_PASSWORD},
                                 LOCKOUT, page_checks=_REPEAT, reasons=PASSWORD_REASONS),
    "language": FormSpec("/api/v1/account/language", {"language": (INVALID,)}),
    "change_email": FormSpec("/api/v1/account/email",
                             {**REAUTH, "new_email": ("invalid_email", "email_taken")}, LOCKOUT),
    "verify_email": FormSpec("/api/v1/account/email/verify", {"token": ("invalid_token", "email_taken")}),
    "passkey_add": FormSpec("/api/v1/account/passkeys", {"password": REAUTH["password"], "code": REAUTH["code"]},
                            ("passkey_limit", "passkey_refused", *LOCKOUT), target="name",
                            page_checks={"password": (MISSING,)}),
    "passkey_rename": FormSpec("/api/v1/account/passkeys/{credential_id}/name", form=("not_found",)),
    "passkey_remove": FormSpec("/api/v1/account/passkeys/{credential_id}/remove", REAUTH,
                               ("last_second_factor", "not_found", *LOCKOUT), target="password"),
    "enrollment": FormSpec("/api/v1/mfa/enrollment", REAUTH, LOCKOUT, target="password"),
    "enrollment_confirm": FormSpec("/api/v1/mfa/enrollment/confirm",
                                   form=("invalid_code", "enrollment_expired", *LOCKOUT)),
    "enrollment_activate": FormSpec("/api/v1/mfa/enrollment/activate", form=("not_confirmed", "enrollment_expired")),
    "backup_codes_new": FormSpec("/api/v1/mfa/backup-codes", REAUTH, LOCKOUT),
    "backup_codes_open": FormSpec("/api/v1/mfa/backup-codes/pdf", form=("already_downloaded",)),
    # Without a username, the name and a CRIB or phone number: one sentence says what identifies the person.
    "help": FormSpec("/api/v1/support-requests", {"kind": (INVALID,), "message": (INVALID,)},
                     reasons=("helpform.error.identity",)),
    "authorization_single": FormSpec("/api/v1/representative/authorizations",
                                     {"client_crib": (INVALID,), "tax_type": (INVALID,), "start_date": (INVALID,),
                                      "end_date": (INVALID,)},
                                     ("authorization_exists", "conflict"), target="client_crib", reasons=DATE_REASONS),
    "authorization_confirm": FormSpec("/api/v1/authorizations/{authorization_id}/confirm",
                                      form=("not_found", "invalid_authorization_state")),
    "authorization_revoke": FormSpec("/api/v1/authorizations/{authorization_id}/revoke",
                                     form=("not_found", "invalid_authorization_state")),
    "authorization_import": FormSpec("/api/v1/representative/imports", form=("import_running",),
                                     page_checks={"file": ("choose_file", "too_large", "upload_failed")},
                                     target="file"),
    "support_import": FormSpec("/api/v1/admin/representatives/{username}/imports", form=("import_running", "not_found"),
                               page_checks={"file": ("choose_file", "too_large", "upload_failed")}, target="file"),
    "support_unblock": FormSpec("/api/v1/admin/users/{username}/unblock", page_checks={"identity_checks": (MISSING,)},
                                reasons=IDENTITY_REASONS),
    "support_reset": FormSpec("/api/v1/admin/users/{username}/reset-2fa",
                              page_checks={"identity_checks": (MISSING,), "confirmed": (MISSING,)},
                              reasons=IDENTITY_REASONS),
    "support_approve": FormSpec("/api/v1/admin/approvals/{approval_id}/approve",
                                form=("forbidden", "conflict", "approval_expired", "not_found"),
                                target="reason", reasons=APPROVAL_REASONS),
    "support_reject": FormSpec("/api/v1/admin/approvals/{approval_id}/reject",
                               form=("conflict", "approval_expired", "not_found"), target="reason",
                               reasons=APPROVAL_REASONS),
    "support_client_register": FormSpec("/api/v1/admin/oidc-clients", reasons=CLIENT_REASONS, target="name"),
    "support_client_disable": FormSpec("/api/v1/admin/oidc-clients/{client_id}/disable",
                                       form=("not_found", "conflict"), target="reason"),
    "support_create": FormSpec("/api/v1/admin/users",
                               {"username": ("username_taken",), "email": ("invalid_email", "email_taken"),
                                "crib": ("crib_taken",)}, target="username"),
    "support_representative": FormSpec("/api/v1/admin/representatives",
                                       {"crib": ("crib_taken", "conflict"), "firm_name": (INVALID,)},
                                       ("not_found",), target="firm_name"),
    "support_close": FormSpec("/api/v1/admin/support-requests/{reference}/close", form=("not_found",)),
}

# Fields the route takes that a person never types (filled in by the page's script): their refusals
# are the form's as a whole.
NOT_TYPED = frozenset({"credential", "token", "dry_run", "signed_forms_received", "reference"})


def _route_bodies() -> dict[str, Body]:
    from chalicelib import api
    from chalicelib.api import http

    bodies: dict[str, Body] = {}
    for module, prefix in api.registrations():
        for endpoint in http.endpoints(module.blueprint):
            if endpoint.method == "POST":
                bodies[prefix + endpoint.path] = EMPTY if endpoint.body is None else endpoint.body
    return bodies


@cache
def pairs(form: str) -> dict[str, frozenset[str]]:
    """Every (field, code) the form can get, as {field: codes}; field FORM_LEVEL for refusals without one."""
    spec = FORMS[form]
    found: dict[str, set[str]] = {}
    body = _route_bodies().get(spec.api)
    if body is None:
        raise KeyError(f"no POST route {spec.api}")
    for name, codes in body.field_codes().items():
        found.setdefault(FORM_LEVEL if name in NOT_TYPED else name, set()).update(codes)
    for extra in (spec.fields, spec.page_checks):
        for name, codes in extra.items():
            found.setdefault(FORM_LEVEL if name in NOT_TYPED else name, set()).update(codes)
    found.setdefault(FORM_LEVEL, set()).update((*spec.form, *COMMON))
    return {name: frozenset(codes) for name, codes in found.items()}


def keys(form: str, name: str, code: str) -> list[str]:
    """The catalogue keys that may hold the text of (field `name`, `code`) on `form`, first one first."""
    if name == FORM_LEVEL:
        own = [f"form_errors.{form}._.{code}", f"form_errors._.{code}"]
    else:
        own = [f"form_errors.{form}.{name}.{code}", f"form_errors.field.{name}.{code}"]
    return [*own, f"error.{code}"] if code in _SERVICE_CODES else own


def text(form: str, name: str, code: str, lang: str) -> str | None:
    words = catalogue(lang)
    return next((words[key] for key in keys(form, name, code) if key in words), None)


@cache
def messages(form: str, lang: str) -> dict[str, Any]:
    """{field: {code: text}} for every pair of `form` (field FORM_LEVEL for the form as a whole), the
    texts of the reasons a refusal may give, and the field a refusal without a field belongs to."""
    found = {name: {code: text(form, name, code, lang) for code in sorted(codes)}
             for name, codes in pairs(form).items()}
    words = catalogue(lang)
    return {"fields": found, "reasons": {reason: words[reason] for reason in FORMS[form].reasons if reason in words},
            "target": FORMS[form].target}


def lockout_texts(lang: str) -> dict[str, str]:
    """The sentences the page builds from a refusal's lockout fields, with `{n}` for a number."""
    words = catalogue(lang)
    return {key.removeprefix("form_errors.lockout."): value for key, value in words.items()
            if key.startswith("form_errors.lockout.")}
