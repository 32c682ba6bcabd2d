"""Scale on PostgreSQL: a bulk seed by COPY, the customer listing's first and last page, a 30-day clock advance
over many timers, and a fork of the large sandbox. Prints figures; asserts nothing.

    python bench/scale.py                                   # 2,000 customers, 2,000 timers, a fresh database
    python bench/scale.py --customers 100000 --subscriptions 5 --timers 100000
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cspsim_bench python bench/scale.py

The seed is real: one customer is made through the API (tenant, admin user, relationship, MCA acceptance, orders
and subscriptions with their terms, timers, events, audit records, charges), and every row that made is copied N
times with `COPY` (asyncpg `copy_records_to_table`), each copy with its own ids and domain. One cspsim worker serves
the database (its background loops off, so the figures are the requests').

A fork is one statement on PostgreSQL, held to the worker's statement timeout (30 s by default): a large sandbox on a
slow machine needs more, e.g. CSPSIM_DB_STATEMENT_TIMEOUT_SECONDS=600.
"""

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from alembic import command

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from throughput import fresh_database, uvicorn_serving  # noqa: E402

import app.models  # noqa: E402, F401
from app.models.base import Base  # noqa: E402
from migrations import alembic_config  # noqa: E402
from tests.world import E3, World, bearer  # noqa: E402

TABLES = [t for t in Base.metadata.sorted_tables if "sandbox_id" in t.c and t.name != "sandboxes"]


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def rows_of(conn: asyncpg.Connection, sandbox_id: uuid.UUID) -> dict[str, dict[tuple[Any, ...], asyncpg.Record]]:
    found = {}
    for table in TABLES:
        keys = [c.name for c in table.primary_key.columns]
        records = await conn.fetch(f'SELECT * FROM "{table.name}" WHERE sandbox_id = $1', sandbox_id)
        found[table.name] = {tuple(r[k] for k in keys): r for r in records}
    return found


class Template:
    """The rows one customer made, and how to copy them with new ids and a new domain."""

    def __init__(self, rows: dict[str, list[asyncpg.Record]], domain: str) -> None:
        self.rows, self.domain = rows, domain
        ids = {r["id"] for records in rows.values() for r in records if "id" in r and isinstance(r["id"], uuid.UUID)}
        self.ids = sorted(ids)
        words = [re.escape(str(i)) for i in self.ids] + [re.escape(domain)]
        self.pattern = re.compile("|".join(words), re.IGNORECASE)

        # Each value, read once: a constant, a template id (swapped for the copy's), or text with ids or the domain
        # in it (rebuilt from its pieces).
        self.slots = {
            name: [
                [self._slot(r[c]) for c in r.keys()]  # noqa: SIM118 (a Record iterates values)
                for r in records
            ]
            for name, records in rows.items()
        }

    def _slot(self, value: Any) -> tuple[str, Any]:
        if isinstance(value, uuid.UUID) and value in set(self.ids):
            return "id", value
        if isinstance(value, str) and self.pattern.search(value):
            pieces: list[Any] = []
            at = 0
            for found in self.pattern.finditer(value):
                pieces += [value[at : found.start()], found.group(0).lower()]
                at = found.end()
            return "text", [*pieces, value[at:]]
        return "const", value

    def copies(self, first: int, count: int) -> Iterator[tuple[str, list[str], list[tuple[Any, ...]]]]:
        maps = []
        for n in range(first, first + count):
            new = {old: uuid.uuid4() for old in self.ids}
            text = {str(old).lower(): str(value) for old, value in new.items()}
            maps.append((new, text | {self.domain.lower(): f"{self.domain}{n}"}))
        for name, records in self.rows.items():
            if not records:
                continue
            columns = list(records[0].keys())
            out = []
            for new, text in maps:
                for slots in self.slots[name]:
                    out.append(
                        tuple(
                            value
                            if kind == "const"
                            else new[value]
                            if kind == "id"
                            else "".join(p if i % 2 == 0 else text[p] for i, p in enumerate(value))
                            for kind, value in slots
                        )
                    )
            yield name, columns, out


