"""Planner statistics stay fresh without the operator's autovacuum (issue 17): a pass of the analyze loop analyzes
every table never analyzed, and those that changed enough since, as autovacuum's defaults would."""

from typing import Any

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
        assert await analyze_stale_tables(db) == []
        return
    analyzed = await analyze_stale_tables(db)
    async with db.engine.connect() as conn:
        assert (await conn.execute(NEVER_ANALYZED)).scalars().all() == [], f"the pass analyzed only {analyzed}"
        assert (await conn.execute(TENANTS_ANALYZED)).scalar_one(), f"tenants has no statistics; pass: {analyzed}"
