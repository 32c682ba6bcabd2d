"""The `cspsim` command: serve (after migrating), migrate, openapi."""

import argparse
import json
import sys

from app.config import Settings


def migrate(settings: Settings) -> None:
    from alembic import command

    from migrations import alembic_config

    command.upgrade(alembic_config(settings.effective_database_url), "head")


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.kit.tls import local_authority
    from app.main import configure_logging, create_app

    settings = Settings(tls=True) if args.tls else Settings()
    configure_logging(settings.log_level)
    migrate(settings)
    host = f"[{args.host}]" if ":" in args.host else args.host
    certificate = key = None
    if settings.tls:
        authority = local_authority(settings.data_dir, hosts=[args.host])
        certificate, key = authority.server_certificate, authority.server_key
    base = f"{'https' if settings.tls else 'http'}://{host}:{args.port}"
    print(f"cspsim on {base}  database: {settings.effective_database_url}", flush=True)
    if settings.tls:
        print(
            f"CA certificate: {authority.ca_certificate.resolve()} (also at {base}/cspsim/ca.pem); trust it with "
            "MSAL's verify=, SSL_CERT_FILE or REQUESTS_CA_BUNDLE",
            flush=True,
        )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="warning",
        ssl_certfile=certificate,
        ssl_keyfile=key,
    )


def openapi(_: argparse.Namespace) -> None:
    from app.main import create_app

    json.dump(create_app(run_timers=False).openapi(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="cspsim", description="A simulator of Microsoft's CSP partner platform.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="apply migrations, then serve the API")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a certificate of the local CA in the data folder (MSAL requires https); CSPSIM_TLS=true",
    )
    serve_cmd.set_defaults(run=serve)
    commands.add_parser("migrate", help="apply migrations to DATABASE_URL").set_defaults(
        run=lambda _: migrate(Settings())
    )
    commands.add_parser("openapi", help="print the OpenAPI document").set_defaults(run=openapi)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
