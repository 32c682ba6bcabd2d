"""The migration stairway: upgrade to head, down to base, up again, on a database of its own."""

import asyncio
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from migrations import alembic_config
from tests.conftest import _admin


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(read())


def _stairway(url: str) -> None:
    config = alembic_config(url)
    revisions = list(ScriptDirectory.from_config(config).walk_revisions("base", "heads"))
    assert revisions
    for revision in reversed(revisions):  # oldest first: up one, down one, up again
        command.upgrade(config, revision.revision)
        command.downgrade(config, revision.down_revision or "base")
        command.upgrade(config, revision.revision)
    assert {"sandboxes", "tenants", "timers", "events"} <= _tables(url)
    command.downgrade(config, "base")
    assert _tables(url) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert "sandboxes" in _tables(url)


@pytest.mark.usefixtures("database")
def test_migration_stairway(database: str, tmp_path: Path) -> None:
    if database.startswith("sqlite"):
        _stairway(f"sqlite+aiosqlite:///{tmp_path / 'stairway.db'}")
        return
    name = f"cspsim_stairway_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(database, f'CREATE DATABASE "{name}"'))
    try:
        _stairway(database.rsplit("/", 1)[0] + f"/{name}")
    finally:
        asyncio.run(_admin(database, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
