"""Every test runs against each database named by --databases (default: sqlite and postgresql).

PostgreSQL: CSPSIM_TEST_POSTGRES_URL names a database to use as it is; otherwise
a fresh database is created on the local server (postgres@127.0.0.1:5432) and
dropped afterwards. Without a server the PostgreSQL half skips, except under
CI=true, where it fails.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command

from app.config import Settings
from app.main import create_app
from migrations import alembic_config
from tests.live import Live, serving_tls
from tests.world import World

LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `postgres` proves something only PostgreSQL has (row locks that wait): its SQLite run is not
    collected at all, rather than skipped (under CI nothing skips)."""
    sqlite_only = [
        item
        for item in items
        if item.get_closest_marker("postgres")
        and getattr(item, "callspec", None)
        and item.callspec.params.get("database") == "sqlite"
    ]
    if sqlite_only:
        config.hook.pytest_deselected(items=sqlite_only)
        items[:] = [item for item in items if item not in sqlite_only]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" in metafunc.fixturenames:
        names = [n.strip() for n in metafunc.config.getoption("databases").split(",") if n.strip()]
        metafunc.parametrize("database", names, indirect=True, scope="session")


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _fresh_postgres() -> tuple[str, str | None]:
    """(url, name of a database to drop afterwards)."""
    given = os.environ.get("CSPSIM_TEST_POSTGRES_URL")
    if given:
        return given, None
    name = f"cspsim_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(LOCAL_POSTGRES, f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PostgreSQL, and none answered at {LOCAL_POSTGRES}: {exc}")
        pytest.skip(f"no PostgreSQL server at {LOCAL_POSTGRES} ({exc}); set CSPSIM_TEST_POSTGRES_URL")
    return LOCAL_POSTGRES.rsplit("/", 1)[0] + f"/{name}", name


@pytest.fixture(scope="session")
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of the kind named by the parameter; answers its URL."""
    drop = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'cspsim.db'}"
    elif request.param == "postgresql":
        url, drop = _fresh_postgres()
    else:
        raise pytest.UsageError(f"unknown database {request.param}")
    command.upgrade(alembic_config(url), "head")
    yield url
    if drop:
        asyncio.run(_admin(LOCAL_POSTGRES, f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)'))


@pytest.fixture(scope="session")
async def app(database: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[object]:
    settings = Settings(database_url=database, data_dir=Path(tmp_path_factory.mktemp("data")))
    application = create_app(settings, run_timers=False)
    yield application
    await application.state.db.dispose()


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
        yield http


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    """A fresh sandbox of its own for the test."""
    return await World.create(client)


@pytest.fixture(scope="module")
async def live(database: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Live]:
    """A real HTTPS server, for Microsoft's own client libraries (MSAL, the Graph SDK)."""
    async with serving_tls(database, tmp_path_factory.mktemp("tls-data")) as served:
        yield served
