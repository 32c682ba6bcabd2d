"""Engine, sessions and the per-request transaction.

Every routed request runs in exactly one transaction (`TransactionalRoute`):
the session is opened before the endpoint runs, committed after the response
body is built and before it is sent, and rolled back when anything raises.
Services only `flush()`; nothing else commits.
"""

import asyncio
import functools
import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import Request, Response, routing
from fastapi.routing import APIRoute
from sqlalchemy import Connection, event
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection, AsyncAdapt_asyncpg_cursor
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidatePoolError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.sql import Executable
from sqlalchemy.util import greenlet_spawn
from starlette.responses import StreamingResponse

from app.kernel.endpoints import direct_handler
from app.kernel.errors import KeptRefusal
from app.kernel.idempotency import remember as remember_for_replay
from app.kernel.idempotency import settle_repeat
from app.kernel.statements import ReadingSession, drop_pending, held_by, send_pending, send_pending_now

log = logging.getLogger("cspsim.db")


@dataclass(frozen=True)
class Limits:
    """How long a request may hold or wait for the database. PostgreSQL: all three. SQLite serializes writers: a
    writer waits for the write lock at most `lock_timeout_seconds` (its busy timeout), then answers 503."""

    statement_timeout_seconds: float = 30
    lock_timeout_seconds: float = 10
    pool_timeout_seconds: float = 5
    pool_size: int = 30


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns (events' data, audit values, settings, payloads) spelled and read by orjson, not the standard library:
# encoding and decoding them was a tenth of a clock advance's CPU. The stored text differs only in spacing.
_JSON_CODEC: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


class Database:
    """One engine and its session factory; lives on `app.state.db`."""

    def __init__(self, url: str, limits: Limits | None = None) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        limits = limits or Limits()
        if self.is_sqlite:
            self.engine: AsyncEngine = create_async_engine(
                url, connect_args={"timeout": limits.lock_timeout_seconds}, **_JSON_CODEC
            )
            _sqlite_serialize_writers(self.engine, busy_timeout_ms=int(limits.lock_timeout_seconds * 1000))
        else:
            # One request never starves another sandbox: a statement, a wait for a row lock and a wait for a
            # pooled connection all end, and the request answers 503 with Retry-After (app.kernel.errors).
            server_settings = {
                "statement_timeout": str(int(limits.statement_timeout_seconds * 1000)),
                "lock_timeout": str(int(limits.lock_timeout_seconds * 1000)),
            }
            self.engine = create_async_engine(
                url,
                # The pool opens a connection at its first need and keeps it, up to `pool_size`; past that a request
                # waits for one to come back. An overflow beyond the pool would be opened for a burst and closed
                # after it: a backend started and statements prepared again, 20 to 34 times in 8 s of 32 GETs in
                # flight on two workers (pool 20, overflow 10), and about a tenth fewer GETs a second answered.
                pool_size=limits.pool_size,
                max_overflow=0,
                pool_timeout=limits.pool_timeout_seconds,
                # The connection given back last is lent first: the few backends a steady load needs stay busy and
                # the rest idle, where lending in turn woke every backend of the pool for one statement each. That
                # wake-up was PostgreSQL's own cost: 32 GETs in flight on two workers took 237 us of PostgreSQL's
                # CPU each lending in turn, 199 us lending the last one back (2,120 -> 2,310 GETs a second).
                pool_use_lifo=True,
                connect_args={"server_settings": server_settings} if url.startswith("postgresql+asyncpg") else {},
                **_JSON_CODEC,
            )
            _drop_closed_connections(self.engine)
            if url.startswith("postgresql+asyncpg"):
                _begin_at_first_change(self.engine)
                _send_inserts_together(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        # A read (GET, HEAD) on SQLite begins DEFERRED: it takes no write lock, so it reads its snapshot (WAL) while
        # another sandbox's long write (a ten-year clock advance) holds the lock, instead of queueing behind it. The
        # rare read that writes (a fault rule's spent count) takes the lock when it writes.
        readers = self.engine.execution_options(**{_DEFERRED: True}) if self.is_sqlite else self.engine
        self.readers = async_sessionmaker(
            readers, expire_on_commit=False, autoflush=True, sync_session_class=ReadingSession
        )

        # Sessions of requests that ended (closed, or a read's `closed_at_once`), kept to serve the next request of
        # their kind: making one (the async session and the session it wraps) was a twenty-fifth of a GET's CPU.
        self._idle: dict[bool, list[AsyncSession]] = {True: [], False: []}  # by whether its requests read

    def request_session(self, *, reading: bool) -> AsyncSession:
        """A request's session (a reading one for a GET): one a request before gave back, else a new one."""
        idle = self._idle[reading]
        return idle.pop() if idle else (self.readers if reading else self.sessions)()

    def give_back_session(self, session: AsyncSession, *, reading: bool) -> None:
        """Keep a request's session that ended, for the next: it holds no transaction, connection or object, and what
        the request noted in its `info` is forgotten."""
        idle = self._idle[reading]
        if len(idle) < _IDLE_SESSIONS:
            session.sync_session.info.clear()
            idle.append(session)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads: on SQLite it takes no write lock, so a loop's look around never queues
        behind (or holds up) a writer."""
        async with self.readers() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


_DEFERRED = "cspsim_sqlite_deferred"
_IDLE_SESSIONS = 64  # past the requests one worker has in flight, a session kept would only wait
_READS = frozenset({"GET", "HEAD"})


def _sqlite_serialize_writers(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    # SQLite upgrades a read lock to a write lock lazily and answers "database is
    # locked" at once when two transactions race for it. BEGIN IMMEDIATE takes the
    # write lock up front, so concurrent requests queue (busy timeout) instead of
    # failing; foreign keys are off by default in SQLite. A page cache of up to 32 MiB
    # a connection, not 2: a large sandbox's indexes outgrow the default, and a bulk
    # seed of 50,000 customers went from 8,014 to 9,005 a second.
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_DEFERRED) else "BEGIN IMMEDIATE")


_LOCKING_READ = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _plain_read(sql: str) -> bool:
    """A SELECT that takes no row lock: what may run before the transaction's BEGIN. Remembered per statement text:
    SQLAlchemy hands over the same compiled strings again and again, and the search was 2 % of a GET's CPU."""
    return sql.lstrip()[:7].upper() == "SELECT " and _LOCKING_READ.search(sql) is None


class _ReadsBeforeBeginCursor(AsyncAdapt_asyncpg_cursor):
    __slots__ = ()

    async def _prepare_and_execute(self, operation: str, parameters: Any) -> None:
        connection = self._adapt_connection
        if (
            connection._transaction is not None
            or connection.isolation_level == "autocommit"
            or not (_plain_read(operation))
        ):
            await super()._prepare_and_execute(operation, parameters)  # type: ignore[no-untyped-call]
            return
        isolation, connection.isolation_level = connection.isolation_level, "autocommit"
        try:  # the adapter begins no transaction for an autocommit connection
            await super()._prepare_and_execute(operation, parameters)  # type: ignore[no-untyped-call]
        finally:
            connection.isolation_level = isolation


class _ReadsBeforeBeginConnection(AsyncAdapt_asyncpg_connection):
    __slots__ = ()
    _cursor_cls = _ReadsBeforeBeginCursor


def _begin_at_first_change(engine: AsyncEngine) -> None:
    # SQLAlchemy's asyncpg adapter sends BEGIN, a round trip of its own, before a transaction's first statement, and
    # COMMIT after its last: two of a GET's five round trips (the profile, issue 17). Under READ COMMITTED, the
    # isolation cspsim runs at, every statement reads its own snapshot, so a plain SELECT reads the same rows before
    # BEGIN as after it; it holds no lock either way. Here a transaction begins at its first statement that writes
    # or locks (anything but a plain SELECT: INSERT, UPDATE, SELECT ... FOR UPDATE, a savepoint), and a transaction
    # that only read ends with no COMMIT at all (the adapter commits or rolls back nothing that never began).
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _: ConnectionPoolEntry) -> None:
        if type(dbapi_connection) is AsyncAdapt_asyncpg_connection:
            dbapi_connection.__class__ = _ReadsBeforeBeginConnection


def _send_inserts_together(engine: AsyncEngine) -> None:
    # The inserts a `Write` left waiting (`statements.send_pending`) go before whatever the connection runs next
    # through SQLAlchemy, a savepoint or the commit; a rollback drops them. (Every savepoint sends them, so what
    # waits at a rollback to one was written after it.)
    def send(connection: Connection, *_: Any) -> None:
        send_pending_now(connection)

    def commit(connection: Connection) -> None:
        send_pending_now(connection, committing=True)

    def drop(connection: Connection, *_: Any) -> None:
        drop_pending(connection)

    for name in ("before_cursor_execute", "savepoint", "release_savepoint"):
        event.listen(engine.sync_engine, name, send)
    event.listen(engine.sync_engine, "commit", commit)
    for name in ("rollback", "rollback_savepoint"):
        event.listen(engine.sync_engine, name, drop)


async def driver_in_transaction(connection: AsyncConnection) -> Any:
    """asyncpg's own connection under `connection`, its transaction begun. A statement sent to it directly (a COPY)
    bypasses the cursor that sends the deferred BEGIN (`_begin_at_first_change`): as a transaction's first write it
    would otherwise commit on its own, and a refusal after it would not undo it."""
    await send_pending(held_by(connection))
    raw = await connection.get_raw_connection()
    adapted: Any = raw.dbapi_connection
    if adapted._transaction is None and adapted.isolation_level != "autocommit":
        await adapted._start_transaction()
    return raw.driver_connection


def _drop_closed_connections(engine: AsyncEngine) -> None:
    # Instead of SQLAlchemy's pre-ping: on asyncpg it costs three round trips on every checkout (BEGIN, a query,
    # ROLLBACK), which the profile showed as the largest single cost of a GET after the request's own statements.
    # A connection the server ended (a restart, a terminated backend) is already marked closed by asyncpg, whose
    # socket sits in the event loop and sees the EOF: such a connection, and the pool with it, is dropped at checkout.
    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry, __: PoolProxiedConnection) -> None:
        driver = getattr(dbapi_connection, "_connection", None)
        is_closed = getattr(driver, "is_closed", None)
        if is_closed is not None and is_closed():
            raise InvalidatePoolError("the database server closed this pooled connection")


