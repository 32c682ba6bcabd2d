"""How long one billing run takes for a partner with 10,000 customers of 5 subscriptions each, on PostgreSQL.

    python bench/billing_run.py                       # a fresh database on 127.0.0.1:5432, dropped afterwards
    python bench/billing_run.py --customers 2000 --subscriptions 5
    python bench/billing_run.py --distributor          # an indirect provider: its run re-bills a reseller (BIL-5)
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/somewhere python bench/billing_run.py

Seeding: `cspsim seed` (the services, over HTTP, every rule applied) makes one partner's first customer with its
subscriptions; the other customers are copies of it made by set-based SQL (INSERT ... SELECT over generate_series:
the customer's tenant row, its subscriptions and their charge events, each with new ids), which takes seconds where
the seed path would take an hour. With --distributor the first customer is a distributor's, served with a reseller
(made through the API) and its relationships are copied too. Then the billing run of the period those charges fall
in is timed: the same `issue_invoices` the `billing.run` timer calls and the re-billing it runs after it, in one
transaction, committed. Beside it runs a task that wakes every 2 ms: the longest it waited past that is the longest
the run held the event loop, which every other sandbox served by the same worker waits too. It prints the figures
and the process's peak memory; it asserts nothing about them.
"""

import argparse
import asyncio
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from alembic import command
from seed_customers import serving

from app.billing.periods import billing_period
from app.billing.service import issue_invoices
from app.cli import main as cspsim
from app.kernel.context import SYSTEM, SandboxContext
from app.kernel.db import Database
from app.models import Base, Charge, Invoice, InvoiceLine, Sandbox, Subscription, Tenant
from app.resale.invoicing import rebill
from migrations import alembic_config
from tests.world import World

SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"


