"""Settings of the service, read lazily from environment variables (set per stage in .chalice/config.json)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    backup_codes_bucket: str
    imports_bucket: str
    mail_sender: str
    # The portal's own origin (https://host): links in mails and the Origin check. Required outside the
    # local stage for mails with links; a Host header is never trusted instead (see README).
    public_origin: str
    # Local stage only: raw key material (base64). On AWS the keys come from Secrets Manager.
    local_encryption_key: str
    local_hmac_key: str
    secrets_arn: str
    argon2_memory_kib: int
    argon2_time_cost: int
    argon2_parallelism: int
    session_idle_seconds: int
    session_absolute_seconds: int
    partial_session_seconds: int
    # Failed password evaluations allowed per source address and minute (argon2 work is the cost).
    ip_failures_per_minute: int
    # The Secrets Manager secret (name or ARN) holding the OpenID Connect provider's signing keys.
    signing_keys_secret: str

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def cookie_secure(self) -> bool:
        return not self.is_local

    @property
    def session_cookie_name(self) -> str:
        """`__Host-` outside the local stage: the browser then accepts the cookie only when it is Secure,
        Path=/ and without Domain, so a sibling subdomain cannot plant one for this host. The local
        stage runs on plain http, where such a cookie would be refused."""
        return "portal_session" if self.is_local else "__Host-portal_session"

    @property
    def device_cookie_name(self) -> str:
        """The device cookie (services/devices.py), `__Host-` like the session cookie."""
        return "portal_device" if self.is_local else "__Host-portal_device"

    def table_name(self, table: str) -> str:
        return f"{self.table_prefix}{table}"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


class StageNotSetError(RuntimeError):
    """A Lambda function without PORTAL_STAGE."""


def stage() -> str:
    """PORTAL_STAGE; `local` only off Lambda. A deployed function must name its stage: falling back to
    `local` there would serve the mailbox page and trust the Host header."""
    value = os.environ.get("PORTAL_STAGE")
    if value:
        return value
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        raise StageNotSetError("PORTAL_STAGE is not set: a Lambda function must name its stage "
                               "(environment_variables in .chalice/config.json)")
    return "local"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    stage_name = stage()
    prefix = _env("PORTAL_TABLE_PREFIX", f"portal-{stage_name}-")
    return Settings(
        stage=stage_name,
        region=_env("AWS_DEFAULT_REGION", _env("AWS_REGION", "us-east-1")),
        table_prefix=prefix,
        backup_codes_bucket=_env("PORTAL_BACKUP_CODES_BUCKET", f"{prefix}backup-codes"),
        imports_bucket=_env("PORTAL_IMPORTS_BUCKET", f"{prefix}imports"),
        mail_sender=_env("PORTAL_MAIL_SENDER", "no-reply@portal.example"),
        public_origin=_env("PORTAL_PUBLIC_ORIGIN", ""),
        local_encryption_key=_env("PORTAL_LOCAL_ENCRYPTION_KEY", ""),
        local_hmac_key=_env("PORTAL_LOCAL_HMAC_KEY", ""),
        secrets_arn=_env("PORTAL_SECRETS_ARN", ""),
        argon2_memory_kib=int(_env("PORTAL_ARGON2_MEMORY_KIB", "19456")),
        argon2_time_cost=int(_env("PORTAL_ARGON2_TIME_COST", "2")),
        argon2_parallelism=int(_env("PORTAL_ARGON2_PARALLELISM", "1")),
        session_idle_seconds=int(_env("PORTAL_SESSION_IDLE_SECONDS", "900")),
        session_absolute_seconds=int(_env("PORTAL_SESSION_ABSOLUTE_SECONDS", "28800")),
        partial_session_seconds=int(_env("PORTAL_PARTIAL_SESSION_SECONDS", "600")),
        ip_failures_per_minute=int(_env("PORTAL_IP_FAILURES_PER_MINUTE", "30")),
        signing_keys_secret=_env("PORTAL_SIGNING_KEYS_SECRET", f"{prefix}oidc-signing-keys"),
    )


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
