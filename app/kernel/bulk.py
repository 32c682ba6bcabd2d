"""Many new rows of one table in one step, in the caller's transaction.

On PostgreSQL a batch goes by COPY (asyncpg's binary copy): no statement is built, bound or parsed per row. Built by
SQLAlchemy's executemany, a batch of a clock advance's events cost a third of the advance's CPU in compiling and
binding rows. Each value is first what the column's type makes of it for the driver (JSON spelled, a UTC time made
aware), so a copied row is the row the insert would have written. Small batches, and SQLite, take the plain insert.
"""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.kernel.db import driver_in_transaction

# Below this many rows a COPY's own round trips cost more than the insert's binding.
_COPY_FROM = 20


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (each naming the same columns, values as the ORM would take them) into `table`."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql" or len(rows) < _COPY_FROM:
        await session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    dialect = connection.dialect
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    pairs = list(zip(columns, processors, strict=True))
    records = [tuple(row[c] if process is None else process(row[c]) for c, process in pairs) for row in rows]
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
