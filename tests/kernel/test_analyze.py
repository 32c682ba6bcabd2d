"""Planner statistics stay fresh without the operator's autovacuum (issue 17): a pass of the analyze loop analyzes
every table never analyzed, and those that changed enough since, as autovacuum's defaults would."""

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from app.kernel.analyze import analyze_stale_tables
from tests.world import World

NEVER_ANALYZED = text(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.reltuples < 0 AND c.relname <> 'alembic_version'"
)
TENANTS_ANALYZED = text(
    "SELECT coalesce(last_analyze, last_autoanalyze) IS NOT NULL FROM pg_stat_user_tables "
    "WHERE schemaname = current_schema() AND relname = 'tenants'"
)


async def test_a_pass_leaves_no_table_without_statistics(world: World, app: Any) -> None:
    partner = await world.direct_bill_partner()
    assert (await partner.create_customer()).status_code == 201
    db = app.state.db
    if db.is_sqlite:  # SQLite's planner needs no pass: there is nothing to refresh
        assert await analyze_stale_tables(db.engine) == []
        return
    analyzed = await analyze_stale_tables(db.engine)
    async with db.engine.connect() as conn:
        assert (await conn.execute(NEVER_ANALYZED)).scalars().all() == [], f"the pass analyzed only {analyzed}"
        assert (await conn.execute(TENANTS_ANALYZED)).scalar_one(), f"tenants has no statistics; pass: {analyzed}"


async def test_a_clock_advance_plans_from_statistics(world: World, app: Any) -> None:
    """A batch of timers analyzes first, in its own transaction: data made just before a clock advance (a test's
    usual order) is not planned as if its tables were empty (a billing run's nested scans took minutes). A table
    never analyzed, made just before the advance, has statistics after it."""
    db = app.state.db
    probe = f"analyze_probe_{uuid.uuid4().hex[:12]}"
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text(f'CREATE TABLE "{probe}" (id integer)'))
    try:
        r = await world.sim("POST", "/clock/advance", json={"days": 40})
        assert r.status_code == 200, r.text
        if db.is_sqlite:  # nothing to analyze: SQLite plans without a pass
            return
        async with db.engine.connect() as conn:
            reltuples = text("SELECT reltuples FROM pg_class WHERE relname = :name")
            assert (await conn.execute(reltuples, {"name": probe})).scalar_one() >= 0, "the advance analyzed nothing"
    finally:
        if not db.is_sqlite:
            async with db.engine.begin() as conn:
                await conn.execute(text(f'DROP TABLE "{probe}"'))


@pytest.mark.postgres
async def test_a_pass_cancelled_mid_statement_ends_as_cancelled(app: Any) -> None:
    """A stopping worker cancels its loops. A pass cancelled inside a statement (here an ANALYZE waiting on another
    transaction's lock) ends cancelled: its cleanup used to run statements on the lost connection, whose
    PendingRollbackError replaced the cancellation, and the loop went on."""
    db = app.state.db
    blocked = f"analyze_block_{uuid.uuid4().hex[:12]}"  # never analyzed: the pass takes it, early in name order
    async with db.engine.begin() as conn:
        await conn.execute(text(f'CREATE TABLE "{blocked}" (id integer)'))
    try:
        async with db.engine.connect() as holder:
            await holder.execute(text(f'LOCK TABLE "{blocked}" IN ACCESS EXCLUSIVE MODE'))
            task = asyncio.create_task(analyze_stale_tables(db.engine))
            waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE :q")
            async with db.engine.connect() as watcher:
                for _ in range(200):
                    if (await watcher.execute(waiting, {"q": f'%"{blocked}"%'})).scalar_one():
                        break
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError("the pass never waited on the locked table")
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await holder.rollback()
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text(f'DROP TABLE IF EXISTS "{blocked}"'))
