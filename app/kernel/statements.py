"""Hot statements straight through the driver: built once, run with values.

    Read(select(...))   ──> compiled once per dialect: the SQL text, its parameters' order and their type conversions
                        ──> PostgreSQL: asyncpg's own `fetch` on the request's connection (its prepared statement
                            cache), each value converted as SQLAlchemy would convert it
                        ──> SQLite: the connection's Core `execute`
    Write.insert(table) ──> the same for an INSERT of one row, a bound parameter per column: asyncpg's `execute`
                            once the transaction has begun
    Write(update(...))  ──> the same for an UPDATE by key (a row the request answers from: its kept answer)

An ORM `session.execute` of a SELECT cost about 230 µs of CPU more than the driver's own fetch of the same row (the
ORM's execution context, the compiled cache's key, the result's metadata and the entities' identity map); every
request of a tenant surface runs one (its principal), so that difference was a fifth of a GET's CPU (issue 17).
What a `Read` answers is values, not entities: nothing is added to the session, and a row the request goes on to
change is read through the ORM as before. Like an ORM read, it first flushes what the request changed; so does a
`Write`, whose row may refer to one the session holds. A row a `Write` inserted enters the session, where the
request goes on with it, as persistent (`persist`): the unit of work's flush of one new object cost about 400 µs.

Errors keep their shape: a driver error becomes SQLAlchemy's (`IntegrityError` for a key, `DBAPIError` else), so a
unique key still answers 409 and a statement or lock timeout 503 (`app.kernel.errors`). The engine's
`before_cursor_execute` listeners see each statement as they see the ORM's (`tests/kernel/test_statements.py`
counts them), and whoever watches a session's inserts (`watch_inserts`: the seed's copier) sees each row a `Write`
inserts.
"""

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Dialect,
    Engine,
    Float,
    Insert,
    Numeric,
    Select,
    Table,
    Update,
    bindparam,
    event,
    insert,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.schema import CallableColumnDefault
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import greenlet_spawn

from app.models.base import Base

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
_LENT = "cspsim_lent_connection"


@dataclass(frozen=True)
class _Held:
    observed: Connection | Engine  # SQLAlchemy's: its listeners see every statement
    driver: Any  # asyncpg's own connection
    adapted: Any  # SQLAlchemy's adapter of it: the transaction a write begins
    pooled: PoolProxiedConnection | None = None  # lent by the pool itself, to a session that has begun nothing


def _connection_of(session: Session) -> _Held:
    connection = session.connection()
    return _Held(connection, connection.connection.driver_connection, connection.connection.dbapi_connection)


def _lent(session: Session) -> _Held:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    pooled = engine.raw_connection()
    return _Held(engine, pooled.driver_connection, pooled.dbapi_connection, pooled)


class ReadingSession(Session):
    """A read request's session (GET, HEAD). Until it begins a transaction, which a change, a flush or an ORM
    statement does, what runs through the driver (`Read`) runs on a connection the pool lends it directly: the
    session's transaction, SQLAlchemy's `Connection` around it and their commit were a tenth of a GET's CPU, for
    statements that begin nothing (each plain SELECT reads its own snapshot, `db._begin_at_first_change`). When it
    begins one, the lent connection goes back to the pool first (the transaction then takes one, most likely the
    same), so a request never holds two; closing the session gives it back too."""

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back()

    def give_back(self) -> None:
        lent: _Held | None = self.info.pop(_LENT, None)
        if lent is not None and lent.pooled is not None:
            lent.pooled.close()


@event.listens_for(ReadingSession, "after_transaction_create")
def _before_its_connection(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and isinstance(session, ReadingSession):
        session.give_back()


async def _held(session: AsyncSession, *, writing: bool = False) -> _Held:
    """The connection the session's transaction holds and asyncpg's own under it. Asked of the async session, each
    is a hop into a greenlet (pool checkout may wait): once per transaction here, kept in the session's `info`
    beside the transaction it belongs to, and a request's later reads find it there. A reading session that has
    begun nothing reads on the connection the pool lent it (`ReadingSession`); a write begins the session's
    transaction."""
    sync = session.sync_session
    transaction = sync.get_transaction()
    if transaction is None and not writing and isinstance(sync, ReadingSession):
        lent: _Held | None = sync.info.get(_LENT)
        if lent is None:
            lent = sync.info[_LENT] = await greenlet_spawn(_lent, sync)
        return lent
    kept = sync.info.get(_HELD)
    if transaction is not None and kept is not None and kept[0] is transaction:
        return kept[1]  # type: ignore[no-any-return]
    held = await greenlet_spawn(_connection_of, sync)
    sync.info[_HELD] = (sync.get_transaction(), held)
    return held


def _compile(statement: Select[*tuple[Any, ...]] | Insert | Update, dialect: Dialect) -> _Plan:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    binds = {name: compiled.binds[name] for name in names}
    selected = statement.selected_columns if isinstance(statement, Select) else ()
    return _Plan(
        sql=compiled.string,
        names=names,
        defaults={name: bind.effective_value for name, bind in binds.items() if not bind.required},
        binds=tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names),
        results=tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, _column_type(column.type, dialect))
            for column in selected
        ),
    )


