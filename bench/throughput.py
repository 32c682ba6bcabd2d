"""Requests per second and latency of cspsim's hot calls, beside the bare stack (FastAPI over a raw asyncpg pool).

    python bench/throughput.py                                  # 2 workers, 10 s per call, 32 connections
    python bench/throughput.py --workers 4 --seconds 20 --connections 64
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cspsim_bench python bench/throughput.py

cspsim runs under uvicorn with N workers on a fresh PostgreSQL database this script creates on 127.0.0.1:5432 (and
drops afterwards), or on DATABASE_URL as it is. A small world is loaded through the API: a direct-bill partner, its
customers (MCA attested), a subscription. When `../shared/bench/baseline_app.py` is there, the bare stack is
started beside it (BASELINE_DSN, else the same database) with as many workers. One async client (httpx) drives
both with the same load, `--connections` calls in flight, in interleaved rounds (every call gets a slice of each
round, so a noisy neighbour on the machine falls on both sides alike), loopback only. It prints req/s, p50 and p99
per call, then the ratios the issue sets as targets:

    GET of one customer    >= 0.70 x the bare GET        create customer   >= 0.50 x the bare INSERT
    p99                    <= 1.5 x the bare p99

With `--history N` it measures instead whether a sandbox slows down as its history grows: two sandboxes are set
up alike, N calls of a steady mix (reads, creates and orders with MS-RequestId, tokens, GDAP) are driven into one
of them (events, audit records and kept idempotency answers pile up), then each call is measured against the aged
sandbox and the fresh one in interleaved rounds. It prints both and their ratio (goal: within 10 %), and the fresh
sandbox's figures before the history was written, so a cost that grows for every sandbox (a loop scanning all
history) shows too.

    python bench/throughput.py --history 20000 --seconds 6

Figures are for comparing, not for asserting: the machine is shared, so read the ratios.
"""

import argparse
import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from alembic import command

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from migrations import alembic_config
from tests.world import E3, World, bearer

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT.parent / "shared" / "bench" / "baseline_app.py"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"

Call = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _admin_sql(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(LOCAL_POSTGRES, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """DATABASE_URL as it is, or a new database on the local server, dropped afterwards."""
    given = os.environ.get("DATABASE_URL")
    if given:
        yield given
        return
    name = f"cspsim_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_sql(f'CREATE DATABASE "{name}"'))
    try:
        yield LOCAL_POSTGRES.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def uvicorn_serving(target: list[str], *, workers: int, env: dict[str, str], cwd: Path) -> Iterator[str]:
    """A uvicorn server in its own process group on a free loopback port, stopped (by its own pid) afterwards."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{' '.join(target)} stopped at start-up (exit {process.returncode})")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/openapi.json" if "baseline" not in target[-1] else f"{base}/docs").is_success:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"{' '.join(target)} did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Tally:
    """One call's figures over every round."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


async def drive(http: httpx.AsyncClient, call: Call, seconds: float, connections: int, tally: Tally) -> None:
    """`connections` callers in a loop for `seconds`, each call timed from send to the last byte."""
    deadline = time.perf_counter() + seconds

    async def caller() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                r = await call(http)
                ok = r.is_success
            except httpx.HTTPError:
                ok = False
            if ok:
                tally.latencies.append(time.perf_counter() - started)
            else:
                tally.failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(connections)))
    tally.seconds += time.perf_counter() - started


