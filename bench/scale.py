"""Scale on PostgreSQL: a bulk seed by COPY, the customer listing's first and last page, a 30-day clock advance
over many timers, a fork of the large sandbox, the diff of the two and the fork's deletion. Prints figures; asserts
nothing.

    python bench/scale.py                                   # 2,000 customers, 2,000 timers, a fresh database
    python bench/scale.py --customers 100000 --subscriptions 5 --timers 100000
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cspsim_bench python bench/scale.py

The seed is the product's own (`POST /sim/v1/sandboxes/{id}/seed` in batches, as `cspsim seed` sends them): every
customer of a batch has the rows one made through the services has (tenant, admin user, relationship, MCA
acceptance, orders and subscriptions with their terms, timers, events, audit records, charges), written by `COPY`.
One cspsim worker serves the database (its background loops off, so the figures are the requests').

A fork is one statement on PostgreSQL, held to the worker's statement timeout (30 s by default): a large sandbox on a
slow machine needs more, e.g. CSPSIM_DB_STATEMENT_TIMEOUT_SECONDS=600.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from alembic import command

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from throughput import fresh_database, uvicorn_serving  # noqa: E402

from app.kernel.bulk import sandbox_tables  # noqa: E402
from app.kernel.context import random_ids  # noqa: E402
from migrations import alembic_config  # noqa: E402
from tests.world import World, bearer  # noqa: E402


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def seed(world: World, customers: int, subscriptions: int, batch: int) -> tuple[float, str]:
    """`customers` customers of one direct-bill partner, by the product's own bulk seed in batches (as `cspsim seed`
    sends them): the seconds it took and an app token of the partner."""
    started, done, token = time.perf_counter(), 0, ""
    while done < customers:
        count = min(batch, customers - done)
        body = {"partners": 1, "customers": count, "subscriptions": subscriptions}
        r = await world.sim("POST", "/seed", json=body)
        assert r.status_code == 200, r.text
        for partner in r.json()["newPartners"]:  # the first batch makes the partner and answers its credentials
            asked = partner["tokenRequest"]
            answered = await world.http.post(asked["url"], data=asked["form"])
            assert answered.status_code == 200, answered.text
            token = answered.json()[asked["tokenField"]]
        done += count
        rate = done / (time.perf_counter() - started)
        print(f"\r  seeded {done:,}/{customers:,} customers ({rate:,.0f}/s)", end="", flush=True)
    print()
    return time.perf_counter() - started, token


async def add_timers(url: str, sandbox_id: uuid.UUID, now: datetime, count: int) -> None:
    conn = await asyncpg.connect(plain(url))
    # Ids and refs as the product makes them (`POST /reminders` takes both from `new_id()`).
    ids, refs = random_ids(count), random_ids(count)
    try:
        records = [
            (
                sandbox_id,
                ids[n],
                "sim.reminder",
                refs[n],
                f'{{"label": "bench {n}"}}',
                now + timedelta(seconds=1 + n * 29 * 86400 / count),
                n,
                "pending",
                now,
            )
            for n in range(count)
        ]
        columns = ["sandbox_id", "id", "kind", "ref", "payload", "due_at", "seq", "status", "created_at"]
        await conn.copy_records_to_table("timers", records=records, columns=columns)
        await conn.execute("ANALYZE timers")
    finally:
        await conn.close()


async def timed(call: Any, times: int = 5) -> float:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        r = await call()
        seconds.append(time.perf_counter() - started)
        assert r.status_code == 200, r.text
    return statistics.median(seconds)


async def bystanding(http: httpx.AsyncClient, token: str, running: asyncio.Event) -> list[float]:
    """Another sandbox's caller: its customer listing, again and again while `running`, each call's seconds."""
    seconds = []
    while running.is_set():
        started = time.perf_counter()
        r = await http.get("/v1/customers", params={"size": 1}, headers=bearer(token))
        assert r.status_code == 200, r.text
        seconds.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)
    return seconds


def waited(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    return (
        f"another sandbox's {len(ordered)} GETs meanwhile took {statistics.median(ordered) * 1000:.0f} ms (median), "
        f"{ordered[-1] * 1000:.0f} ms at worst"
    )


async def bench(base: str, url: str, args: argparse.Namespace) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=600) as http:
        world = await World.create(http)
        sandbox_id = uuid.UUID(world.id)
        page = {"size": 20}
        one, token = await seed(world, 1, args.subscriptions, args.batch)
        empty = await timed(lambda: http.get("/v1/customers", params=page, headers=bearer(token)))
        seconds, _ = await seed(world, args.customers - 1, args.subscriptions, args.batch)
        seconds += one
        print(
            f"seed: {args.customers:,} customers ({args.subscriptions} subscriptions each) in {seconds:.1f} s: "
            f"{args.customers / seconds:,.0f} customers/s"
        )

        first = await timed(lambda: http.get("/v1/customers", params=page, headers=bearer(token)))
        listed = (await http.get("/v1/customers", params=page, headers=bearer(token))).json()
        print(
            f"listing: totalCount {listed['totalCount']:,}; first page {empty * 1000:.0f} ms with 1 customer, "
            f"{first * 1000:.0f} ms with {args.customers:,}"
        )
        if args.customers <= args.walk_limit:
            continuation, pages = None, 1
            while listed.get("links", {}).get("next"):
                continuation = listed["links"]["next"]["headers"][0]["value"]
                headers = {**bearer(token), "MS-ContinuationToken": continuation}
                listed = (await http.get("/v1/customers", params=page, headers=headers)).json()
                pages += 1
            headers = {**bearer(token), "MS-ContinuationToken": continuation or ""}
            last = await timed(lambda: http.get("/v1/customers", params=page, headers=headers))
            print(f"listing: last page (page {pages:,}) {last * 1000:.0f} ms: {last / first:.2f}x the first")
        else:
            print(f"listing: last page not walked (more than --walk-limit {args.walk_limit:,} customers)")

        _, other = await seed(await World.create(http), 1, 1, args.batch)  # a bystander, in a sandbox of its own
        now = datetime.fromisoformat((await world.sim("GET", "/clock")).json()["now"].replace("Z", "+00:00"))
        await add_timers(url, sandbox_id, now.astimezone(UTC), args.timers)
        running = asyncio.Event()
        running.set()
        bystander = asyncio.create_task(bystanding(http, other, running))
        started, fired, calls = time.perf_counter(), 0, 0
        r = await world.sim("POST", "/clock/advance", json={"days": 30})
        while True:
            calls += 1
            assert r.status_code == 200, r.text
            fired += len(r.json()["fired"])
            if r.json()["complete"]:
                break
            r = await world.sim("POST", "/clock/advance", json={"to": r.json()["continueTo"]})
        advance = time.perf_counter() - started
        running.clear()
        print(
            f"clock: a 30-day advance fired {fired:,} timers in {advance:.1f} s ({calls} calls, "
            f"{advance / calls * 1000:.0f} ms a call, {fired / advance:,.0f} timers/s); {waited(await bystander)}"
        )

        running.set()
        bystander = asyncio.create_task(bystanding(http, other, running))
        started = time.perf_counter()
        r = await world.sim("POST", "/fork", json={})
        assert r.status_code == 201, r.text
        forked = time.perf_counter() - started
        running.clear()
        meanwhile = waited(await bystander)
        conn = await asyncpg.connect(plain(url))
        copied = 0
        for table in sandbox_tables():
            copied += await conn.fetchval(f'SELECT count(*) FROM "{table.name}" WHERE sandbox_id = $1', r.json()["id"])
        await conn.close()
        print(
            f"fork: the {args.customers:,}-customer sandbox forked in {forked:.1f} s "
            f"({copied:,} rows, {copied / forked:,.0f} rows/s); {meanwhile}"
        )

        fork = r.json()
        started = time.perf_counter()
        against = {"CSPSIM-Against-Key": fork["adminKey"]}
        r = await world.sim("GET", "/diff", params={"against": fork["id"]}, headers=against)
        assert r.status_code == 200, r.text
        compared = time.perf_counter() - started
        print(f"diff: the sandbox against its fork in {compared:.1f} s ({r.json()['totalChanges']} changes)")
        started = time.perf_counter()
        r = await http.delete(f"/sim/v1/sandboxes/{fork['id']}", headers=bearer(fork["adminKey"]))
        assert r.status_code == 204, r.text
        deleted = time.perf_counter() - started
        print(f"delete: the fork (every row of {args.customers:,} customers) deleted in {deleted:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--subscriptions", type=int, default=1, help="subscriptions (orders) per customer")
    parser.add_argument("--timers", type=int, default=2000, help="reminders due within the 30 days advanced")
    parser.add_argument("--batch", type=int, default=5000, help="customers per seed call (at most 5,000)")
    parser.add_argument("--walk-limit", type=int, default=20000, help="walk to the listing's last page up to this")
    args = parser.parse_args()
    with fresh_database() as url, tempfile.TemporaryDirectory() as data:
        if not url.startswith("postgresql"):
            raise SystemExit("bench/scale.py measures PostgreSQL: DATABASE_URL=postgresql+asyncpg://...")
        command.upgrade(alembic_config(url), "head")
        env = {
            "DATABASE_URL": url,
            "CSPSIM_DATA_DIR": data,
            "CSPSIM_TIMER_INTERVAL_SECONDS": "0",
            "CSPSIM_LOG_LEVEL": "WARNING",
        }
        with uvicorn_serving(["--factory", "app.cli:worker_app"], workers=1, env=env, cwd=ROOT) as base:
            asyncio.run(bench(base, url, args))


if __name__ == "__main__":
    main()
