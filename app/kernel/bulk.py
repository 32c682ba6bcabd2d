"""Many rows at once, in the caller's transaction, without holding the event loop.

A worker serves many sandboxes on one event loop: a batch of half a million rows read, priced or written in one go
holds every other sandbox's requests for seconds (a month-end billing run over 100,000 customers held it for 2.7 s
per 50,000 subscriptions). So large batches go by parts, and the loop gets a turn between them: `parts_of` and
`rows_of` read a select by a cursor, `in_turns` walks a list, `insert_rows` writes by parts, and `DocumentLines`
writes the numbered lines of several documents (invoices) by parts as they stream in.

On PostgreSQL a batch goes by COPY (asyncpg's binary copy): no statement is built, bound or parsed per row. Built by
SQLAlchemy's executemany, a batch of a clock advance's events cost a third of the advance's CPU in compiling and
binding rows. Each value is first what the column's type makes of it for the driver (JSON spelled, a UTC time made
aware), so a copied row is the row the insert would have written. Small batches, and SQLite, take the plain insert.

Rows that are copies of rows already stored (the bulk seed's) skip the driver's encoding too: `copy_out` reads the
originals in COPY's binary form, each field's bytes as the server keeps them, and `copy_in` writes rows spelled in
that form, streamed so that the server stores one part while the next is built.
"""

import asyncio
import itertools
import logging
import secrets
import struct
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, Select, Table, TextClause, delete, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql import Executable

from app.kernel import loops
from app.kernel.clock import real_now
from app.kernel.db import IfRolledBack, driver_in_transaction
from app.models import Base, UnsettledCopies

# Below this many rows a COPY's own round trips cost more than the insert's binding.
_COPY_FROM = 20
# Rows read or written in one statement; and the longest the loop is held between two turns, walking rows in Python.
PART = 500
TURN = 0.005

T = TypeVar("T")
log = logging.getLogger("cspsim.bulk")


async def parts_of(session: AsyncSession, stmt: Select[*tuple[Any, ...]]) -> AsyncIterator[Sequence[Row[Any]]]:
    """The rows of `stmt`, read by a cursor, `PART` rows at a time."""
    result = await session.stream(stmt.execution_options(yield_per=PART))
    async for part in result.partitions():
        yield part


async def rows_of(session: AsyncSession, stmt: Select[*tuple[Any, ...]]) -> AsyncIterator[Row[Any]]:
    """The rows of `stmt`, read by a cursor `PART` rows at a time, given out `in_turns`."""
    async for part in parts_of(session, stmt):
        async for row in in_turns(part):
            yield row


async def in_turns(items: Iterable[T]) -> AsyncIterator[T]:
    """`items`, the loop getting a turn whenever the caller's work on them has held it for `TURN` seconds."""
    held_since = time.perf_counter()
    for item in items:
        yield item
        if time.perf_counter() - held_since > TURN:
            await asyncio.sleep(0)
            held_since = time.perf_counter()


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (each naming the same columns, values as the ORM would take them) into `table`."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql" or len(rows) < _COPY_FROM:
        for at in range(0, len(rows), PART):
            await session.execute(insert(table), list(rows[at : at + PART]))
        return
    columns = list(rows[0])
    dialect = connection.dialect
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    pairs = list(zip(columns, processors, strict=True))
    for at in range(0, len(rows), PART):
        records = [
            tuple(row[c] if process is None else process(row[c]) for c, process in pairs)
            async for row in in_turns(rows[at : at + PART])
        ]
        await copy_records(connection, table.name, columns, records)


async def copy_records(
    connection: AsyncConnection, table: str, columns: list[str], records: list[tuple[Any, ...]]
) -> None:
    """Rows already as the driver takes them, by COPY (PostgreSQL only), inside the caller's transaction."""
    driver = await driver_in_transaction(connection)
    _observed(connection, f'COPY "{table}"', records)
    await driver.copy_records_to_table(table, records=records, columns=columns)


# PostgreSQL's binary COPY: a signature, flags and header extension length (none), then each row as its field count
# (int16) and each field as its length (int32; -1 for NULL) and bytes, then a field count of -1.
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_HEADER = _SIGNATURE + bytes(8)
_TRAILER = b"\xff\xff"
_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_BIGINT = struct.Struct(">iq")  # its length, 8, then its value
_ID_LENGTH = _INT32.pack(16)


def copy_field(value: bytes | None) -> bytes:
    """One field of a binary COPY row: its length, then its bytes (a NULL: length -1 alone)."""
    return b"\xff\xff\xff\xff" if value is None else _INT32.pack(len(value)) + value