def _bound(plan: _Plan, params: Mapping[str, Any]) -> list[Any]:
    values = []
    for name, convert in zip(plan.names, plan.binds, strict=True):
        value = params[name] if name in params else plan.defaults[name]
        values.append(value if convert is None or value is None else convert(value))
    return values


def _observe(held: _Held, sql: str, values: list[Any]) -> None:
    observed = held.observed
    if observed.dispatch.before_cursor_execute:  # what listens sees every statement
        observed.dispatch.before_cursor_execute(observed, None, sql, values, None, False)


def _flushed(session: AsyncSession) -> Any:
    """The session's flush when it holds changes (what a statement must see first), else None."""
    return session.flush() if session.new or session.deleted or session.dirty else None


class _Compiled:
    def __init__(self, statement: Select[*tuple[Any, ...]] | Insert | Update) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = _compile(self.statement, dialect)
        return plan


class Read(_Compiled):
    """A SELECT built once with bound parameters (`bindparam("tenant_id")`), run with their values."""

    statement: Select[*tuple[Any, ...]]

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        super().__init__(statement)

    async def all(self, session: AsyncSession, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if (flush := _flushed(session)) is not None:  # what the request wrote, seen as an ORM read sees it
            await flush
        dialect = session.sync_session.get_bind().dialect
        if dialect.driver != "asyncpg":
            connection = await session.connection()
            return [tuple(row) for row in await connection.execute(self.statement, dict(params))]
        plan = self._plan(dialect)
        values = _bound(plan, params)
        held = await _held(session)
        _observe(held, plan.sql, values)
        try:
            records: Sequence[Any] = await held.driver.fetch(plan.sql, *values)
        except Exception as error:  # asyncpg's own: answered as SQLAlchemy's, as the ORM's reads are
            raise _translated(held, plan.sql, values, error) from error
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


_WATCHERS = "cspsim_insert_watchers"
Watcher = Callable[[Table, Mapping[str, Any], object | None], None]  # a table, a row, the instance it is


def watch_inserts(session: Session, watcher: Watcher | None) -> None:
    """Have `watcher` told of every row a `Write` inserts through this (sync) session; None: no longer."""
    if watcher is None:
        session.info.pop(_WATCHERS, None)
    else:
        session.info[_WATCHERS] = watcher


def _scalar_default(column: Column[Any]) -> Any:
    default = column.default
    return getattr(default, "arg", None) if default is not None and getattr(default, "is_scalar", False) else None


class Write(_Compiled):
    """An INSERT (or UPDATE) built once with bound parameters, run with one row's values: `Write.insert(table)`
    names every column; a column the row leaves out takes its scalar default, or NULL. `inserts` names the tables it
    adds a row to, each with the prefix of its parameters (one statement may insert into two: a data-modifying CTE),
    so a watcher is told of every row. An UPDATE changes the row, not what the session holds of it."""

    statement: Insert | Update

    def __init__(self, statement: Insert | Update, *, inserts: Sequence[tuple[Table, str]] = ()) -> None:
        super().__init__(statement)
        self.inserts = tuple(inserts)

    @classmethod
    def insert(
        cls,
        table: Table,
        *,
        prefix: str = "",
        into: Callable[[Table], Insert] = insert,
        unless_taken: Sequence[str] = (),
    ) -> "Write":
        """`into`: a dialect's own insert (`postgresql.insert`), for what only it spells; `unless_taken`: the columns
        of a unique key whose row, when it is there already, leaves the insert undone (`ON CONFLICT DO NOTHING`)."""
        values = {}
        for column in table.columns:
            values[column.name] = bindparam(prefix + column.name, _scalar_default(column), type_=column.type)
        statement = into(table).values(values)
        if unless_taken:
            statement = statement.on_conflict_do_nothing(index_elements=list(unless_taken))  # type: ignore[attr-defined]
        return cls(statement, inserts=[(table, prefix)])

    async def run(self, session: AsyncSession, row: Mapping[str, Any], *, instance: object | None = None) -> int:
        """Answers how many rows the statement wrote."""
        if (flush := _flushed(session)) is not None:  # the rows this one refers to are written first
            await flush
        sync = session.sync_session
        written = await self._written(session, row)
        watcher = sync.info.get(_WATCHERS)
        if watcher is not None and written:
            for table, prefix in self.inserts:
                if prefix:
                    watcher(table, {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}, None)
                else:
                    watcher(table, row, instance)
        return written

    async def _written(self, session: AsyncSession, row: Mapping[str, Any]) -> int:
        dialect = session.sync_session.get_bind().dialect
        if dialect.driver != "asyncpg":
            connection = await session.connection()
            return (await connection.execute(self.statement, dict(row))).rowcount
        plan = self._plan(dialect)
        values = _bound(plan, row)
        held = await _held(session, writing=True)
        adapted = held.adapted
        if adapted._transaction is None and adapted.isolation_level != "autocommit":
            await adapted._start_transaction()  # the deferred BEGIN (`db._begin_at_first_change`)
        _observe(held, plan.sql, values)
        try:
            status: str = await held.driver.execute(plan.sql, *values)  # "INSERT 0 1", "UPDATE 1"
        except Exception as error:
            raise _translated(held, plan.sql, values, error) from error
        return int(status.rsplit(" ", 1)[-1])


Default = Callable[[], Any]


def _default_maker(column: Column[Any]) -> Default:
    """What a column left unset takes: its scalar default, what its callable default makes (`default=list`), else
    NULL; a NOT NULL column with neither is the caller's omission, named at once rather than refused by the database
    as a conflict."""
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        value = getattr(default, "arg", None)
        return lambda: value
    if isinstance(default, CallableColumnDefault):
        make = default.arg  # SQLAlchemy's wrapper takes the execution context, which these never read
        return lambda: make(None)  # type: ignore[arg-type]
    if column.nullable:
        return lambda: None

    def missing() -> Any:
        raise ValueError(f"{column.table.name}.{column.name} is NOT NULL and has no default: set it")

    return missing


@dataclass(frozen=True)
class _Mapped:
    write: Write
    columns: tuple[tuple[str, str, Default], ...]  # a column's name, its attribute's key, what it takes unset


@functools.cache
def _mapped(model: type[Base]) -> _Mapped:
    mapper: Mapper[Any] = sa_inspect(model)
    table = mapper.local_table
    assert isinstance(table, Table), f"{model.__name__} maps no one table"
    assert not mapper.relationships, f"{model.__name__} has relationships, which add_now does not cascade to"
    columns = tuple(
        (column.name, mapper.get_property_by_column(column).key, _default_maker(column)) for column in table.columns
    )
    return _Mapped(Write.insert(table), columns)


async def add_now(
    session: AsyncSession, instance: Base, *, write: Write | None = None, params: Mapping[str, Any] | None = None
) -> bool:
    """Write a new instance's row now and take it into the session as persistent: what `session.add` and a flush
    do, by one statement built once instead of the unit of work. A column left unset takes its default (set on the
    instance too, so every attribute is loaded); the request goes on with the instance as with a row it loaded,
    and a later change to it is flushed as an UPDATE. `write`: the table's insert with more in the same statement
    (a CTE, on PostgreSQL), whose other values are `params`, or one that may write nothing (`unless_taken`): answers
    whether the row was written (if not, the instance stays out of the session)."""
    if sa_inspect(instance).key is not None:
        raise ValueError(f"{type(instance).__name__} {getattr(instance, 'id', '')} has a row already: flush its change")
    mapped = _mapped(type(instance))
    state = vars(instance)
    row = {}
    for name, key, default in mapped.columns:
        if key not in state:
            setattr(instance, key, default())
        row[name] = state[key]
    if not await (write or mapped.write).run(session, row | dict(params or {}), instance=instance):
        return False
    make_transient_to_detached(instance)
    session.sync_session.add(instance)
    return True


def _translated(held: _Held, sql: str, values: list[Any], error: Exception) -> Exception:
    """asyncpg's error as SQLAlchemy's adapter and engine would have raised it (`IntegrityError` for a key)."""
    adapted = held.adapted
    try:
        adapted._handle_exception(error)
    except Exception as dbapi_error:  # the adapter's DB-API error
        return DBAPIError.instance(sql, values, dbapi_error, adapted.dbapi.Error, dialect=held.observed.dialect)
    return DBAPIError(sql, values, error)
