"""Helpers for the 2FA API tests: codes from an independent implementation (pyotp), enrollment through
the API, and the backup-code sheet read back from the emulated S3 bucket."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp

from tests.api.conftest import body
from tests.backup_sheet import codes_in

PASSWORD = "Correct-Horse-Battery-9"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code(secret: str, offset_steps: int = 0) -> str:
    """The code an authenticator app shows now (or `offset_steps` periods later)."""
    from chalicelib import clock

    return pyotp.TOTP(secret).at(clock.now() + 30 * offset_steps)


def password_step(api, username: str, password: str = PASSWORD):
    return api.post("/api/v1/auth/login", {"username": username, "password": password})


def stored_pdf(username: str) -> tuple[bytes, dict]:
    """The current backup-code PDF of a user and its S3 metadata."""
    import boto3

    from chalicelib.settings import get_settings
    from chalicelib.storage.users import get_user

    key = get_user(username).backup_pdf_key
    stored = boto3.client("s3", region_name="us-east-1").get_object(Bucket=get_settings().backup_codes_bucket, Key=key)
    return stored["Body"].read(), stored


@dataclass
class Enrolled:
    secret: str
    codes: list[str]
    pdf_link: str


def enroll(api, username: str) -> Enrolled:
    """Walk the API's enrollment for a logged-in (partial 'enroll') session; leaves a full session."""
    started = api.post("/api/v1/mfa/enrollment", {"password": PASSWORD})
    assert started.status_code == 200, started.body
    secret = body(started)["secret"]
    confirmed = api.post("/api/v1/mfa/enrollment/confirm", {"code": code(secret)})
    assert confirmed.status_code == 200, confirmed.body
    activated = api.post("/api/v1/mfa/enrollment/activate")
    assert activated.status_code == 200, activated.body
    pdf, _ = stored_pdf(username)
    return Enrolled(secret, codes_in(pdf), body(activated)["backup_codes_pdf"])
