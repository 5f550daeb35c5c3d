"""Serve Mijn Aangifte, the demo relying party, on its own port.

    python -m infra.demo_rp --port 8001 --issuer http://127.0.0.1:8000 --client-id ID [--client-secret S]

Every option can also come from the environment (DEMO_RP_PORT, DEMO_RP_ISSUER, DEMO_RP_CLIENT_ID,
DEMO_RP_CLIENT_SECRET, DEMO_RP_AUTH_METHOD, DEMO_RP_SCOPE, DEMO_RP_PUBLIC_URL).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from werkzeug.serving import run_simple

from infra.demo_rp.app import Settings, create_app


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m infra.demo_rp")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(env("DEMO_RP_PORT", "8001")))
    parser.add_argument("--issuer", default=env("DEMO_RP_ISSUER", "http://127.0.0.1:8000"))
    parser.add_argument("--client-id", default=env("DEMO_RP_CLIENT_ID"))
    parser.add_argument("--client-secret", default=env("DEMO_RP_CLIENT_SECRET"))
    parser.add_argument("--auth-method", default=env("DEMO_RP_AUTH_METHOD", "client_secret_basic"),
                        choices=["client_secret_basic", "client_secret_post", "none"])
    parser.add_argument("--scope", default=env("DEMO_RP_SCOPE", "openid profile email crib representation"))
    parser.add_argument("--public-url", default=env("DEMO_RP_PUBLIC_URL"),
                        help="this application's origin as browsers reach it (default http://HOST:PORT)")
    args = parser.parse_args(argv)
    if not args.client_id:
        parser.error("--client-id (or DEMO_RP_CLIENT_ID) is required")
    if args.auth_method != "none" and not args.client_secret:
        parser.error(f"--client-secret is required for {args.auth_method}")
    public_url = (args.public_url or f"http://{args.host}:{args.port}").rstrip("/")
    settings = Settings(issuer=args.issuer.rstrip("/"), client_id=args.client_id,
                        client_secret=args.client_secret if args.auth_method != "none" else None,
                        public_url=public_url, scope=args.scope, token_endpoint_auth_method=args.auth_method,
                        secure_cookies=public_url.startswith("https://"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s demo_rp %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    run_simple(args.host, args.port, create_app(settings), threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