def text_field(text: str) -> bytes:
    """A text (or JSON) field of a binary COPY row."""
    return copy_field(text.encode())


def id_field(number: int) -> bytes:
    """A UUID field of a binary COPY row, from the id's 128-bit number."""
    return _ID_LENGTH + number.to_bytes(16)


def bigint_field(value: int) -> bytes:
    """A bigint field of a binary COPY row (an ordering key)."""
    return _BIGINT.pack(8, value)


def row_count(fields: int) -> bytes:
    """What leads a binary COPY row of `fields` fields."""
    return _INT16.pack(fields)


async def copy_out(connection: AsyncConnection, query: Select[Any]) -> list[list[bytes | None]]:
    """The rows of `query` (PostgreSQL only; few: they are read whole) as its binary COPY gives them: each field's
    bytes as the server stores it, None for NULL. In the caller's transaction."""
    driver = await driver_in_transaction(connection)
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    _observed(connection, f"COPY ({sql}) TO STDOUT", None)
    chunks: list[bytes] = []

    async def take(chunk: bytes) -> None:
        chunks.append(chunk)

    await driver.copy_from_query(sql, output=take, format="binary")
    data = b"".join(chunks)
    at = len(_SIGNATURE) + 4
    at += 4 + _INT32.unpack_from(data, at)[0]
    rows: list[list[bytes | None]] = []
    while (count := _INT16.unpack_from(data, at)[0]) != -1:
        at += 2
        fields: list[bytes | None] = []
        for _ in range(count):
            size = _INT32.unpack_from(data, at)[0]
            at += 4
            fields.append(None if size == -1 else data[at : at + size])
            at += max(size, 0)
        rows.append(fields)
    return rows


async def copy_in(connection: AsyncConnection, table: str, columns: list[str], rows: Iterator[bytes]) -> None:
    """Rows spelled as binary COPY rows (`row_count`, then each `copy_field`), by COPY (PostgreSQL only), in the
    caller's transaction. They are built while they stream, `PART` at a time: the server stores one part while the
    next is built, and the loop gets a turn between parts."""
    driver = await driver_in_transaction(connection)
    _observed(connection, f'COPY "{table}"', None)

    async def parts() -> AsyncIterator[bytes]:
        yield _HEADER
        while part := b"".join(itertools.islice(rows, PART)):
            yield part
            await asyncio.sleep(0)
        yield _TRAILER

    await driver.copy_to_table(table, source=parts(), columns=columns, format="binary")


def _observed(connection: AsyncConnection, statement: str, parameters: Any) -> None:
    """Show what listens for statements (the statement counts of tests) a COPY, which the driver sends directly."""
    observed = connection.sync_connection
    if observed is not None and observed.dispatch.before_cursor_execute:
        observed.dispatch.before_cursor_execute(observed, None, statement, parameters, None, True)


class DocumentLines:
    """The lines of several documents (a billing run's invoices) written while they stream in: by parts of `PART`
    per document, numbered from 0 in the order they came, each line's id following from its document's (the same
    ids in two sandboxes with one seed, and none drawn per line). `table` has `id`, `line_number` and `parent`."""

    def __init__(self, session: AsyncSession, table: Table, parent: str) -> None:
        self.session, self.table, self.parent = session, table, parent
        self.waiting: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
        self.written: dict[uuid.UUID, int] = defaultdict(int)

    async def add(self, document_id: uuid.UUID, line: dict[str, Any]) -> None:
        waiting = self.waiting[document_id]
        waiting.append(line)
        if len(waiting) >= PART:
            await self.write(document_id)

    async def write(self, document_id: uuid.UUID) -> None:
        first = self.written[document_id]
        rows = [
            {**line, "id": uuid.uuid5(document_id, str(number)), self.parent: document_id, "line_number": number}
            for number, line in enumerate(self.waiting.pop(document_id, []), first)
        ]
        self.written[document_id] = first + len(rows)
        await insert_rows(self.session, self.table, rows)

    async def write_all(self) -> None:
        for document_id in list(self.waiting):
            await self.write(document_id)


UNCHECKED = "SET LOCAL session_replication_role = replica"


