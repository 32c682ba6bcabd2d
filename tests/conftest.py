"""Every test runs against each database named by --databases (default: sqlite and postgresql).

PostgreSQL: CSPSIM_TEST_POSTGRES_URL names a database to use as it is; otherwise
a fresh database is created on the local server (postgres@127.0.0.1:5432) and
dropped afterwards. Without a server the PostgreSQL half skips, except under
CI=true, where it fails. Under pytest-xdist (-n) each worker has databases of
its own: SQLite in its own temporary folder, PostgreSQL a fresh database.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from alembic import command
from sqlalchemy.engine import make_url

from app.config import Settings
from app.main import create_app
from migrations import alembic_config
from tests.live import CHROMIUM_ARGS, Live, require_chromium, serving, serving_tls
from tests.world import World

if TYPE_CHECKING:
    from playwright.async_api import Browser

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
    """(url, name of a database to drop afterwards). Under pytest-xdist each worker gets a database of its own, made
    on the server the given URL names (its name suffixed with the worker's id), as a fresh one is made here."""
    given = os.environ.get("CSPSIM_TEST_POSTGRES_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if given and not worker:
        return given, None
    server = make_url(given or LOCAL_POSTGRES)
    name = f"{server.database}_{worker}" if given else f"cspsim_test_{uuid.uuid4().hex[:12]}"
    admin = server.render_as_string(hide_password=False)
    try:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PostgreSQL, and none answered at {server!r}: {exc}")
        pytest.skip(f"no PostgreSQL server at {server!r} ({exc}); set CSPSIM_TEST_POSTGRES_URL")
    return server.set(database=name).render_as_string(hide_password=False), name


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
        server = make_url(os.environ.get("CSPSIM_TEST_POSTGRES_URL") or LOCAL_POSTGRES)
        asyncio.run(_admin(server.render_as_string(hide_password=False), f'DROP DATABASE "{drop}" WITH (FORCE)'))


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


@pytest.fixture(scope="module")
def page_server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """cspsim served by a real uvicorn (its own thread and loop), for a browser: one per module of page tests and
    database; each test reaches its own sandbox's pages. Answers the base URL. Not one per session: kept serving
    after its module, its connections held up another server's writes on SQLite (tests/gdap/test_graph_sdk.py)."""
    application = create_app(
        Settings(database_url=database, data_dir=Path(tmp_path_factory.mktemp("pages-data"))), run_timers=False
    )
    application.openapi()  # built once, before a page asks: a browser's wait is for rendering only
    with serving(application) as base:
        yield base


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator["Browser"]:
    """Debian's Chromium, launched once for the session (a launch costs seconds); each test opens its own page, in a
    context of its own (`browser.new_page()`), and closes it. Skipped without it, except under CI=true."""
    chromium = require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield launched
        await launched.close()
