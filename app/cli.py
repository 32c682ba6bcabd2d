"""The `cspsim` command.

`serve` (after migrating; `--demo` builds a demo world first), `migrate`, `openapi`; and the control commands, which
talk to a running service over HTTP as any script would: `sandbox create|list|delete|fork|diff`, `clock advance`,
`scenario load FILE`, `seed`. They take `--url`, `--sandbox` and `--key` (or CSPSIM_URL, CSPSIM_SANDBOX,
CSPSIM_ADMIN_KEY), print for a person, and print the service's JSON with `--json`.
"""

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any, NoReturn

import httpx

from app.config import Settings

DEFAULT_URL = "http://127.0.0.1:8000"
MEDIA_TYPES = {".json": "application/json", ".yaml": "application/yaml", ".yml": "application/yaml"}


def migrate(settings: Settings) -> None:
    from alembic import command

    from migrations import alembic_config

    command.upgrade(alembic_config(settings.effective_database_url), "head")


async def _demo(settings: Settings, base_url: str, document: bytes) -> str:
    from app.kernel.db import Database
    from app.scenarios.demo import build_demo

    database = Database(settings.effective_database_url)
    try:
        world = await build_demo(database, base_url=base_url, document=document)
    finally:
        await database.dispose()
    return world.text(base_url)


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.kernel.tls import local_authority
    from app.main import configure_logging, create_app

    settings = Settings(tls=True) if args.tls else Settings()
    configure_logging(settings.log_level, settings.log_format)
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
    if args.demo:
        from app.scenarios.demo import read_scenario

        public = settings.public_base_url if settings.public_base_url_is_set else base
        print(asyncio.run(_demo(settings, public, read_scenario())), flush=True)
    # Several workers are processes of their own, each building its app from the environment (uvicorn imports the
    # factory): everything they share (throttle counts, idempotency answers, timers, webhook deliveries) is in the
    # database.
    served: Any = create_app(settings) if args.workers == 1 else "app.cli:worker_app"
    if args.workers > 1 and args.tls:
        os.environ["CSPSIM_TLS"] = "true"
    uvicorn.run(
        served,
        factory=args.workers > 1,
        workers=args.workers if args.workers > 1 else None,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,  # cspsim writes its own (app.kernel.requestcontext); uvicorn's built its line per request
        ssl_certfile=certificate,
        ssl_keyfile=key,
        timeout_keep_alive=settings.keepalive_seconds,
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
    )


def worker_app() -> Any:
    """The app of one `serve --workers N` worker (after the parent migrated)."""
    from app.main import configure_logging, create_app

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)


def _workers(text: str) -> int:
    count = int(text)
    if not 1 <= count <= 64:
        raise argparse.ArgumentTypeError("between 1 and 64 worker processes")
    return count


