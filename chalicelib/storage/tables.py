"""Every table model of the service, in one list: the local set-up creates them, infra/ and the
schema test compare against them."""

from __future__ import annotations

from pynamodb.models import Model


def models() -> list[type[Model]]:
    from chalicelib.storage.approvals import Approval
    from chalicelib.storage.audit import AuditEvent
    from chalicelib.storage.authorizations import Authorization
    from chalicelib.storage.backup_codes import BackupCode
    from chalicelib.storage.import_jobs import ImportJob
    from chalicelib.storage.lockouts import Lockout
    from chalicelib.storage.oidc import AuthorizationCode, ClientAssertion, Grant, OidcClient, RefreshToken
    from chalicelib.storage.outbox import OutboxMail
    from chalicelib.storage.passkeys import Passkey, PasskeyChallenge
    from chalicelib.storage.sessions import Session
    from chalicelib.storage.support_requests import SupportRequest
    from chalicelib.storage.users import User

    return [User, Lockout, Session, AuditEvent, BackupCode, SupportRequest, Authorization, ImportJob, OutboxMail,
            Passkey, PasskeyChallenge, Approval,
            OidcClient, AuthorizationCode, Grant, RefreshToken, ClientAssertion]


def create_all(wait: bool = False) -> None:
    """Create every missing table (on-demand) and enable TTL where a model names a TTL attribute."""
    for model in models():
        if model.exists():
            continue
        model.create_table(wait=wait, billing_mode="PAY_PER_REQUEST")
        ttl_attribute = getattr(model.Meta, "ttl_attribute", None)
        if ttl_attribute:
            model._get_connection().connection.client.update_time_to_live(
                TableName=model.Meta.table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
            )