# What to run, in a transaction of its own, should the request's transaction roll back: `keep_on_rollback` with the
# request given (a service that takes one is handed `functools.partial(keep_on_rollback, request)`).
IfRolledBack = Callable[[Executable], None]


def keep_on_rollback(request: Request, statement: Executable) -> None:
    """Run `statement` again, in a transaction of its own, if the request's transaction rolls back: bookkeeping that
    stands whatever the answer (a throttled family's call count)."""
    kept: list[Executable] = getattr(request.state, "kept_statements", None) or []
    kept.append(statement)
    request.state.kept_statements = kept


async def _replay_kept(db: "Database", request: Request) -> None:
    kept: list[Executable] = getattr(request.state, "kept_statements", None) or []
    if not kept:
        return
    try:
        async with db.transaction() as session:
            for statement in kept:
                await session.execute(statement)
    except (DBAPIError, PoolTimeout):  # the database is busy: the request answers that; a lost count is harmless
        log.info("kept statements of %s %s not replayed", request.method, request.url.path, exc_info=True)


async def get_session(request: Request) -> AsyncSession:
    """The request's session, opened by `TransactionalRoute`. A coroutine: FastAPI runs a plain function dependency in
    a worker thread, a thread hop per request for an attribute read."""
    session: AsyncSession = request.state.session
    return session


