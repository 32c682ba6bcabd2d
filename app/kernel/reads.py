"""Hot reads straight through the driver: a SELECT built once, its rows as plain tuples.

    Read(select(...))  ──> compiled once per dialect: the SQL text, its parameters' order and their type conversions
                       ──> PostgreSQL: asyncpg's own `fetch` on the request's connection (its prepared statement
                           cache), each value converted as SQLAlchemy would convert it
                       ──> SQLite: the connection's Core `execute`

An ORM `session.execute` of a SELECT cost about 230 µs of CPU more than the driver's own fetch of the same row (the
ORM's execution context, the compiled cache's key, the result's metadata and the entities' identity map); every
request of a tenant surface runs one (its principal), so that difference was a fifth of a GET's CPU (issue 17).
What a `Read` answers is values, not entities: nothing is added to the session, and a row the request goes on to
change is read through the ORM as before. Like an ORM read, it first flushes what the request changed.

Errors keep their shape: a driver error becomes SQLAlchemy's `DBAPIError`, so a statement or lock timeout still
answers 503 (`app.kernel.errors`). The engine's `before_cursor_execute` listeners see the statement as they see the
ORM's (`tests/kernel/test_statements.py` counts them).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Float, Numeric, Select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import greenlet_spawn

Convert = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # the bound parameters, in their positional order
    defaults: Mapping[str, Any]  # values bound when the statement was built (literals)
    binds: tuple[Convert, ...]
    results: tuple[Convert, ...]


def _column_type(type_: TypeEngine[Any], dialect: Dialect) -> int | None:
    """The PostgreSQL type (its oid) a column answers, where a result processor asks for it: asyncpg's numeric ones
    convert a float column (701) to Decimal and leave a numeric one (1700), which asyncpg decodes as Decimal."""
    impl = type_.dialect_impl(dialect)
    impl = getattr(impl, "impl_instance", impl)  # a TypeDecorator (Money): what it stores
    if isinstance(impl, Float):
        return 701
    if isinstance(impl, Numeric):
        return 1700
    return None


_HELD = "cspsim_held_connection"


def _connection_of(session: Session) -> tuple[Connection, Any]:
    connection = session.connection()
    return connection, connection.connection.driver_connection


async def _held(session: AsyncSession) -> tuple[Connection, Any]:
    """The connection the session's transaction holds and asyncpg's own under it. Asked of the async session, each
    is a hop into a greenlet (pool checkout may wait): once per transaction here, kept in the session's `info`
    beside the transaction it belongs to, and a request's later reads find it there."""
    sync = session.sync_session
    transaction = sync.get_transaction()
    kept = sync.info.get(_HELD)
    if transaction is not None and kept is not None and kept[0] is transaction:
        return kept[1], kept[2]
    connection, driver = await greenlet_spawn(_connection_of, sync)
    sync.info[_HELD] = (sync.get_transaction(), connection, driver)
    return connection, driver


class Read:
    """A SELECT built once with bound parameters (`bindparam("tenant_id")`), run with their values."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self.statement.compile(dialect=dialect)
            names = tuple(compiled.positiontup or ())
            binds = {name: compiled.binds[name] for name in names}
            plan = _Plan(
                sql=compiled.string,
                names=names,
                defaults={name: bind.effective_value for name, bind in binds.items() if not bind.required},
                binds=tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names),
                results=tuple(
                    column.type.dialect_impl(dialect).result_processor(dialect, _column_type(column.type, dialect))
                    for column in self.statement.selected_columns
                ),
            )
            self._plans[dialect.name] = plan
        return plan

    async def all(self, session: AsyncSession, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if session.new or session.deleted or session.dirty:  # what the request wrote, seen as an ORM read sees it
            await session.flush()
        dialect = session.sync_session.get_bind().dialect
        if dialect.driver != "asyncpg":
            connection = await session.connection()
            return [tuple(row) for row in await connection.execute(self.statement, dict(params))]
        plan = self._plan(dialect)
        values = []
        for name, convert in zip(plan.names, plan.binds, strict=True):
            value = params[name] if name in params else plan.defaults[name]
            values.append(value if convert is None or value is None else convert(value))
        observed, driver = await _held(session)
        if observed.dispatch.before_cursor_execute:  # what listens sees every statement
            observed.dispatch.before_cursor_execute(observed, None, plan.sql, values, None, False)
        try:
            records: Sequence[Any] = await driver.fetch(plan.sql, *values)
        except Exception as error:  # asyncpg's own: answered as SQLAlchemy's, as the ORM's reads are
            raise DBAPIError(plan.sql, values, error) from error
        results = plan.results
        return [
            tuple(
                value if convert is None or value is None else convert(value)
                for value, convert in zip(record, results, strict=True)
            )
            for record in records
        ]

    async def one_or_none(self, session: AsyncSession, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        rows = await self.all(session, params)
        if len(rows) > 1:
            raise ValueError(f"expected at most one row, got {len(rows)}")
        return rows[0] if rows else None
