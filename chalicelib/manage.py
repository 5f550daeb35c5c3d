"""Operations from the command line, e.g. creating the first support account:

    python -m chalicelib.manage [--stage STAGE] create-user --username U --email E --password P
        [--role R]... [--crib N] [--totp-secret BASE32]
    python -m chalicelib.manage [--stage STAGE] backfill-reservations
    python -m chalicelib.manage [--stage STAGE] send-outbox
    python -m chalicelib.manage [--stage STAGE] verify-audit --day YYYY-MM-DD
    python -m chalicelib.manage [--stage STAGE] seal-audit [--day YYYY-MM-DD]
    python -m chalicelib.manage [--stage STAGE] register-client --name N --redirect-uri U [--redirect-uri U]...
        [--post-logout-redirect-uri U]... [--backchannel-logout-uri U] [--auth-method M] [--jwks-file F]
        [--scope S]... [--min-acr A] [--client-id ID]
    python -m chalicelib.manage [--stage STAGE] rotate-signing-key [--immediately]

`backfill-reservations` reserves the e-mail address and CRIB number of every account that was made
before reservations existed (safe to run again; exit code 1 when two accounts share one, listing them).
`send-outbox` runs one retry of the mails SES would not take (what the scheduled function does
every minute) and prints how many were sent, are still waiting, and failed for good.
`verify-audit` checks one day of the audit trail (each event's HMAC, the day's seal chain) and prints
OK or every changed, deleted and inserted event, with exit code 1 on tampering. `seal-audit` seals
what has settled (what the scheduled function does every ten minutes).
`register-client` registers a tax application with the OpenID Connect provider and prints its client
id and, once, its secret (only a hash is stored). `rotate-signing-key` adds a new signing key: it is
published at once and signs from five minutes on; the old key stays published until its tokens have
expired (`--immediately`: a compromised key, unpublished now). A stage's first key needs no command: the
logout runner adds it when it finds the secret empty.

Settings come from .chalice/config.json for the stage; `--stage local` (the default) talks to the
emulation that `make run` started on 127.0.0.1:$MOTO_PORT.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / ".chalice" / "config.json"


def apply_stage(stage: str) -> None:
    """Load the stage's environment variables (as Chalice would) without overriding explicit ones."""
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    if stage not in config.get("stages", {}):
        raise SystemExit(f"unknown stage: {stage}")
    variables = {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}
    for name, value in variables.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if stage == "local":
        port = os.environ.get("MOTO_PORT", "5000")
        os.environ.setdefault("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    from chalicelib.settings import reset_settings

    reset_settings()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.manage")
    parser.add_argument("--stage", default="local")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create an account")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", action="append", dest="roles")
    create.add_argument("--crib")
    create.add_argument("--firm-name")
    create.add_argument("--totp-secret")
    commands.add_parser("backfill-reservations", help="reserve the e-mail address and CRIB of existing accounts")
    commands.add_parser("send-outbox", help="retry the mails waiting in the outbox once")
    verify = commands.add_parser("verify-audit", help="verify one day of the audit trail")
    verify.add_argument("--day", required=True, type=_day)
    seal = commands.add_parser("seal-audit", help="seal the audit events that have settled")
    seal.add_argument("--day", type=_day)
    client = commands.add_parser("register-client", help="register a relying party with the OpenID Connect provider")
    client.add_argument("--name", required=True)
    client.add_argument("--redirect-uri", action="append", dest="redirect_uris", required=True)
    client.add_argument("--post-logout-redirect-uri", action="append", dest="post_logout_redirect_uris")
    client.add_argument("--backchannel-logout-uri")
    client.add_argument("--auth-method", default="client_secret_basic",
                        choices=["client_secret_basic", "private_key_jwt"])
    client.add_argument("--jwks-file", help="the client's public JWKS (private_key_jwt)")
    client.add_argument("--scope", action="append", dest="scopes")
    client.add_argument("--min-acr")
    client.add_argument("--client-id")
    rotate = commands.add_parser("rotate-signing-key", help="add a new OpenID Connect signing key")
    rotate.add_argument("--immediately", action="store_true", help="unpublish the current keys now")
    args = parser.parse_args(argv)

    apply_stage(args.stage)
    if args.command == "send-outbox":
        return send_outbox()
    if args.command == "verify-audit":
        return verify_audit(args.day)
    if args.command == "seal-audit":
        return seal_audit(args.day)
    if args.command == "register-client":
        return register_client(args)
    if args.command == "rotate-signing-key":
        return rotate_signing_key(args.immediately)
    return create_user(args) if args.command == "create-user" else backfill_reservations()