def openapi(_: argparse.Namespace) -> None:
    from app.main import create_app

    json.dump(create_app(run_timers=False).openapi(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


def served_operations(document: dict[str, Any]) -> str:
    """The Partner Center and Graph operations cspsim serves, as a Markdown table read from its OpenAPI document
    (README's list is this text, and a test keeps it so)."""
    rows = ["| method | path | what it does |", "|---|---|---|"]
    for path, operations in document["paths"].items():
        if not path.startswith(("/v1/", "/v1.0/", "/partner/v1/", "/webhooks/v1/")):
            continue
        for method, operation in operations.items():
            rows.append(f"| {method.upper()} | `{path}` | {operation.get('summary', '')} |")
    return "\n".join(rows) + "\n"


def operations(_: argparse.Namespace) -> None:
    from app.main import create_app

    sys.stdout.write(served_operations(create_app(run_timers=False).openapi()))


# --- the control commands: a client of a running service -----------------------------------------------------------


def fail(message: str) -> NoReturn:
    print(f"cspsim: {message}", file=sys.stderr)
    raise SystemExit(1)


class Control:
    """One running cspsim, and the sandbox (with its admin key) the command works on."""

    def __init__(self, args: argparse.Namespace, *, sandbox_needed: bool = True) -> None:
        self.url = args.url.rstrip("/")
        self.url_from = _url_source(args.url)
        self.sandbox = args.sandbox
        self.key = args.key
        if sandbox_needed and not (self.sandbox and self.key):
            fail("name the sandbox and its admin key: --sandbox and --key, or CSPSIM_SANDBOX and CSPSIM_ADMIN_KEY")
        self.http = httpx.Client(base_url=self.url, timeout=httpx.Timeout(600, connect=10))

    def __enter__(self) -> "Control":
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kw: Any) -> Any:
        """Send a control request (`path` below the sandbox unless it starts with /); answer the JSON, or fail
        with the service's own description."""
        url = path if path.startswith("/") else f"/sim/v1/sandboxes/{self.sandbox}/{path}".rstrip("/")
        headers = {**kw.pop("headers", {})}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        try:
            response = self.http.request(method, url, headers=headers, **kw)
        except httpx.TransportError as exc:
            fail(
                f"cannot reach cspsim at {self.url} ({self.url_from}): {exc}. Is `cspsim serve` running there? "
                "Name another with --url or CSPSIM_URL."
            )
        if response.is_error:
            try:
                body = response.json()
                detail = body.get("description") or body
            except ValueError:
                detail = response.text
            fail(f"{method} {url} answered {response.status_code}: {detail}")
        return response.json() if response.content else None


def _url_source(url: str) -> str:
    """Where the URL came from, for the message that says nothing answered there."""
    if url != os.environ.get("CSPSIM_URL", DEFAULT_URL):
        return "from --url"
    return "from CSPSIM_URL" if "CSPSIM_URL" in os.environ else "the default; set CSPSIM_URL or --url"


def _print(args: argparse.Namespace, answer: Any, text: str) -> None:
    print(json.dumps(answer, indent=2) if args.json else text)


def _exports(answer: dict[str, Any], url: str) -> str:
    return f"  export CSPSIM_URL={url} CSPSIM_SANDBOX={answer['id']} CSPSIM_ADMIN_KEY={answer['adminKey']}"


def sandbox_create(args: argparse.Namespace) -> None:
    with Control(args, sandbox_needed=False) as control:
        settings = dict(_setting(s) for s in args.setting)
        body: dict[str, Any] = {"name": args.name, "settings": settings}
        if args.seed is not None:
            body["seed"] = args.seed
        answer = control.call("POST", "/sim/v1/sandboxes", json=body)
        head = f"Sandbox {answer['id']} ({answer['name']}) created. Its admin key, shown once:"
        _print(args, answer, f"{head}\n{_exports(answer, control.url)}")


def _setting(text: str) -> tuple[str, Any]:
    name, _, value = text.partition("=")
    if not name or not value:
        fail(f"--setting {text}: write name=value, e.g. --setting enrollmentApprovalBusinessDays=2")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def sandbox_delete(args: argparse.Namespace) -> None:
    with Control(args) as control:
        control.call("DELETE", "")
        _print(args, {"id": control.sandbox, "deleted": True}, f"Sandbox {control.sandbox} deleted.")


def sandbox_fork(args: argparse.Namespace) -> None:
    with Control(args) as control:
        answer = control.call("POST", "fork", json={"name": args.name} if args.name else None)
        lines = [f"Sandbox {answer['id']} ({answer['name']}) forked from {control.sandbox}. Its admin key, shown once:"]
        lines.append(_exports(answer, control.url))
        for old, app in answer["apps"].items():
            lines.append(f"  app {old} is now client id {app['clientId']}  secret {app['clientSecret']}")
        for old, new in answer["invitationCodes"].items():
            lines.append(f"  invitation link {old} is now {control.url}/admin/invitations/{new}")
        _print(args, answer, "\n".join(lines))


def sandbox_list(args: argparse.Namespace) -> None:
    with Control(args, sandbox_needed=False) as control:
        items: list[dict[str, Any]] = []
        answer = control.call("GET", "/sim/v1/sandboxes", params={"size": 500})
        while True:
            items += answer["items"]
            following = answer["links"].get("next")
            if not following:
                break
            token = {h["key"]: h["value"] for h in following["headers"]}
            answer = control.call("GET", following["uri"], headers=token)
        lines = [f"{len(items)} sandbox(es) at {control.url}:"]
        lines += [f"  {s['id']}  {s['createdAt']}  {s['name']}" for s in items]
        _print(args, {"totalCount": len(items), "items": items}, "\n".join(lines))


# What names a record in one line of the diff, in the order tried.
SUMMARY_FIELDS = ("displayName", "name", "offerName", "status", "kind", "program", "domain")


def _summary(record: dict[str, Any]) -> str:
    return ", ".join(f"{f} {record[f]}" for f in SUMMARY_FIELDS if record.get(f) not in (None, ""))


def _diff_text(answer: dict[str, Any]) -> str:
    head = f"{answer['totalChanges']} change(s) from sandbox {answer['sandboxId']} to {answer['against']}."
    lines = [head]
    for kind, found in answer["kinds"].items():
        lines.append(f"{kind}:")
        lines += [f"  + {r['id']}  {_summary(r)}" for r in found["added"]]
        lines += [f"  - {r['id']}  {_summary(r)}" for r in found["removed"]]
        for change in found["changed"]:
            fields = "; ".join(f"{n}: {c['from']} -> {c['to']}" for n, c in change["changes"].items())
            lines.append(f"  ~ {change['id']}  {fields}")
    return "\n".join(lines)


def sandbox_diff(args: argparse.Namespace) -> None:
    if not args.against_key:
        fail("name the other sandbox's admin key: --against-key or CSPSIM_AGAINST_KEY")
    with Control(args) as control:
        answer = control.call(
            "GET", "diff", params={"against": args.against}, headers={"CSPSIM-Against-Key": args.against_key}
        )
        _print(args, answer, _diff_text(answer))


def clock_advance(args: argparse.Namespace) -> None:
    with Control(args) as control:
        given = {
            "days": args.days,
            "hours": args.hours,
            "minutes": args.minutes,
            "seconds": args.seconds,
            "businessDays": args.business_days,
            "to": args.to,
        }
        answer = control.call("POST", "clock/advance", json={k: v for k, v in given.items() if v is not None})
        fired = list(answer["fired"])
        # One call fires a bounded number of timers; the command goes on until the clock got where it was sent.
        while not answer.get("complete", True):
            answer = control.call("POST", "clock/advance", json={"to": answer["continueTo"]})
            fired += answer["fired"]
        answer["fired"], answer["firedCount"] = fired, len(fired)
        lines = [f"The clock reads {answer['now']}; {len(fired)} timer(s) fired."]
        lines += [f"  {f['dueAt']}  {f['kind']}  {f['ref']}  {f['status']}" for f in fired]
        _print(args, answer, "\n".join(lines))


def scenario_load(args: argparse.Namespace) -> None:
    from app.scenarios.access import describe
    from app.scenarios.schemas import ScenarioLoaded

    with Control(args) as control:
        path = Path(args.file)
        if not path.is_file():
            fail(f"{path} is not a file")
        media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/yaml")
        answer = control.call("POST", "scenarios", content=path.read_bytes(), headers={"Content-Type": media_type})
        loaded = ScenarioLoaded.model_validate(answer)
        _print(args, answer, f"Scenario '{loaded.name}' loaded into sandbox {control.sandbox}." + describe(loaded))


class Progress:
    """A plain-text progress bar on stderr, redrawn in place."""

    WIDTH = 30

    def __init__(self, total: int, what: str) -> None:
        self.total, self.what, self.started = total, what, time.monotonic()

    def show(self, done: int) -> None:
        filled = self.WIDTH * done // max(self.total, 1)
        elapsed = time.monotonic() - self.started
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        rate = f"  {done / elapsed:,.0f} {self.what}/s" if done and elapsed else ""
        sys.stderr.write(f"\r[{bar}] {done}/{self.total} {self.what}  {elapsed:.1f} s{rate}")
        sys.stderr.flush()

    def close(self) -> float:
        sys.stderr.write("\n")
        return time.monotonic() - self.started


def seed(args: argparse.Namespace) -> None:
    with Control(args) as control:
        progress = Progress(args.customers, "customers")
        progress.show(0)
        body = {"partners": args.partners, "subscriptions": args.subscriptions}
        done, subscriptions, new_partners, answer = 0, 0, [], None
        try:
            while done < args.customers or answer is None:
                batch = min(args.batch, args.customers - done)
                # Each batch has its own MS-RequestId: a batch retried after a lost answer is not built twice.
                answer = control.call(
                    "POST", "seed", json={**body, "customers": batch}, headers={"MS-RequestId": str(uuid.uuid4())}
                )
                done += batch
                subscriptions += answer["subscriptionsCreated"]
                new_partners += answer["newPartners"]
                progress.show(done)
        finally:
            seconds = progress.close()
        summary = {
            "customersCreated": done,
            "subscriptionsCreated": subscriptions,
            "customersTotal": answer["customersTotal"],
            "seconds": round(seconds, 2),
            "partners": answer["partners"],
            "newPartners": new_partners,
        }
        lines = [
            f"Seeded {done} customers and {subscriptions} subscriptions in {seconds:.1f} s "
            f"({done / max(seconds, 1e-9):,.0f} customers/s); "
            f"{answer['customersTotal']} seeded customers in sandbox {control.sandbox}."
        ]
        lines += [f"  {p['ref']}  tenant {p['tenantId']}  {p['customers']} customers" for p in answer["partners"]]
        for partner in new_partners:
            lines.append(f"  {partner['ref']} (new): {partner['curl']}")
        _print(args, summary, "\n".join(lines))


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _control_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--url", default=os.environ.get("CSPSIM_URL", DEFAULT_URL), help="the running cspsim")
    command.add_argument("--sandbox", default=os.environ.get("CSPSIM_SANDBOX"), help="the sandbox id")
    command.add_argument("--key", default=os.environ.get("CSPSIM_ADMIN_KEY"), help="the sandbox's admin key")
    command.add_argument("--json", action="store_true", help="print the service's JSON")


def _control_commands(commands: Any) -> None:
    sandbox = commands.add_parser("sandbox", help="create, list, fork, diff or delete sandboxes").add_subparsers(
        dest="action", required=True
    )
    create = sandbox.add_parser("create", help="a new sandbox; prints its id and admin key")
    create.add_argument("--name", default="sandbox")
    create.add_argument("--seed", type=int, default=None)
    create.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE", help="a sandbox setting")
    create.set_defaults(run=sandbox_create)
    delete = sandbox.add_parser("delete", help="delete the sandbox and everything in it")
    delete.set_defaults(run=sandbox_delete)
    fork = sandbox.add_parser("fork", help="copy the sandbox into a new one (same ids, new credentials)")
    fork.add_argument("--name", default=None)
    fork.set_defaults(run=sandbox_fork)
    listing = sandbox.add_parser("list", help="the sandboxes the service holds (ids and names; keys are never shown)")
    listing.set_defaults(run=sandbox_list)
    diff = sandbox.add_parser("diff", help="what differs between the sandbox and another (a fork and its origin)")
    diff.add_argument("--against", required=True, help="the other sandbox's id")
    diff.add_argument(
        "--against-key", default=os.environ.get("CSPSIM_AGAINST_KEY"), help="the other sandbox's admin key"
    )
    diff.set_defaults(run=sandbox_diff)
    clock = commands.add_parser("clock", help="move the sandbox clock").add_subparsers(dest="action", required=True)
    advance = clock.add_parser("advance", help="move the clock forward, firing the timers that fall due")
    moves = advance.add_mutually_exclusive_group(required=True)
    moves.add_argument("--days", type=float)
    moves.add_argument("--hours", type=float)
    moves.add_argument("--minutes", type=float)
    moves.add_argument("--seconds", type=float)
    moves.add_argument("--business-days", type=int)
    moves.add_argument("--to", help="an ISO 8601 instant, e.g. 2027-01-01T00:00:00Z")
    advance.set_defaults(run=clock_advance)
    scenario = commands.add_parser("scenario", help="load a scenario").add_subparsers(dest="action", required=True)
    load = scenario.add_parser("load", help="build the world of a JSON or YAML scenario in the sandbox")
    load.add_argument("file")
    load.set_defaults(run=scenario_load)
    seeding = commands.add_parser("seed", help="add bulk data: partners, customers, subscriptions")
    seeding.add_argument("--customers", type=_positive, required=True)
    seeding.add_argument("--partners", type=int, default=1)
    seeding.add_argument("--subscriptions", type=_positive, default=0, help="per customer")
    seeding.add_argument("--batch", type=int, default=5000, help="customers per request (one transaction each)")
    seeding.set_defaults(run=seed)
    for command in (create, listing, delete, fork, diff, advance, load, seeding):
        _control_options(command)


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
    serve_cmd.add_argument(
        "--workers",
        type=_workers,
        default=int(os.environ.get("CSPSIM_WORKERS", "1")),
        help="worker processes (uvicorn workers) sharing the port and the database; CSPSIM_WORKERS",
    )
    serve_cmd.add_argument(
        "--demo", action="store_true", help="first build a demo world (scenarios/transition.yaml) and print its keys"
    )
    serve_cmd.set_defaults(run=serve)
    commands.add_parser("migrate", help="apply migrations to DATABASE_URL").set_defaults(
        run=lambda _: migrate(Settings())
    )
    commands.add_parser("openapi", help="print the OpenAPI document").set_defaults(run=openapi)
    commands.add_parser(
        "operations", help="print the Partner Center and Graph operations served (Markdown)"
    ).set_defaults(run=operations)
    _control_commands(commands)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