def _fresh_database() -> tuple[str, str]:
    name = f"bench_billing_{os.getpid()}"
    subprocess.run(
        ["psql", "-qAt", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", f"CREATE DATABASE {name}"],
        check=True,
    )
    return f"{SERVER}/{name}", name


def _drop(name: str) -> None:
    subprocess.run(
        ["psql", "-qAt", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", f"DROP DATABASE {name}"],
        check=False,
    )


async def _distributor_template(base: str, subscriptions: int) -> str:
    """A distributor (indirect provider), a reseller partnered with it, and one end customer it serves with that
    reseller holding `subscriptions` subscriptions, made through the API as the resale tests make them."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        world = await World.create(http)
        provider, reseller = await world.provider(), await world.indirect_reseller()
        await world.partner_up(provider, reseller)
        r = await provider.create_customer(associatedPartnerId=reseller.id)
        assert r.status_code == 201, r.text
        await provider.attest_mca(r.json()["id"])
        for _ in range(subscriptions):
            ordered = await provider.order(str(r.json()["id"]), quantity=10)
            assert ordered.status_code == 201, ordered.text
        return world.id


def _seed_template(url: str, data_dir: Path, subscriptions: int, distributor: bool = False) -> str:
    if distributor:
        with serving(url, data_dir) as base:
            return asyncio.run(_distributor_template(base, subscriptions))
    with serving(url, data_dir) as base:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cspsim(["sandbox", "create", "--url", base, "--name", "billing-bench", "--json"])
        sandbox = json.loads(out.getvalue())
        target = ["--url", base, "--sandbox", sandbox["id"], "--key", sandbox["adminKey"]]
        with contextlib.redirect_stdout(io.StringIO()):
            cspsim(["seed", *target, "--customers", "1", "--partners", "1", "--subscriptions", str(subscriptions)])
    return str(sandbox["id"])


def _copy(table: str, columns: list[str], replaced: dict[str, str], where: str) -> str:
    """INSERT ... SELECT making `copies` of the rows `where` holds, with `replaced` columns computed from n."""
    chosen = ", ".join(replaced.get(c, c) for c in columns)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {chosen} "
        f"FROM {table}, generate_series(1, :copies) AS n WHERE {where}"
    )


def _new_id(column: str) -> str:
    return f"md5({column}::text || '-' || n)::uuid"


# What differs in the n-th copy of the customer's tenant row and of its charges.
CUSTOMER_COPY = {"id": _new_id("id"), "domain": "'c' || n || '-' || domain", "display_name": "display_name || ' ' || n"}
CHARGE_COPY = {
    "id": _new_id("id"),
    "subscription_id": _new_id("subscription_id"),
    "customer_tenant_id": _new_id("customer_tenant_id"),
    "seq": "seq + n * 1000",
}


async def _multiply(db: Database, sandbox_id: uuid.UUID, copies: int) -> tuple[uuid.UUID, str]:
    """Copy the seeded customer `copies` times (tenant, relationships, subscriptions, charges); answers the partner
    and the customer's country."""
    async with db.transaction() as session:
        charge = (await session.execute(select(Charge).where(Charge.sandbox_id == sandbox_id).limit(1))).scalar_one()
        customer = await session.get(Tenant, (sandbox_id, charge.customer_tenant_id))
        assert customer is not None
        params = {"copies": copies, "sandbox": sandbox_id, "customer": customer.id}
        of_customer = "sandbox_id = :sandbox AND customer_tenant_id = :customer"
        new_customer = {"id": _new_id("id"), "customer_tenant_id": _new_id("customer_tenant_id")}
        copied = [
            ("tenants", CUSTOMER_COPY, "sandbox_id = :sandbox AND id = :customer"),
            # its relationships: a distributor's names the reseller that serves it
            ("customer_relationships", new_customer, of_customer),
            ("subscriptions", new_customer, of_customer),
            ("charges", CHARGE_COPY, of_customer),
        ]
        for table, replaced, where in copied:
            columns = [c.name for c in Base.metadata.tables[table].columns]
            await session.execute(text(_copy(table, columns, replaced, where)), params)
        await session.execute(text("ANALYZE"))
        return charge.partner_tenant_id, customer.country


async def _longest_hold(running: asyncio.Event) -> float:
    """How long, at most, the event loop was held past a 2 ms sleep while `running` is set."""
    longest = 0.0
    while running.is_set():
        asked = time.perf_counter()
        await asyncio.sleep(0.002)
        longest = max(longest, time.perf_counter() - asked - 0.002)
    return longest


async def bench(url: str, sandbox_text: str, customers: int) -> None:
    db = Database(url)
    sandbox_id = uuid.UUID(sandbox_text)
    started = time.perf_counter()
    partner_id, country = await _multiply(db, sandbox_id, customers - 1)
    seeded = time.perf_counter() - started
    async with db.transaction() as session:
        subscriptions = len(
            (await session.execute(select(Subscription.id).where(Subscription.sandbox_id == sandbox_id))).all()
        )
        first = (
            await session.execute(select(Charge.occurred_at).where(Charge.sandbox_id == sandbox_id).limit(1))
        ).scalar_one()
    running = asyncio.Event()
    running.set()
    probe = asyncio.create_task(_longest_hold(running))
    started = time.perf_counter()
    async with db.transaction() as session:
        sandbox = await session.get(Sandbox, sandbox_id)
        assert sandbox is not None
        ctx = await SandboxContext.enter(session, sandbox, SYSTEM)
        period = billing_period(ctx, country, first)
        issued = await issue_invoices(ctx, partner_tenant_id=partner_id, country=country, period=period)
        resold = await rebill(ctx, partner_id, country, period, issued)
    run = time.perf_counter() - started
    running.clear()
    held = await probe
    async with db.transaction() as session:
        lines = len((await session.execute(select(InvoiceLine.id).where(InvoiceLine.sandbox_id == sandbox_id))).all())
        totals = [
            (i.number, i.total_charges, i.currency)
            for i in (await session.execute(select(Invoice).where(Invoice.sandbox_id == sandbox_id))).scalars()
        ]
    await db.dispose()
    print(
        f"seeded {customers} customers with {subscriptions} subscriptions by SQL in {seeded:.1f} s; "
        f"the billing run of {period.start}..{period.last_day} ({country}) issued {len(issued)} invoice(s), "
        f"{lines} lines, {totals}, and {len(resold)} reseller invoice(s) ({sum(i.seats for i in resold):,} seats), "
        f"in {run:.2f} s; the event loop was held at most {held * 1000:.0f} ms at a time; "
        f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=5)
    parser.add_argument(
        "--distributor", action="store_true", help="the partner is a distributor: its run re-bills a reseller (BIL-5)"
    )
    args = parser.parse_args()
    given = os.environ.get("DATABASE_URL")
    url, name = (given, "") if given else _fresh_database()
    try:
        command.upgrade(alembic_config(url), "head")
        with tempfile.TemporaryDirectory() as folder:
            sandbox = _seed_template(url, Path(folder), args.subscriptions, args.distributor)
        asyncio.run(bench(url, sandbox, args.customers))
    finally:
        if name:
            _drop(name)


if __name__ == "__main__":
    main()
