"""Two server processes on one PostgreSQL database behave as one server; the background loops give way to a busy
database without a traceback (on SQLite too).

Two `uvicorn` processes (each as `cspsim serve --workers N` starts its workers, with the timer and webhook loops
running every 0.2 s) serve one database; the test drives both over HTTP and proves that what they share lives in
the database: each timer fires once, throttling counts the calls of both, an MS-RequestId answers the first result
on both, and each webhook event is delivered once, while a receiver that hangs in one sandbox delays no delivery of
another.
"""

import asyncio
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.events import webhooks
from app.kernel.db import Database, Limits
from app.kernel.tls import local_authority
from app.sandboxes.loop import run_timer_loop
from tests.live import free_port, serving
from tests.world import World, bearer

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def _server(database: str, data_dir: Path, log: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "CSPSIM_DATA_DIR": str(data_dir),
        "CSPSIM_TIMER_INTERVAL_SECONDS": "0.2",
        "CSPSIM_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.cli:worker_app", "--host", "127.0.0.1"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


async def _up(base: str, deadline: float) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=2) as http:
        while True:
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server at {base} did not start")
            await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def two(database: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[list[httpx.AsyncClient]]:
    data_dir = tmp_path_factory.mktemp("scale-data")
    local_authority(data_dir)  # the webhook signing key, made once before the two processes read it
    logs = [data_dir / "a.log", data_dir / "b.log"]
    with _server(database, data_dir, logs[0]) as a, _server(database, data_dir, logs[1]) as b:
        deadline = time.monotonic() + 120  # a busy machine starts Python slowly
        await asyncio.gather(_up(a, deadline), _up(b, deadline))
        async with httpx.AsyncClient(base_url=a, timeout=30) as first, httpx.AsyncClient(base_url=b, timeout=30) as sec:
            yield [first, sec]
    for log in logs:  # the background loops of both met each other's claims and locks without a traceback
        text = log.read_text()
        assert "Traceback" not in text, text


@pytest.mark.postgres
async def test_each_timer_fires_once(two: list[httpx.AsyncClient]) -> None:
    a, b = two
    world = await World.create(a)
    for hours in range(1, 21):
        r = await world.sim("POST", "/timers", json={"label": f"r{hours}", "afterHours": hours})
        assert r.status_code == 201, r.text
    on_b = World(http=b, sandbox=world.sandbox)
    # Both processes move the clock at once (and both loops run): each reminder fires once, whoever fires it.
    advanced = await asyncio.gather(
        world.sim("POST", "/clock/advance", json={"hours": 12}),
        on_b.sim("POST", "/clock/advance", json={"hours": 12}),
        on_b.sim("POST", "/clock/advance", json={"days": 1}),
        world.sim("POST", "/clock/advance", json={"days": 1}),
    )
    assert all(r.status_code == 200 for r in advanced), [r.text for r in advanced]
    fired = [f["ref"] for r in advanced for f in r.json()["fired"]]
    assert len(fired) == len(set(fired))
    events = (await world.sim("GET", "/events", params={"name": "simulator-reminder", "size": 100})).json()["items"]
    labels = Counter(e["data"]["label"] for e in events if e["name"] == "simulator-reminder")
    assert labels == Counter(f"r{hours}" for hours in range(1, 21))


@pytest.mark.postgres
async def test_throttling_counts_the_calls_of_both(two: list[httpx.AsyncClient]) -> None:
    a, b = two
    world = await World.create(a, realisticThrottling={"enabled": True, "requestsPerMinute": 6})
    await world.sim("POST", "/clock/freeze")
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    answers = [(await (a if i % 2 else b).get("/v1/customers", headers=bearer(token))).status_code for i in range(9)]
    assert answers == [200] * 6 + [429] * 3


@pytest.mark.postgres
async def test_an_ms_request_id_answers_the_first_result_on_both(two: list[httpx.AsyncClient]) -> None:
    a, b = two
    world = await World.create(a)
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    body = {
        "companyProfile": {"domain": "twice", "companyName": "Twice"},
        "billingProfile": {
            "email": "billing@twice.example",
            "companyName": "Twice",
            "defaultAddress": {
                "firstName": "Ada",
                "lastName": "Lovelace",
                "addressLine1": "1 Bill St",
                "city": "Redmond",
                "state": "WA",
                "postalCode": "98052",
                "country": "US",
            },
        },
    }
    headers = {**bearer(token), "MS-RequestId": "one-request"}
    first = await a.post("/v1/customers", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await asyncio.gather(*(c.post("/v1/customers", json=body, headers=headers) for c in (b, a, b)))
    assert [r.status_code for r in again] == [201] * 3
    assert {r.json()["id"] for r in again} == {first.json()["id"]}
    listed = (await b.get("/v1/customers", headers=bearer(token))).json()
    assert listed["totalCount"] == 1


class Receiver:
    """A webhook endpoint counting what arrives (and when); a slow one answers after `delay` seconds, or once
    released (its server's shutdown waits for the answers in flight)."""

    def __init__(self, delay: float = 0) -> None:
        self.delay = delay
        self.received: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        with self.lock:
            self.received.append((time.monotonic(), body))
        await asyncio.to_thread(self.released.wait, self.delay)
        return PlainTextResponse("ok")


async def _registered(world: World, url: str) -> tuple[Any, str]:
    partner = await world.direct_bill_partner()
    token = await partner.app_token()
    r = await world.http.post(
        "/webhooks/v1/registration", headers=bearer(token), json={"WebhookUrl": url, "WebhookEvents": ["test-created"]}
    )
    assert r.status_code == 200, r.text
    return partner, token


@pytest.mark.postgres
async def test_each_webhook_is_delivered_once_and_a_slow_receiver_delays_no_one_else(
    two: list[httpx.AsyncClient],
) -> None:
    a, b = two
    fast, slow = Receiver(), Receiver(delay=30)  # slower than the 5 s a delivery may take
    with serving(fast.app) as fast_base, serving(slow.app) as slow_base:
        hanging = await World.create(b)
        _, slow_token = await _registered(hanging, f"{slow_base}/hook")
        for _ in range(8):  # more than one process posts to one receiver at once
            assert (await b.post("/webhooks/v1/registration/validationEvents", headers=bearer(slow_token))).is_success
        await asyncio.sleep(0.5)  # the loops have the slow deliveries in flight
        healthy = await World.create(a)
        _, token = await _registered(healthy, f"{fast_base}/hook")
        sent: dict[str, float] = {}  # correlation id (the event's id) -> when the API answered
        for c in (a, b) * 15:
            r = await c.post("/webhooks/v1/registration/validationEvents", headers=bearer(token))
            sent[r.json()["correlationId"]] = time.monotonic()
        deadline = max(sent.values()) + 20
        while len(fast.received) < len(sent) and time.monotonic() < deadline:  # noqa: ASYNC110 (another thread fills it)
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)  # time enough for a second post to arrive, were there one
        slow.released.set()
    bodies = Counter(body for _, body in fast.received)
    assert len(bodies) == len(sent)
    assert set(bodies.values()) == {1}, "a delivery was posted twice"
    waited = [at - sent[json.loads(body)["AuditUri"].rsplit("=", 1)[1]] for at, body in fast.received]
    print(f"healthy deliveries arrived {min(waited):.2f}..{max(waited):.2f} s after their events")
    assert max(waited) < 4, "the healthy receiver waited for the hanging one (each of its posts takes 5 s)"
    deliveries = (await healthy.sim("GET", "/webhooks/deliveries")).json()["items"]
    assert {(d["status"], d["attempts"]) for d in deliveries} == {("succeeded", 1)}


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_the_loops_give_way_quietly_to_a_busy_database(database: str, world: World) -> None:
    """SQLite: another writer holds the database past the busy timeout; PostgreSQL: another runner holds the
    sandbox. Either way a pass logs no error, fires nothing twice, and the next pass fires what is due."""
    # Due a second from now, so it falls due while the lock is held: due at once, the loops of this module's two
    # servers (running every 0.2 s on the same database) could fire it before the lock is taken.
    now = datetime.fromisoformat((await world.sim("GET", "/clock")).json()["now"])
    due = (now + timedelta(seconds=1)).isoformat()
    assert (await world.sim("POST", "/timers", json={"label": "due", "dueAt": due})).status_code == 201
    collected = Collected()
    loggers = [logging.getLogger(name) for name in ("cspsim.timers", "cspsim.webhooks", "cspsim.db")]
    for logger in loggers:
        logger.addHandler(collected)
    db = Database(database, Limits(lock_timeout_seconds=0.3))
    try:
        async with _busy(database, world.id):
            loops = [
                asyncio.create_task(run_timer_loop(db, 0.05)),
                asyncio.create_task(webhooks.run_delivery_loop(db, _signer(), 0.05)),
            ]
            await asyncio.sleep(2.5)  # due after the first second: passes meet it held
            for loop in loops:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            reminders = (await world.sim("GET", "/events", params={"name": "simulator-reminder"})).json()
            assert reminders["totalCount"] == 0  # it waited: nothing half-done
        # Free again: the next pass fires it (this one, or the loop of a server another test left running).
        assert (await world.sim("POST", "/timers/run")).status_code == 200
    finally:
        await db.dispose()
        for logger in loggers:
            logger.removeHandler(collected)
    # (Other tests' sandboxes share the database, and their timers may fail on purpose: only the lock is this test's.)
    busy = [r for r in collected.records if r.exc_info and isinstance(r.exc_info[1], DBAPIError | PoolTimeout)]
    assert [r.getMessage() for r in busy] == []
    assert not [r for r in collected.records if "locked" in r.getMessage()]
    reminders = (await world.sim("GET", "/events", params={"name": "simulator-reminder"})).json()
    assert reminders["totalCount"] == 1


def _signer() -> webhooks.Signer:
    return webhooks.Signer(data_dir=Path("."), public_base_url="http://127.0.0.1")


@asynccontextmanager
async def _busy(database: str, sandbox_id: str) -> AsyncIterator[None]:
    if database.startswith("sqlite"):
        holder = sqlite3.connect(database.split("///", 1)[1], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    holder = await asyncpg.connect(database.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with holder.transaction():
            await holder.execute("SELECT id FROM sandboxes WHERE id = $1 FOR UPDATE", uuid.UUID(sandbox_id))
            yield
    finally:
        await holder.close()