def _day(text: str) -> str:
    from datetime import date

    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text}") from None


def verify_audit(day: str) -> int:
    from chalicelib.services.audit_integrity import verify

    report = verify(day)
    state = "closed" if report.closed else "open (events after the last seal checked by their HMAC only)"
    print(f"{day}: {report.events} events, {report.sealed} sealed, seal chain {state}")
    for kind, what in report.findings:
        print(f"{kind}: {what}")
    print("OK" if report.ok else f"TAMPERED: {len(report.findings)} finding(s)")
    return 0 if report.ok else 1


def seal_audit(day: str | None) -> int:
    from chalicelib.services.audit_integrity import seal_day, seal_due

    print(f"sealed {seal_day(day) if day else seal_due()} events")
    return 0


def send_outbox() -> int:
    from chalicelib.services.notifications import send_due

    counts = send_due()
    print(", ".join(f"{name} {count}" for name, count in counts.items()))
    return 0


def register_client(args: argparse.Namespace) -> int:
    from chalicelib.services.oidc_clients import ClientRegistrationError, register
    from chalicelib.storage.oidc import ClientTakenError

    jwks = json.loads(Path(args.jwks_file).read_text(encoding="utf-8")) if args.jwks_file else None
    try:
        registered = register(name=args.name, redirect_uris=args.redirect_uris,
                              post_logout_redirect_uris=args.post_logout_redirect_uris,
                              backchannel_logout_uri=args.backchannel_logout_uri, auth_method=args.auth_method,
                              jwks=jwks, scopes=args.scopes, min_acr=args.min_acr, client_id=args.client_id)
    except ClientRegistrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except ClientTakenError:
        print(f"error: client id {args.client_id} is registered already", file=sys.stderr)
        return 1
    print(f"client_id: {registered.client_id}")
    if registered.secret:
        print(f"client_secret: {registered.secret}   (shown once; store it in the application's secret store)")
    return 0


def rotate_signing_key(immediately: bool) -> int:
    from chalicelib import clock
    from chalicelib.storage.signing_keys import rotate

    entry = rotate(int(clock.now()), immediately=immediately)
    print(f"new signing key {entry.kid}, signing from {entry.active_from}")
    return 0


def create_user(args: argparse.Namespace) -> int:
    from chalicelib.errors import PortalError
    from chalicelib.i18n import t
    from chalicelib.roles import Role
    from chalicelib.services.accounts import create_account

    try:
        user = create_account(
            args.username, args.email, args.password, roles=args.roles or [Role.TAXPAYER], crib=args.crib,
            totp_secret=args.totp_secret, firm_name=args.firm_name,
        )
    except PortalError as error:
        key = str(error.extra.get("reason") or f"error.{error.code.value}")
        detail = t(key, "en")
        field = f" ({error.field})" if error.field else ""
        print(f"error: {detail}{field}", file=sys.stderr)
        return 1
    state = "2FA active" if user.mfa_enabled else "2FA enrollment at first login"
    print(f"created {user.username} with roles {', '.join(sorted(user.roles))}; {state}")
    return 0


def backfill_reservations() -> int:
    from chalicelib.services.accounts import backfill_reservations as backfill

    result = backfill()
    print(f"reserved {result['reserved']}, already held {result['held']}, clashes {len(result['clashes'])}")
    for clash in result["clashes"]:
        print(f"clash: {clash}", file=sys.stderr)
    return 1 if result["clashes"] else 0

if __name__ == "__main__":
    sys.exit(main())
