"""Many rows at once (`app.kernel.bulk.insert_rows`, COPY on PostgreSQL) are rows of the caller's transaction: a
COPY sent to the driver directly, as a transaction's first write, still rolls back with it. Rows written beside it
(`Alongside`) are not, so they are undone should it end without a commit, its worker dead or not (`undo_abandoned`)."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from app import main
from app.config import Settings
from app.kernel.bulk import Alongside, insert_rows, undo_abandoned
from app.main import create_app
from app.models import Event
from tests.world import World


class Refused(Exception):
    pass


def _events(sandbox_id: uuid.UUID, count: int) -> list[dict[str, Any]]:
    at = datetime(2027, 1, 1, tzinfo=UTC)
    return [
        {
            "sandbox_id": sandbox_id,
            "id": uuid.uuid4(),
            "seq": n,
            "name": "simulator-reminder",
            "resource_type": "Reminder",
            "resource_id": f"bulk-{n}",
            "tenant_ids": [],
            "data": {"label": f"bulk {n}", "n": n},
            "occurred_at": at,
        }
        for n in range(count)
    ]


async def _count(app: Any, sandbox_id: uuid.UUID) -> int:
    async with app.state.db.sessions() as session:
        stmt = select(func.count()).select_from(Event).where(Event.sandbox_id == sandbox_id)
        return int((await session.execute(stmt)).scalar_one())


async def test_a_bulk_insert_as_the_first_write_rolls_back_with_its_transaction(world: World, app: Any) -> None:
    sandbox_id = uuid.UUID(world.id)
    before = await _count(app, sandbox_id)

    async def refused_after_a_bulk_insert() -> None:
        async with app.state.db.sessions() as session, session.begin():
            await insert_rows(session, Event.__table__, _events(sandbox_id, 25))
            raise Refused

    with pytest.raises(Refused):
        await refused_after_a_bulk_insert()
    assert await _count(app, sandbox_id) == before


async def test_bulk_rows_read_back_as_the_insert_would_have_written_them(world: World, app: Any) -> None:
    sandbox_id = uuid.UUID(world.id)
    async with app.state.db.sessions() as session, session.begin():
        await insert_rows(session, Event.__table__, _events(sandbox_id, 25))
    r = await world.sim("GET", "/events", params={"name": "simulator-reminder", "size": 100})
    assert r.status_code == 200, r.text
    shown = {e["resourceId"]: e for e in r.json()["items"]}
    assert len(shown) == 25
    assert shown["bulk-7"]["data"] == {"label": "bulk 7", "n": 7}
    assert shown["bulk-7"]["occurredAt"].startswith("2027-01-01T00:00:00")


async def _copies_beside(app: Any, target: uuid.UUID, *, then: Callable[[], Awaitable[None]]) -> None:
    """Three rows written under `target` (a sandbox no one has: what a fork's copies are written under before its
    commit) on a connection beside a session that had only read, committed there; `then` runs before the session
    ends without a commit (what a worker's death leaves)."""
    async with app.state.db.sessions() as session:
        await session.execute(select(func.count()).select_from(Event))  # only read: no transaction begun yet
        async with Alongside(session, if_rolled_back=lambda _: None) as alongside:
            [beside] = await alongside.connections(1)
            await beside.execute(insert(Event.__table__), _events(target, 3))
            alongside.undo_sandbox(target)
            await alongside.commit()
        assert await _count(app, target) == 3
        await then()


@pytest.mark.postgres
async def test_copies_beside_a_session_that_had_only_read_stay_held_until_it_ends(app: Any) -> None:
    """`Alongside.commit` takes the record's lock in the session's transaction: begun first even where the session had
    only read (a plain read runs before BEGIN, and a lock taken there would end with it), so a pass leaves copies
    whose request is still at work, and undoes them once it ends without a commit."""
    target = uuid.uuid4()

    async def still_at_work() -> None:
        assert await undo_abandoned(app.state.db.engine) == 0

    await _copies_beside(app, target, then=still_at_work)
    assert await undo_abandoned(app.state.db.engine) == 1
    assert await _count(app, target) == 0


@pytest.mark.postgres
async def test_a_served_app_undoes_abandoned_copies_with_its_statistics_loop_off(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The undo pass runs wherever the background loops do, the statistics loop turned off or not (at its interval,
    else `UNDO_INTERVAL_SECONDS`, shortened here)."""
    monkeypatch.setattr(main, "UNDO_INTERVAL_SECONDS", 0.05)
    settings = Settings(database_url=database, data_dir=tmp_path, analyze_interval_seconds=0, timer_interval_seconds=0)
    served = create_app(settings, run_timers=True)
    target = uuid.uuid4()

    async def nothing() -> None:
        pass

    try:
        async with served.router.lifespan_context(served):
            await _copies_beside(served, target, then=nothing)
            for _ in range(100):
                if await _count(served, target) == 0:
                    break
                await asyncio.sleep(0.05)
            assert await _count(served, target) == 0
    finally:
        await served.state.db.dispose()
