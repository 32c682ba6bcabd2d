"""Fresh planner statistics on PostgreSQL, whatever the operator's autovacuum settings.

Without statistics the planner guesses, and its guesses for tables that grew from empty were index scans that read a
partner's every customer to find one (issue 17: after 100,000 requests a sandbox answered at 0.6x a fresh one's rate
on a server with autovacuum off). Each pass does what autovacuum's defaults would: a table never analyzed, or with
more than 50 rows + 10 % changed since its last ANALYZE, is analyzed, and one with more than 50 + 20 % dead rows is
vacuumed too. Where
autovacuum runs, it has usually done so already and a pass finds nothing to do. One runner at a time (an advisory
lock), however many workers and replicas share the database; SQLite needs none of it.

Besides the loop's passes, a batch of timers analyzes first, in its own transaction (`analyze_before_batch`): a test
creates its data and moves the clock at once, before the loop's next pass, and a billing run's statements planned
without statistics (every `sandbox_id = ...` guessed at one row) nested scans four deep: a 400-day advance over 150
subscriptions took 290 s, 1.3 s after analyzing. It takes no second connection (fifty advances waiting on one
sandbox's row, each asking for another, emptied the pool) and never waits: whoever holds the runner's lock is
refreshing the statistics already.
"""

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.kernel import loops

log = logging.getLogger("cspsim.analyze")

# Any constant no other advisory lock of cspsim uses: the runner of a pass holds it for the pass.
_LOCK = 0x63737073696D  # "cspsim"

# Never analyzed (reltuples -1: the planner knows nothing of its columns), or changed enough since.
_STALE = text(
    """
    SELECT s.relname,
           s.n_dead_tup > 50 + 0.2 * s.n_live_tup AS dead
      FROM pg_stat_user_tables s
      JOIN pg_class c ON c.oid = s.relid
     WHERE s.schemaname = current_schema()
       AND s.relname <> 'alembic_version'
       AND (c.reltuples < 0
            OR s.n_mod_since_analyze > 50 + :changed_share * s.n_live_tup
            OR s.n_dead_tup > 50 + :dead_share * s.n_live_tup)
     ORDER BY s.relname
    """
)


async def analyze_stale_tables(engine: AsyncEngine) -> list[str]:
    """One pass: ANALYZE (and VACUUM where dead rows pile up) the tables that changed enough; answers their names.
    Its own connection, outside any transaction: it sees what is committed, and holds no lock a request waits on."""
    if engine.dialect.name != "postgresql":
        return []
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")  # VACUUM runs outside a transaction
        if not (await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _LOCK})).scalar_one():
            return []
        try:
            await conn.execute(text("SET statement_timeout = 0"))  # a large table's VACUUM may take a while
            stale = (await conn.execute(_STALE, {"changed_share": 0.1, "dead_share": 0.2})).all()
            for table, dead in stale:
                verb = "VACUUM (ANALYZE)" if dead else "ANALYZE"
                await conn.execute(text(f'{verb} "{table}"'))
        finally:
            # Not on a connection the pass lost (the server ended it, or shutdown cancelled a VACUUM mid-way): a
            # statement there raised PendingRollbackError over the real error, even over the cancellation, and a
            # stopping worker's loop went on. Its session, and the advisory lock with it, ended with the connection.
            if not conn.invalidated:
                await conn.execute(text("RESET statement_timeout"))
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK})
    names = [table for table, _ in stale]
    if names:
        log.info("planner statistics refreshed: %s", ", ".join(names))
    return names


_TRY_XACT_LOCK = text("SELECT pg_try_advisory_xact_lock(:key)")

# Before a batch, only a table never analyzed or changed by more than its size: plans go wrong by orders of magnitude,
# not by 10 %, and a long advance (a hundred calls of a thousand timers) re-analyzing its timers at every call ran
# at half its speed. The loop's passes keep the statistics closer. Dead rows never qualify here (an unreachable
# share): clearing them is VACUUM's, which cannot run in a transaction, so the loop's.
_BEFORE_BATCH = {"changed_share": 1.0, "dead_share": 1e9}


async def analyze_before_batch(session: AsyncSession) -> list[str]:
    """ANALYZE, in the session's transaction, the tables never analyzed or that changed by more than their size,
    unless another runner is at it (no VACUUM: it cannot run in a transaction). The runner's lock and the tables'
    ANALYZE locks are held to the transaction's end: they block no read or write, only another pass, which skips."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    stale = (await session.execute(_STALE, _BEFORE_BATCH)).scalars().all()
    # The lock only when there is something to do: held to the end of a batch, it makes the loop's pass skip.
    if not stale or not (await session.execute(_TRY_XACT_LOCK, {"key": _LOCK})).scalar_one():
        return []
    for table in stale:
        await session.execute(text(f'ANALYZE "{table}"'))
    return list(stale)


async def run_analyze_loop(engine: AsyncEngine, interval: float) -> None:
    await loops.every(interval, lambda: analyze_stale_tables(engine), what="statistics pass", log=log)
