"""How long `cspsim seed` takes for many customers: a real server (uvicorn, in a thread) on a fresh database, and
the CLI talking to it over HTTP exactly as a person runs it.

    python bench/seed_customers.py                          # 100,000 customers on SQLite in a temporary folder
    python bench/seed_customers.py --customers 10000 --subscriptions 1
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cspsim_bench python bench/seed_customers.py

It prints the CLI's own summary, then the time and the rate; the listing is checked to hold every customer.
"""

import argparse
import contextlib
import io
import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from alembic import command

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli import main as cspsim
from app.config import Settings
from app.main import create_app
from migrations import alembic_config


@contextlib.contextmanager
def serving(url: str, data_dir: Path):  # type: ignore[no-untyped-def]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Settings(database_url=url, data_dir=data_dir), run_timers=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def bench(url: str, data_dir: Path, args: argparse.Namespace) -> None:
    with serving(url, data_dir) as base:
        created = io.StringIO()
        with contextlib.redirect_stdout(created):
            cspsim(["sandbox", "create", "--url", base, "--name", "seed-bench", "--json"])
        sandbox = json.loads(created.getvalue())
        target = ["--url", base, "--sandbox", sandbox["id"], "--key", sandbox["adminKey"]]
        started = time.perf_counter()
        cspsim(
            [
                "seed",
                *target,
                "--customers",
                str(args.customers),
                "--partners",
                str(args.partners),
                "--subscriptions",
                str(args.subscriptions),
                "--batch",
                str(args.batch),
            ]
        )
        seconds = time.perf_counter() - started
        admin = {"Authorization": f"Bearer {sandbox['adminKey']}"}
        listed = httpx.get(f"{base}/sim/v1/sandboxes/{sandbox['id']}/tenants?kind=customer&size=1", headers=admin)
        total = listed.json()["totalCount"]
    print(
        f"{url.split(':', 1)[0]}: {args.customers} customers ({args.subscriptions} subscriptions each) over "
        f"{args.partners} partners in {seconds:.1f} s, {args.customers / seconds:.0f} customers/s; "
        f"the tenant listing counts {total}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=10)
    parser.add_argument("--subscriptions", type=int, default=0)
    parser.add_argument("--batch", type=int, default=5000, help="customers per request, as `cspsim seed` sends")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{folder}/bench.db"
        command.upgrade(alembic_config(url), "head")
        bench(url, Path(folder), args)


if __name__ == "__main__":
    main()