@asynccontextmanager
async def foreign_keys_unchecked(session: AsyncSession) -> AsyncIterator[bool]:
    """PostgreSQL's row-by-row foreign key checks off for statements whose rows hold their keys by construction (a
    fork's copies, a seed's copies of its template customer, a sandbox emptied whole), where the role may set
    `session_replication_role` (a superuser, or one granted SET on it); otherwise the checks run, only slower.
    Elsewhere it changes nothing. Every key is led by sandbox_id, so no row of one sandbox names another's. Yields
    whether the checks are off."""
    if session.get_bind().dialect.name != "postgresql":
        yield False
        return
    before = (await session.execute(text("SELECT current_setting('session_replication_role')"))).scalar_one()
    try:
        async with session.begin_nested():
            await session.execute(text(UNCHECKED))
    except DBAPIError:  # not permitted: the savepoint is gone, the transaction goes on
        yield False
        return
    yield True
    # Not on an error: the transaction is then aborted, and its rollback undoes the SET LOCAL anyway.
    await session.execute(text("SELECT set_config('session_replication_role', :before, true)"), {"before": before})


class Alongside:
    """Connections of their own beside a session's transaction, for copies too large for one server core (a fork's,
    a seed's): each a transaction with the foreign key checks off (`UNCHECKED`: their rows hold their keys by
    construction, and a check would wait on the session's uncommitted rows) and, given a `snapshot` exported by the
    session's transaction (`pg_export_snapshot()`), reading what it reads. Opened as they are asked for, committed
    together by `commit`, rolled back should the block end before it (an error, a cancelled request).

    What they committed is not the session's, so it is undone unless the session's transaction commits: the caller
    tells what deletes it (`undo_sandbox`, `undo_written`), and `commit` hands those deletes to `if_rolled_back` (run
    after a rollback, `keep_on_rollback`) and also writes them down, in the first connection's transaction, as an
    `UnsettledCopies` record that the session's transaction deletes. Should the worker die between the commits (or
    its connection drop), nothing is left to run the deletes but the record: the session's transaction held an
    advisory lock keyed by it to its end, so a record whose lock is free outlived its request, and the next pass of
    `undo_abandoned` runs them. PostgreSQL only, where `foreign_keys_unchecked` answered that the role may turn the
    checks off."""

    def __init__(self, session: AsyncSession, *, if_rolled_back: IfRolledBack, snapshot: str | None = None) -> None:
        self.session, self.snapshot, self.if_rolled_back = session, snapshot, if_rolled_back
        self._opened: list[AsyncConnection] = []
        self._undo: list[dict[str, str]] = []
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> "Alongside":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._stack.aclose()  # a connection not committed is rolled back as it goes back to the pool

    async def connections(self, count: int) -> list[AsyncConnection]:
        """`count` of them, the first ones again if asked before."""
        engine = (await self.session.connection()).engine
        while len(self._opened) < count:
            connection = await self._stack.enter_async_context(engine.connect())
            if self.snapshot is not None:
                await connection.execution_options(isolation_level="REPEATABLE READ")  # to import a snapshot
                quoted = self.snapshot.replace("'", "''")
                await connection.execute(text(f"SET TRANSACTION SNAPSHOT '{quoted}'"))
            await connection.execute(text(UNCHECKED))
            self._opened.append(connection)
        return self._opened[:count]

    def undo_sandbox(self, sandbox_id: uuid.UUID) -> None:
        """Undone by deleting every row of the sandbox (a fork's, whose sandbox row is the session's)."""
        self._undo += [{"table": t.name, "sandbox_id": str(sandbox_id)} for t in reversed(sandbox_tables())]

    def undo_written(self, table: Table, sandbox_id: uuid.UUID, column: str, least: Any, greatest: Any) -> None:
        """Undone by deleting the table's rows of the sandbox whose `column` lies from `least` to `greatest` and that
        the first connection's transaction wrote (its id is read when asked). Call it before that connection writes
        them."""
        self._undo.append(
            {"table": table.name, "sandbox_id": str(sandbox_id), "column": column}
            | {"least": str(least), "greatest": str(greatest)}
        )

    async def commit(self) -> None:
        recorded = await self._record() if self._undo and self._opened else None
        for connection in self._opened:
            await connection.commit()
        if recorded is not None:  # the record goes with the session's commit
            await self.session.execute(delete(UnsettledCopies).where(UnsettledCopies.id == recorded))

    async def _record(self) -> int:
        """The undo handed to `if_rolled_back` and written down in the first connection's transaction, under a lock
        the session's transaction holds to its end; answers the record's id (the lock's key)."""
        first = self._opened[0]
        writer = (await first.execute(_TRANSACTION)).scalar_one()
        undo = [entry | {"writer": writer} if "column" in entry else entry for entry in self._undo]
        key = secrets.randbits(62)
        # Begun first: a plain read may run before BEGIN, and a lock taken there would end with it.
        await driver_in_transaction(await self.session.connection())
        await self.session.execute(_HOLD, {"key": key})
        for statement in [*_undoing(undo), delete(UnsettledCopies).where(UnsettledCopies.id == key)]:
            self.if_rolled_back(statement)
        await first.execute(insert(UnsettledCopies).values(id=key, undo=undo, created_at=real_now()))
        return key


