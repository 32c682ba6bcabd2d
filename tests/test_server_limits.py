"""The server's limits: keep-alive long enough for pooling clients, a SIGTERM that drains and exits, and a request
that waits too long on the database answering 503 with Retry-After instead of starving the others."""

import asyncio
import contextlib
import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, make_url

from app.config import Settings
from app.main import create_app
from tests.live import free_port
from tests.world import World, bearer


def _wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("cspsim serve exited; see its serve.log")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("cspsim serve did not start")


def test_serve_keeps_idle_connections_and_drains_on_sigterm(database: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "CSPSIM_DATA_DIR": str(tmp_path), "CSPSIM_LOG_LEVEL": "WARNING"}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    try:
        _wait_until_up(port, server)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        assert connection.getresponse().read()
        time.sleep(6.5)  # past uvicorn's own 5 s keep-alive
        connection.request("GET", "/healthz")  # the same pooled connection, idle for 6.5 s
        answer = connection.getresponse()
        assert answer.status == 200
        answer.read()
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down, then re-raises the signal it caught: the exit is SIGTERM's own, as for any process.
        assert server.wait(timeout=15) in (0, -signal.SIGTERM)
        assert time.monotonic() - started < 10  # the idle keep-alive connection does not hold the exit
        connection.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()


@contextlib.asynccontextmanager
async def _sandbox_locked(database: str, sandbox: str) -> AsyncIterator[None]:
    """Another connection holds the lock the sandbox's writers need: its row on PostgreSQL, the database's write
    lock on SQLite (which serializes writers)."""
    if database.startswith("postgresql"):
        import asyncpg

        holder = await asyncpg.connect(database.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            async with holder.transaction():
                await holder.execute("SELECT 1 FROM sandboxes WHERE id = $1 FOR UPDATE", uuid.UUID(sandbox))
                yield
        finally:
            await holder.close()
        return
    writer = sqlite3.connect(database.split(":///", 1)[1], isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        yield
        writer.execute("ROLLBACK")
    finally:
        writer.close()


async def test_a_request_waiting_on_a_locked_sandbox_answers_503_with_retry_after(
    database: str, tmp_path: Path
) -> None:
    """PostgreSQL's lock timeout and SQLite's busy timeout ("database is locked", a 500 before) answer alike."""
    app = create_app(Settings(database_url=database, data_dir=tmp_path, db_lock_timeout_seconds=0.5), run_timers=False)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://cspsim.test") as http:
            created = (await http.post("/sim/v1/sandboxes", json={"name": "locked"})).json()
            sandbox, admin = created["id"], {"Authorization": f"Bearer {created['adminKey']}"}
            async with _sandbox_locked(database, sandbox):
                started = time.monotonic()
                r = await http.post(f"/sim/v1/sandboxes/{sandbox}/clock/advance", headers=admin, json={"days": 1})
                assert time.monotonic() - started < 5
                assert r.status_code == 503, r.text
                assert r.headers["retry-after"] == "1"
                assert "busy" in r.json()["description"]
                assert r.json()["code"] == 710503
                assert r.json()["isRetryable"] is True
                # A read waits for no writer (SQLite: it begins DEFERRED and reads its snapshot).
                r = await http.get(f"/sim/v1/sandboxes/{sandbox}/clock", headers=admin)
                assert r.status_code == 200, r.text
            r = await http.post(f"/sim/v1/sandboxes/{sandbox}/clock/advance", headers=admin, json={"days": 1})
            assert r.status_code == 200, r.text
    finally:
        await app.state.db.dispose()
        await asyncio.sleep(0)


@pytest.mark.postgres
async def test_a_database_server_with_no_room_for_another_connection_answers_503(database: str, tmp_path: Path) -> None:
    """PostgreSQL refusing a new connection ("sorry, too many clients already", SQLSTATE 53300: every slot taken, by
    this server's other workers or by anybody else) is the database being busy, not a fault of the request: 503 with
    Retry-After, as a pool that stays empty too long answers (a 500 before). A role allowed no connection at all
    gets the same refusal from PostgreSQL."""
    import asyncpg

    role = f"cspsim_no_room_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
        crowded = make_url(database).set(username=role).render_as_string(hide_password=False)
        app = create_app(Settings(database_url=crowded, data_dir=tmp_path), run_timers=False)
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cspsim.test") as http:
                r = await http.post("/sim/v1/sandboxes", json={"name": "crowded"})
                assert r.status_code == 503, r.text
                assert r.headers["retry-after"] == "1"
                assert "database connection" in r.json()["description"]
                assert r.json()["code"] == 710503
        finally:
            await app.state.db.dispose()
    finally:
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


@pytest.mark.postgres
async def test_a_burst_beyond_the_pool_waits_for_pooled_connections_and_opens_none(
    database: str, tmp_path: Path
) -> None:
    """Requests beyond the pool wait for a pooled connection: none is opened for a burst and closed after it (a
    backend started and statements prepared again per request beyond the pool, which cost a tenth of the GETs a
    second under load, issue 17)."""
    app = create_app(Settings(database_url=database, data_dir=tmp_path, db_pool_size=2), run_timers=False)
    opened: list[object] = []
    event.listen(app.state.db.engine.sync_engine, "connect", lambda connection, _: opened.append(connection))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cspsim.test") as http:
            created = (await http.post("/sim/v1/sandboxes", json={"name": "burst"})).json()
            clock = f"/sim/v1/sandboxes/{created['id']}/clock"
            admin = {"Authorization": f"Bearer {created['adminKey']}"}
            for _ in range(3):
                answers = await asyncio.gather(*(http.get(clock, headers=admin) for _ in range(8)))
                assert [r.status_code for r in answers] == [200] * 8
        assert 1 <= len(opened) <= 2, f"{len(opened)} connections opened for a pool of 2"
    finally:
        await app.state.db.dispose()


@pytest.mark.postgres
async def test_a_read_holds_one_pooled_connection_whatever_it_reads_by(database: str, tmp_path: Path) -> None:
    """A read request's statements through the driver run on a connection the pool lends it before any transaction;
    when the request begins one (an ORM read, as a listing's page is), that connection goes back first. With a pool
    of one, a request holding two would wait for itself until the pool's timeout (503). Every connection is back in
    the pool after each answer, a refusal's included."""
    app = create_app(
        Settings(database_url=database, data_dir=tmp_path, db_pool_size=1, db_pool_timeout_seconds=2),
        run_timers=False,
    )
    pool = app.state.db.engine.sync_engine.pool
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cspsim.test") as http:
            world = await World.create(http)
            partner = await world.direct_bill_partner()
            token = await partner.app_token()
            customer = await partner.customer_with_mca()
            assert (await partner.order(customer["id"], token=token)).status_code == 201
            reads = [
                f"/v1/customers/{customer['id']}",  # driver reads only
                "/v1/customers?size=5",  # the principal by the driver, the page by the ORM
                f"/v1/customers/{customer['id']}/subscriptions",
                f"/v1/customers/{uuid.uuid4()}",  # refused: 404
            ]
            for path in reads:
                r = await http.get(path, headers=bearer(token))
                assert r.status_code == (404 if path == reads[-1] else 200), r.text
                assert pool.checkedout() == 0, path
            listed = await http.get("/v1/customers?size=5", headers=bearer(token))
            assert customer["id"] in [c["id"] for c in listed.json()["items"]]
    finally:
        await app.state.db.dispose()
