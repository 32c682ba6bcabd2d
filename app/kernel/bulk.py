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
"""

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, Select, Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.kernel.db import driver_in_transaction

# Below this many rows a COPY's own round trips cost more than the insert's binding.
_COPY_FROM = 20
# Rows read or written in one statement; and the longest the loop is held between two turns, walking rows in Python.
PART = 500
TURN = 0.005

T = TypeVar("T")


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
    observed = connection.sync_connection
    if observed is not None and observed.dispatch.before_cursor_execute:  # what listens sees every statement
        observed.dispatch.before_cursor_execute(observed, None, f'COPY "{table}"', records, None, True)
    await driver.copy_records_to_table(table, records=records, columns=columns)


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
