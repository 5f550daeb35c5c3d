"""The local stage: moto's server embedded in this process, every table and bucket created, demo
accounts seeded, and `chalice local --stage local` serving the portal.

    python -m infra.local [--port 8000] [--moto-port 5000] [--rp-port 8001] [--no-seed] [--app-aws-endpoint URL]

`--rp-port` is where Mijn Aangifte, the demo relying party (infra/demo_rp), runs beside the portal
(0: not at all); the demo client is registered for it.

`--app-aws-endpoint` points only the portal's own process elsewhere (the fault-injecting proxy of
tests/faults/); provisioning, seeding and the import worker keep talking to moto directly.

Ctrl-C (or SIGTERM) stops everything it started.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Local use only: these accounts exist in the emulation that `make run` starts, nowhere else.
DEMO_ACCOUNTS = [
    {"username": "demo.burger", "email": "burger@demo.local", "password": "Zonnige-Dag-Willemstad-7",
     "roles": ["taxpayer"], "crib": "100000001", "about": "taxpayer, 2FA not yet activated"},
    {"username": "demo.klant", "email": "klant@demo.local", "password": "Blauwe-Baai-Punda-2031",
     "roles": ["taxpayer"], "crib": "100000002", "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
     "about": "taxpayer with 2FA (client of the demo representative)"},
    {"username": "demo.support", "email": "support@demo.local", "password": "Helpdesk-Otrobanda-4455",
     "roles": ["support"], "totp_secret": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU", "about": "support desk, 2FA"},
    {"username": "demo.adviseur", "email": "adviseur@demo.local", "password": "Kantoor-Scharloo-9087",
     "roles": ["representative"], "crib": "200000009", "firm_name": "Demo Belastingadvies B.V.",
     "totp_secret": "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK", "about": "representative (tax adviser), 2FA"},
]


def local_environment(moto_port: int) -> dict[str, str]:
    """The environment of the local stage: .chalice/config.json's variables plus the emulation's endpoint."""
    import json

    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    variables = {**config.get("environment_variables", {}), **config["stages"]["local"]["environment_variables"]}
    variables.update({
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "MOTO_PORT": str(moto_port),
    })
    return variables


def provision() -> None:
    """Create every table, bucket and the SES sender in whatever AWS the environment points at."""
    import boto3

    from chalicelib.settings import get_settings
    from chalicelib.storage.tables import create_all

    settings = get_settings()
    create_all()
    s3 = boto3.client("s3", region_name=settings.region)
    for bucket, days in ((settings.backup_codes_bucket, 1), (settings.imports_bucket, 7)):
        try:
            s3.create_bucket(Bucket=bucket)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
            {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": days}}]})
    boto3.client("ses", region_name=settings.region).verify_email_identity(EmailAddress=settings.mail_sender)
    from chalicelib import clock
    from chalicelib.storage.signing_keys import ensure_secret

    ensure_secret(int(clock.now()))  # the OpenID Connect provider's first signing key
    from infra.local_authorizations import provision_import_events

    provision_import_events()


def seed_demo() -> list[dict]:
    from chalicelib.errors import PortalError
    from chalicelib.services.accounts import create_account

    for account in DEMO_ACCOUNTS:
        try:
            create_account(account["username"], account["email"], account["password"], roles=account["roles"],
                           crib=account.get("crib"), totp_secret=account.get("totp_secret"),
                           firm_name=account.get("firm_name"))
        except PortalError:
            pass  # seeded before (same emulation)
    from infra.local_authorizations import seed_demo_authorizations

    seed_demo_authorizations()
    register_demo_client()
    return DEMO_ACCOUNTS


# The demo relying party ("Mijn Aangifte", its own process in `make run`): where it runs, and the
# client id and secret it uses (local stage only, like the demo passwords).
DEMO_CLIENT_ID = "mijn-aangifte-demo"
DEMO_CLIENT_SECRET = "Mijn-Aangifte-Demo-Secret-2031"  # noqa: S105 - a local-stage demo value


def demo_rp_url() -> str:
    return os.environ.get("PORTAL_DEMO_RP_URL", "http://127.0.0.1:8001").rstrip("/")


def register_demo_client() -> None:
    from chalicelib.services.oidc_clients import register
    from chalicelib.storage.oidc import ClientTakenError

    base = demo_rp_url()
    try:
        register(name="Mijn Aangifte (demo)", client_id=DEMO_CLIENT_ID, secret=DEMO_CLIENT_SECRET,
                 redirect_uris=[f"{base}/callback"], post_logout_redirect_uris=[f"{base}/", f"{base}/logged-out"],
                 backchannel_logout_uri=f"{base}/backchannel-logout",
                 scopes=["openid", "profile", "email", "crib", "representation"])
    except ClientTakenError:
        pass  # seeded before (same emulation)


def print_accounts(port: int) -> None:
    print(f"\nDigitaal Portaal (local stage) on http://127.0.0.1:{port}/login — demo accounts:")
    for account in DEMO_ACCOUNTS:
        secret = f"  TOTP secret {account['totp_secret']}" if account.get("totp_secret") else ""
        print(f"  {account['username']:<14} {account['password']:<26} {account['about']}{secret}")
    print(f"  OpenID Connect: http://127.0.0.1:{port}/.well-known/openid-configuration  demo client "
          f"{DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET} for {demo_rp_url()}")
    print(f"  Sent e-mails: http://127.0.0.1:{port}/dev/mailbox   (Ctrl-C stops everything)\n", flush=True)


def start_relying_party(port: int, rp_port: int) -> subprocess.Popen:
    """Mijn Aangifte beside the portal, with the demo client registered for it (register_demo_client)."""
    from infra.demo_rp import launch

    print(f"Mijn Aangifte (demo tax application, logs in through the portal): http://127.0.0.1:{rp_port}\n",
          flush=True)
    return launch.start(rp_port, f"http://127.0.0.1:{port}", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)


def make_dynamodb_requests_atomic() -> None:
    """DynamoDB applies each request (a conditional update, a transaction) atomically; moto's threaded
    server does not. Serializing its DynamoDB requests restores that guarantee, so parallel-request
    tests exercise the service's conditions rather than the emulator's races."""
    import threading

    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler, "_portal_atomic", False):
        return
    lock = threading.Lock()
    original = DynamoHandler.call_action

    def call_action(self):  # type: ignore[no-untyped-def]
        with lock:
            return original(self)

    DynamoHandler.call_action = call_action
    DynamoHandler._portal_atomic = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", "5000")))
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--app-aws-endpoint", default=None)
    parser.add_argument("--rp-port", type=int, default=int(os.environ.get("DEMO_RP_PORT", "8001")),
                        help="port of Mijn Aangifte, the demo relying party (0: not started)")
    args = parser.parse_args(argv)
    if args.rp_port:  # the demo client is registered for the relying party's address
        os.environ["PORTAL_DEMO_RP_URL"] = f"http://127.0.0.1:{args.rp_port}"

    environment = local_environment(args.moto_port)
    os.environ.update(environment)
    os.environ.pop("AWS_PROFILE", None)
    from moto.server import ThreadedMotoServer

    make_dynamodb_requests_atomic()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the emulator's per-request lines
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.moto_port, verbose=False)
    server.start()
    chalice = None
    stop_imports = None
    relying_party = None
    try:
        provision()
        if not args.no_seed:
            seed_demo()
            print_accounts(args.port)
            if args.rp_port:
                relying_party = start_relying_party(args.port, args.rp_port)
        from infra.local_authorizations import start_import_worker

        stop_imports = start_import_worker()  # uploads start their processing, as the S3 event does on AWS
        if args.app_aws_endpoint:
            environment["AWS_ENDPOINT_URL"] = args.app_aws_endpoint
        chalice = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            [sys.executable, "-m", "infra.chalice_local", "local", "--stage", "local", "--no-autoreload",
             "--host", "127.0.0.1", "--port", str(args.port)],
            cwd=ROOT, env={**os.environ, **environment},
        )
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while chalice.poll() is None:
            time.sleep(0.5)
        return chalice.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        if relying_party is not None:
            from infra.demo_rp import launch

            launch.stop(relying_party)
        if chalice is not None and chalice.poll() is None:
            chalice.terminate()
            try:
                chalice.wait(timeout=10)
            except subprocess.TimeoutExpired:
                chalice.kill()
        if stop_imports is not None:
            stop_imports.set()
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