async def cspsim_calls(http: httpx.AsyncClient, customers: int, *, request_ids: bool = False) -> dict[str, Call]:
    """A small world, loaded through the API, and the calls the issue names, each ready to repeat. `request_ids`:
    every POST carries a new MS-RequestId, so its answer is kept for replay as a client's retry would need."""
    world = await World.create(http)
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    graph = await http.post(
        f"/{partner.id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": partner.app["clientId"],
            "client_secret": partner.app["clientSecret"],
            "scope": GRAPH_SCOPE,
        },
    )
    graph.raise_for_status()
    graph_token = graph.json()["access_token"]
    ids = [(await partner.customer_with_mca())["id"] for _ in range(customers)]
    r = await partner.order(ids[0], token=token)
    assert r.status_code == 201, r.text
    listed = await partner.get(f"/v1/customers/{ids[0]}/subscriptions", token=token)
    subscription = f"/v1/customers/{ids[0]}/subscriptions/{listed.json()['items'][0]['id']}"
    auth, graph_auth = bearer(token), bearer(graph_token)
    rotation = itertools.cycle(ids)
    names = (f"bench{uuid.uuid4().hex[:12]}" for _ in itertools.count())
    order = {
        "lineItems": [
            {"lineItemNumber": 0, "offerId": E3, "quantity": 1, "termDuration": "P1M", "billingCycle": "monthly"}
        ]
    }
    client = {"grant_type": "client_credentials", "client_id": partner.app["clientId"]}
    client |= {
        "client_secret": partner.app["clientSecret"],
        "scope": "https://api.partnercenter.microsoft.com/.default",
    }

    def customer_body(name: str) -> dict[str, object]:
        address = {"firstName": "Ada", "lastName": "Lovelace", "addressLine1": "1 Bill St", "city": "Redmond"}
        address |= {"state": "WA", "postalCode": "98052", "country": "US"}
        return {
            "companyProfile": {"domain": name, "companyName": name},
            "billingProfile": {"email": f"billing@{name}.example", "companyName": name, "defaultAddress": address},
        }

    def posting() -> dict[str, str]:
        return auth | {"MS-RequestId": str(uuid.uuid4())} if request_ids else auth

    return {
        "GET customer": lambda h: h.get(f"/v1/customers/{next(rotation)}", headers=auth),
        "GET subscription": lambda h: h.get(subscription, headers=auth),
        "POST customer": lambda h: h.post("/v1/customers", json=customer_body(next(names)), headers=posting()),
        "POST order": lambda h: h.post(f"/v1/customers/{next(rotation)}/orders", json=order, headers=posting()),
        "GDAP list": lambda h: h.get("/v1.0/tenantRelationships/delegatedAdminRelationships", headers=graph_auth),
        "token": lambda h: h.post(f"/{partner.id}/oauth2/v2.0/token", data=client),
    }


def baseline_calls() -> dict[str, Call]:
    ids = itertools.cycle(uuid.UUID(int=i + 1) for i in range(10_000))
    return {
        "bare GET": lambda h: h.get(f"/baseline/items/{next(ids)}"),
        "bare INSERT": lambda h: h.post("/baseline/items", json={"name": "bench item", "country": "US"}),
    }


async def measure(bases: dict[str, str], args: argparse.Namespace) -> dict[str, Tally]:
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            side: await stack.enter_async_context(httpx.AsyncClient(base_url=base, limits=limits, timeout=30))
            for side, base in bases.items()
        }
        calls = await cspsim_calls(clients["cspsim"], args.customers)
        sides = dict.fromkeys(calls, "cspsim")
        if "baseline" in clients:
            bare = baseline_calls()
            calls |= bare
            sides |= dict.fromkeys(bare, "baseline")
        tallies = {name: Tally() for name in calls}
        for name, call in calls.items():  # warm: connections, keys, caches, in every worker
            await drive(clients[sides[name]], call, min(1.0, args.seconds / args.rounds), args.connections, Tally())
        for n in range(args.rounds):
            for name, call in calls.items():
                await drive(clients[sides[name]], call, args.seconds / args.rounds, args.connections, tallies[name])
            print(f"round {n + 1}/{args.rounds} done", flush=True)
        return tallies


def report(tallies: dict[str, Tally]) -> None:
    print(f"\n{'call':<18}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'failed':>8}")
    for name, tally in tallies.items():
        print(
            f"{name:<18}{tally.rate:>10.1f}{tally.percentile(0.5):>10.1f}{tally.percentile(0.99):>10.1f}{tally.failures:>8}"
        )
    if "bare GET" not in tallies:
        print("\nno baseline (../shared/bench/baseline_app.py is missing): no ratios")
        return
    get, insert = tallies["bare GET"], tallies["bare INSERT"]
    ratios = [
        ("GET customer req/s vs bare GET", tallies["GET customer"].rate / get.rate, ">= 0.70"),
        ("POST customer req/s vs bare INSERT", tallies["POST customer"].rate / insert.rate, ">= 0.50"),
        ("GET customer p99 vs bare GET p99", tallies["GET customer"].percentile(0.99) / get.percentile(0.99), "<= 1.5"),
        (
            "POST customer p99 vs bare INSERT p99",
            tallies["POST customer"].percentile(0.99) / insert.percentile(0.99),
            "<= 1.5",
        ),
        ("GET subscription req/s vs bare GET", tallies["GET subscription"].rate / get.rate, ""),
        ("POST order req/s vs bare INSERT", tallies["POST order"].rate / insert.rate, ""),
    ]
    print("\nratios (cspsim / bare stack)")
    for what, ratio, target in ratios:
        print(f"  {what:<40}{ratio:>6.2f}  {('target ' + target) if target else ''}")