# The transaction a connection writes in, and a row written by it (xmin: the id of the transaction that wrote it).
_TRANSACTION = text("SELECT CAST(txid_current() % 4294967296 AS text)")
_WRITTEN_BY = text("xmin = CAST(:writer AS xid)")
# Advisory locks in the one-key space, keyed by a record's random 62-bit id: taken by the session's transaction
# (waiting on no one: no one else holds that key), tried by a pass (held: that request is still on).
_HOLD = text("SELECT pg_advisory_xact_lock(:key)")
_TRY = text("SELECT pg_try_advisory_xact_lock(:key)")


def sandbox_tables() -> list[Table]:
    """Every table whose rows belong to a sandbox, parents before children (so foreign keys hold at each step)."""
    return [t for t in Base.metadata.sorted_tables if "sandbox_id" in t.c and t.name != "sandboxes"]


def _undoing(undo: list[dict[str, str]]) -> list[Executable]:
    """The deletes an `UnsettledCopies` record names, the key checks off first (every row of a copy goes, or every
    row one transaction wrote: nothing is left pointing at them)."""
    statements: list[Executable] = [text(UNCHECKED)]
    for entry in undo:
        table = Base.metadata.tables[entry["table"]]
        where: list[ColumnElement[bool] | TextClause] = [table.c.sandbox_id == uuid.UUID(entry["sandbox_id"])]
        if "column" in entry:
            key = table.c[entry["column"]]
            bound = (uuid.UUID(entry["least"]), uuid.UUID(entry["greatest"]))
            where += [key.between(*bound), _WRITTEN_BY.bindparams(writer=entry["writer"])]
        statements.append(delete(table).where(*where))
    return statements


async def undo_abandoned(engine: AsyncEngine) -> int:
    """One pass: undo the copies whose request's transaction ended without committing and without undoing them (see
    `Alongside`); answers how many records it settled. Each in a transaction of its own, without a time limit (a
    large fork's rows take a while to delete). A record whose lock is held is a request still at work: left."""
    if engine.dialect.name != "postgresql":
        return 0
    async with engine.connect() as conn:
        keys = (await conn.execute(select(UnsettledCopies.id))).scalars().all()
    settled = 0
    for key in keys:
        async with engine.begin() as conn:
            if not (await conn.execute(_TRY, {"key": key})).scalar_one():
                continue
            # Read again under the lock: a request that committed meanwhile deleted it.
            gone = delete(UnsettledCopies).where(UnsettledCopies.id == key).returning(UnsettledCopies.undo)
            undo = (await conn.execute(gone)).scalar_one_or_none()
            if undo is None:
                continue
            await conn.execute(text("SET LOCAL statement_timeout = 0"))
            for statement in _undoing(undo):
                await conn.execute(statement)
            settled += 1
            log.warning("undid the copies of a request that ended between its commits: %s", undo[:1])
    return settled


# The undo pass's interval where the statistics loop, whose interval it shares, is turned off.
UNDO_INTERVAL_SECONDS = 10.0


async def run_undo_loop(engine: AsyncEngine, interval: float) -> None:
    await loops.every(interval, lambda: undo_abandoned(engine), what="abandoned copies pass", log=log)


async def together(*works: Awaitable[Any]) -> None:
    """The works at once (copies on connections of their own): should one fail, or the caller be cancelled, the
    others are cancelled and it raises as it is."""
    running = [asyncio.ensure_future(work) for work in works]
    try:
        await asyncio.gather(*running)
    except BaseException:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        raise


def shared_out(
    items: Sequence[T], weight: Callable[[T], float], count: int, *, pinned: Sequence[T] = ()
) -> list[list[T]]:
    """The items in `count` shares of about equal weight (`pinned` ones in the first share): the heaviest first, each
    to the share with least. Each share keeps the items' own order. A share may be empty."""
    shares: list[list[T]] = [[] for _ in range(count)]
    loads = [0.0] * count
    held = {id(item) for item in pinned}
    for item in pinned:
        loads[0] += weight(item) + 1
    for item in sorted((i for i in items if id(i) not in held), key=lambda i: -weight(i)):
        least = loads.index(min(loads))
        shares[least].append(item)
        loads[least] += weight(item) + 1
    shares[0] += pinned
    order = {id(item): at for at, item in enumerate(items)}
    return [sorted(share, key=lambda i: order[id(i)]) for share in shares]
