"""Many rows at once (`app.kernel.bulk.insert_rows`, COPY on PostgreSQL) are rows of the caller's transaction: a
COPY sent to the driver directly, as a transaction's first write, still rolls back with it."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from app.kernel.bulk import insert_rows
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