# The steady mix written into the aged sandbox: mostly reads, as a partner's integration runs.
HISTORY_MIX = ["GET customer"] * 4 + ["GET subscription"] * 2 + ["POST customer", "POST order", "GDAP list", "token"]


async def write_history(http: httpx.AsyncClient, calls: dict[str, Call], count: int, connections: int) -> int:
    """`count` calls of HISTORY_MIX into one sandbox, `connections` in flight; answers how many failed."""
    mix = itertools.cycle(HISTORY_MIX)
    left, failed, started = count, 0, time.perf_counter()

    async def caller() -> None:
        nonlocal left, failed
        while left > 0:
            left -= 1
            try:
                ok = (await calls[next(mix)](http)).is_success
            except httpx.HTTPError:
                ok = False
            failed += not ok
            done = count - left
            if done % 2000 == 0:
                print(f"  history: {done}/{count} calls, {done / (time.perf_counter() - started):.0f}/s", flush=True)

    await asyncio.gather(*(caller() for _ in range(connections)))
    return failed


async def measure_history(base: str, args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        aged = await cspsim_calls(http, args.customers, request_ids=True)
        fresh = await cspsim_calls(http, args.customers, request_ids=True)
        names = list(dict.fromkeys(HISTORY_MIX))
        slice_ = args.seconds / args.rounds

        async def compare(sides: dict[str, dict[str, Call]]) -> dict[str, dict[str, Tally]]:
            tallies = {side: {name: Tally() for name in names} for side in sides}
            for calls in sides.values():  # warm
                for name in names:
                    await drive(http, calls[name], min(1.0, slice_), args.connections, Tally())
            for _ in range(args.rounds):
                for name in names:
                    for side, calls in sides.items():
                        await drive(http, calls[name], slice_, args.connections, tallies[side][name])
            return tallies

        before = await compare({"fresh": fresh})
        print(f"writing {args.history} calls of history into one sandbox", flush=True)
        failed = await write_history(http, aged, args.history, args.connections)
        print(f"history written ({failed} failed)", flush=True)
        after = await compare({"aged": aged, "fresh": fresh})
    print(f"\n{'call':<18}{'fresh before':>14}{'fresh req/s':>13}{'aged req/s':>12}{'aged/fresh':>12}{'aged p99':>10}")
    for name in names:
        was, now, old = before["fresh"][name], after["fresh"][name], after["aged"][name]
        ratio = old.rate / now.rate if now.rate else float("nan")
        print(
            f"{name:<18}{was.rate:>14.1f}{now.rate:>13.1f}{old.rate:>12.1f}{ratio:>12.2f}{old.percentile(0.99):>10.1f}"
        )
    print("\ngoal: aged/fresh within 10 % (>= 0.90); 'fresh before' vs 'fresh req/s' shows a cost every sandbox pays")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of each server")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per call, over all rounds")
    parser.add_argument("--connections", type=int, default=32, help="calls in flight")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--customers", type=int, default=20, help="customers of the partner, read in turn")
    parser.add_argument("--history", type=int, default=0, help="calls of history in the aged sandbox (see above)")
    args = parser.parse_args()
    with fresh_database() as url:
        command.upgrade(alembic_config(url), "head")
        env = {"DATABASE_URL": url, "CSPSIM_LOG_LEVEL": "WARNING"}
        factory = ["--factory", "app.main:create_app"]
        with contextlib.ExitStack() as stack:
            bases = {"cspsim": stack.enter_context(uvicorn_serving(factory, workers=args.workers, env=env, cwd=ROOT))}
            if args.history:
                print(f"cspsim {bases['cspsim']}: {args.workers} workers, {args.connections} connections", flush=True)
                asyncio.run(measure_history(bases["cspsim"], args))
                return
            if BASELINE.exists():
                dsn = os.environ.get("BASELINE_DSN") or url.replace("postgresql+asyncpg://", "postgresql://")
                bases["baseline"] = stack.enter_context(
                    uvicorn_serving(
                        ["baseline_app:app"], workers=args.workers, env={"BASELINE_DSN": dsn}, cwd=BASELINE.parent
                    )
                )
            beside = f"the bare stack {bases['baseline']}" if "baseline" in bases else "no baseline"
            print(
                f"cspsim {bases['cspsim']} and {beside}: {args.workers} workers each, "
                f"{args.connections} connections, {args.seconds:g} s per call in {args.rounds} rounds",
                flush=True,
            )
            report(asyncio.run(measure(bases, args)))


if __name__ == "__main__":
    main()