async def seed(url: str, sandbox_id: uuid.UUID, template: Template, customers: int, batch: int) -> float:
    conn = await asyncpg.connect(plain(url))
    # The copies are of rows the API wrote, consistent by construction: their foreign keys need no check per row
    # (the triggers that check them are skipped for this session; it takes a superuser, as a restore does).
    await conn.execute("SET session_replication_role = replica")
    started = time.perf_counter()
    try:
        done, building, copying = 1, 0.0, 0.0
        while done < customers:
            count = min(batch, customers - done)
            async with conn.transaction():
                copies = template.copies(done, count)
                while True:
                    mark = time.perf_counter()
                    made = next(copies, None)
                    building += time.perf_counter() - mark
                    if made is None:
                        break
                    name, columns, records = made
                    mark = time.perf_counter()
                    await conn.copy_records_to_table(name, records=records, columns=columns)
                    copying += time.perf_counter() - mark
            done += count
            rate = (done - 1) / (time.perf_counter() - started)
            print(f"\r  seeded {done:,}/{customers:,} customers ({rate:,.0f}/s)", end="", flush=True)
        print(f"\n  building rows {building:.1f} s, COPY {copying:.1f} s")
        for table in TABLES:
            await conn.execute(f'ANALYZE "{table.name}"')
    finally:
        await conn.close()
    return time.perf_counter() - started


async def add_timers(url: str, sandbox_id: uuid.UUID, now: datetime, count: int) -> None:
    conn = await asyncpg.connect(plain(url))
    try:
        records = [
            (
                sandbox_id,
                uuid.uuid4(),
                "sim.reminder",
                str(uuid.uuid4()),
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


async def bench(base: str, url: str, args: argparse.Namespace) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=600) as http:
        world = await World.create(http)
        sandbox_id = uuid.UUID(world.id)
        partner = await world.direct_bill_partner()
        token = await partner.app_token()
        conn = await asyncpg.connect(plain(url))
        before = await rows_of(conn, sandbox_id)
        customer = await partner.customer_with_mca()
        for _ in range(args.subscriptions):
            assert (await partner.order(customer["id"], offer=E3, token=token)).status_code == 201
        after = await rows_of(conn, sandbox_id)
        await conn.close()
        made = {name: [r for key, r in after[name].items() if key not in before[name]] for name in after}
        domain = next(r["domain"] for r in made["tenants"])
        template = Template(made, domain)
        print(f"one customer is {sum(map(len, made.values()))} rows in {sum(1 for v in made.values() if v)} tables")

        page = {"size": 20}
        empty = await timed(lambda: http.get("/v1/customers", params=page, headers=bearer(token)))
        seconds = await seed(url, sandbox_id, template, args.customers, args.batch)
        print(
            f"seed: {args.customers:,} customers ({args.subscriptions} subscriptions each) by COPY in {seconds:.1f} s: "
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

        now = datetime.fromisoformat((await world.sim("GET", "/clock")).json()["now"].replace("Z", "+00:00"))
        await add_timers(url, sandbox_id, now.astimezone(UTC), args.timers)
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
        print(
            f"clock: a 30-day advance fired {fired:,} timers in {advance:.1f} s ({calls} calls, "
            f"{advance / calls * 1000:.0f} ms a call, {fired / advance:,.0f} timers/s)"
        )

        started = time.perf_counter()
        r = await world.sim("POST", "/fork", json={})
        assert r.status_code == 201, r.text
        forked = time.perf_counter() - started
        conn = await asyncpg.connect(plain(url))
        copied = 0
        for table in TABLES:
            copied += await conn.fetchval(f'SELECT count(*) FROM "{table.name}" WHERE sandbox_id = $1', r.json()["id"])
        await conn.close()
        print(
            f"fork: the {args.customers:,}-customer sandbox forked in {forked:.1f} s "
            f"({copied:,} rows, {copied / forked:,.0f} rows/s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--subscriptions", type=int, default=1, help="subscriptions (orders) per customer")
    parser.add_argument("--timers", type=int, default=2000, help="reminders due within the 30 days advanced")
    parser.add_argument("--batch", type=int, default=1000, help="customers per COPY round")
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