def _commit_and_close(session: Session) -> None:
    # One hop into a greenlet for both (each is one when asked of the async session): the session begins its
    # transaction at its first use (autobegin), and a request's end is its commit and the connection's return.
    try:
        if session.in_transaction():
            session.commit()
    finally:
        session.close()


class TransactionalRoute(APIRoute):
    """A route whose whole handling is one database transaction.

    The commit happens before the response leaves, so a client never sees a
    success whose changes were lost. Idempotent replays (MS-RequestId) are
    stored here too, in the same transaction as the change they describe.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        effective = routing._effective_route_context_var.get()  # the route as its router includes it, if it does
        inner = direct_handler(
            effective if effective and effective.original_route is self else self, super().get_route_handler()
        )

        async def handler(request: Request) -> Response:
            db: Database = request.app.state.db
            reading = request.method in _READS
            session = db.request_session(reading=reading)
            request.state.session = session
            try:
                try:
                    response = await inner(request)
                except KeptRefusal as refusal:  # answered, and its bookkeeping kept (a fault's spent count)
                    response = refusal.response(request)
                await remember_for_replay(request, session, response)
                sync = session.sync_session
                if not (isinstance(sync, ReadingSession) and sync.closed_at_once()):
                    await greenlet_spawn(_commit_and_close, sync)
                if response.background is None and not isinstance(response, StreamingResponse):
                    db.give_back_session(session, reading=reading)  # nothing answered later may read through it
            except BaseException as error:  # a cancelled request (the client went away) gives its connection back too
                await greenlet_spawn(session.sync_session.close)  # rolls back what the request changed
                if isinstance(error, Exception):
                    await _replay_kept(db, request)
                if isinstance(error, IntegrityError):  # a repeat of a request answered meanwhile answers its answer
                    async with db.reading() as settling:
                        await settle_repeat(settling, request, error)
                raise
            delay = request.scope["state"].get("fault_latency_ms", 0)  # request.state's dict: no AttributeError
            if delay:  # after the commit: an injected delay holds no lock
                await asyncio.sleep(delay / 1000)
            return response

        return handler
