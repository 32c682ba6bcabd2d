"""Hot statements straight through the driver: built once, run with values.

    Read(select(...))   ──> compiled once per dialect: the SQL text, its parameters' order and their type conversions
                        ──> PostgreSQL: asyncpg's own `fetch` on the request's connection (its prepared statement
                            cache), each value converted as SQLAlchemy would convert it
                        ──> SQLite: the connection's Core `execute`
    Write.insert(table) ──> the same for an INSERT of one row, a bound parameter per column: asyncpg's `execute`
                            once the transaction has begun; one that answers nothing back waits for the connection's
                            next statement and goes with it, the inserts waiting as one statement (`send_pending`)
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
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    BindParameter,
    Column,
    ColumnElement,
    Connection,
    Dialect,
    Engine,
    Float,
    Insert,
    Numeric,
    Select,
    Table,
    Update,
    any_,
    bindparam,
    event,
    func,
    insert,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapper, Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.schema import CallableColumnDefault
from sqlalchemy.sql.visitors import replacement_traverse
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import await_only, greenlet_spawn

from app.models.base import Base

Convert = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # the bound parameters, in their positional order
    defaults: Mapping[str, Any]  # values bound when the statement was built (literals)
    binds: tuple[Convert, ...]
    results: tuple[Convert, ...]

    @functools.cached_property
    def bound_defaults(self) -> tuple[Any, ...]:
        """Each parameter's value as the driver takes it when the call names none: its literal's, converted once (a
        principal's read binds a dozen enum literals)."""
        return tuple(
            value if (value := self.defaults.get(name)) is None or convert is None else convert(value)
            for name, convert in zip(self.names, self.binds, strict=True)
        )

    @functools.cached_property
    def places(self) -> tuple[tuple[int, str, Convert], ...]:
        return tuple((at, name, convert) for at, (name, convert) in enumerate(zip(self.names, self.binds, strict=True)))

    @functools.cached_property
    def converted(self) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        """The result columns the driver's value is converted for (an enum's member, a float's Decimal), by place."""
        return tuple((at, convert) for at, convert in enumerate(self.results) if convert is not None)


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
_AHEAD = "cspsim_read_ahead"
_LENT = "cspsim_lent_connection"


@dataclass(frozen=True)
class _Held:
    observed: Connection | Engine  # SQLAlchemy's: its listeners see every statement
    driver: Any  # asyncpg's own connection
    adapted: Any  # SQLAlchemy's adapter of it: the transaction a write begins
    pooled: PoolProxiedConnection | None = None  # lent by the pool itself, to a session that has begun nothing


def _held_on(connection: Connection) -> _Held:
    return _Held(connection, connection.connection.driver_connection, connection.connection.dbapi_connection)


def _connection_of(session: Session) -> _Held:
    return _held_on(session.connection())


def _lent(session: Session) -> _Held:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    pooled = engine.raw_connection()
    return _Held(engine, pooled.driver_connection, pooled.dbapi_connection, pooled)


def among(name: str, *, array: bool) -> Callable[[Any], ColumnElement[bool]]:
    """The criterion "this column among the list parameter `name`", for a statement built once: one array parameter
    (`= ANY($1)`, PostgreSQL's: one prepared statement whatever the list's length, where an IN list is rendered and
    bound per item on every execution), or an expanding IN (SQLite has no arrays)."""
    if array:
        return lambda column: column == any_(bindparam(name, type_=ARRAY(column.type)))
    return lambda column: column.in_(bindparam(name, expanding=True))


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

    def closed_at_once(self) -> bool:
        """Close a session that began nothing and holds nothing, outside a greenlet (a hop into one, the session's
        close and the connection's return were a twentieth of a GET's CPU): giving back its lent connection awaits
        nothing on asyncpg, whose connection a `Read` never begins a transaction on (the pool's rollback of it is
        a no-op). False, and nothing done, when the request must be closed (or committed) the usual way."""
        if self._transaction is not None or self.identity_map or self._new or self._deleted:
            return False
        lent: _Held | None = self.info.get(_LENT)
        if lent is not None and lent.observed.dialect.driver != "asyncpg":
            return False  # aiosqlite's rollback awaits its thread
        # Nothing to expunge and no transaction to end: the session's own close (a new identity map, its states
        # detached) was a third of this, and the session serves the next read request as it is
        # (`Database.give_back_session`).
        self.give_back()
        return True


@event.listens_for(ReadingSession, "after_transaction_create")
def _before_its_connection(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and isinstance(session, ReadingSession):
        session.give_back()


@event.listens_for(Session, "after_transaction_end")
def _forget_held(session: Session, transaction: SessionTransaction) -> None:
    """The connection kept beside a transaction is forgotten when it ends: kept, it held the transaction, which holds
    the session, in the session's own `info`, a reference cycle that left each write request's session, transaction
    and connection (45 objects) to the garbage collector: a young collection every 430 or so creates, 8 to 10 ms."""
    kept = session.info.get(_HELD)
    if kept is not None and kept[0] is transaction:
        del session.info[_HELD]


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
    # Kept per transaction, a savepoint's included: the session makes a savepoint when it is first asked for its
    # connection inside one, and a statement run on a connection kept from outside it would not be undone with it.
    current = sync.get_nested_transaction() or transaction
    kept = sync.info.get(_HELD)
    if current is not None and kept is not None and kept[0] is current:
        return kept[1]  # type: ignore[no-any-return]
    held = await greenlet_spawn(_connection_of, sync)
    sync.info[_HELD] = (sync.get_nested_transaction() or sync.get_transaction(), held)
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
    values = list(plan.bound_defaults)
    for at, name, convert in plan.places:
        if name in params:
            value = params[name]
            values[at] = value if convert is None or value is None else convert(value)
        elif name not in plan.defaults:
            raise KeyError(name)
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
    """A SELECT built once with bound parameters (`bindparam("tenant_id")`), run with their values. A list parameter
    is spelled by `among`."""

    statement: Select[*tuple[Any, ...]]

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        super().__init__(statement)

    @staticmethod
    def among(make: Callable[[Callable[[Any], ColumnElement[bool]]], Any], name: str) -> "ReadAmong":
        """A read built by `make` from a criterion "this column among the list parameter `name`": one array
        parameter on PostgreSQL (`= ANY($1)`, one prepared statement whatever the list's length), an expanding IN
        elsewhere."""
        return ReadAmong(postgresql=Read(make(among(name, array=True))), other=Read(make(among(name, array=False))))

    def as_column(self, prefix: str) -> ColumnElement[Any]:
        """This read as one column of another statement (PostgreSQL's): `ARRAY(SELECT ROW(...) ...)`, its rows in
        its order, each row's fields as the driver decodes them (`rows_of` converts them as `all` would). Its named
        parameters are renamed `prefix + name`, so they never meet the other statement's; it correlates with
        nothing there, though both may read the same tables."""

        def renamed(element: Any, **_: Any) -> Any:
            if isinstance(element, BindParameter) and not element.unique:
                return bindparam(prefix + element.key, element.value, type_=element.type, required=element.required)
            return None

        statement = cast(Select[Any], replacement_traverse(self.statement, {}, renamed))
        rows = statement.with_only_columns(func.row(*statement.selected_columns), maintain_column_froms=True)
        return func.array(rows.correlate(None).scalar_subquery())

    def rows_of(self, dialect: Dialect, records: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """The rows `all` would answer, from the records `as_column` read."""
        converted = self._plan(dialect).converted
        if not converted:
            return [tuple(record) for record in records]
        rows = []
        for record in records:
            row = list(record)
            for at, convert in converted:
                if (value := row[at]) is not None:
                    row[at] = convert(value)
            rows.append(tuple(row))
        return rows

    async def all(self, session: AsyncSession, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if (flush := _flushed(session)) is not None:  # what the request wrote, seen as an ORM read sees it
            await flush
        sync = session.sync_session
        ahead = sync.info.get(_AHEAD)
        if ahead is not None and ahead[0] is self and ahead[1] == params:
            del sync.info[_AHEAD]
            if _unchanged(sync):  # read with the caller's principal, and nothing changed since
                rows: list[tuple[Any, ...]] = ahead[2]
                return rows
        dialect = sync.get_bind().dialect
        if dialect.driver != "asyncpg":
            connection = await session.connection()
            return [tuple(row) for row in await connection.execute(self.statement, dict(params))]
        plan = self._plan(dialect)
        values = _bound(plan, params)
        held = await _held(session)
        await send_pending(held)
        _observe(held, plan.sql, values)
        try:
            records: Sequence[Any] = await held.driver.fetch(plan.sql, *values)
        except Exception as error:  # asyncpg's own: answered as SQLAlchemy's, as the ORM's reads are
            raise _translated(held, plan.sql, values, error) from error
        return self.rows_of(dialect, records)

    async def one_or_none(self, session: AsyncSession, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        rows = await self.all(session, params)
        if len(rows) > 1:
            raise ValueError(f"expected at most one row, got {len(rows)}")
        return rows[0] if rows else None


def _unchanged(sync: Session) -> bool:
    """Whether the request has changed nothing yet: it began no transaction, or (a write request, whose session's
    transaction its principal's read began) its connection has begun none in the database (`db._begin_at_first_change`:
    BEGIN goes with the first statement that writes or locks) and holds no insert waiting to be sent."""
    transaction = sync.get_transaction()
    if transaction is None:
        return True
    kept = sync.info.get(_HELD)
    if kept is None or kept[0] is not (sync.get_nested_transaction() or transaction):
        return False
    held: _Held = kept[1]
    waiting = isinstance(held.observed, Connection) and held.observed.info.get(_PENDING)
    return held.adapted._transaction is None and not waiting


def read_ahead(session: AsyncSession, read: Read, params: Mapping[str, Any], rows: list[tuple[Any, ...]]) -> None:
    """The rows `read` answers for `params`, read already (with the caller's principal: `principals.ReadAhead`):
    the request's first `read.all(params)` answers them without a statement of its own, unless the request has
    begun a transaction since (it changed something). Only the first: a second asks the database again."""
    session.sync_session.info[_AHEAD] = (read, dict(params), rows)


@dataclass(frozen=True)
class ReadAmong:
    """`Read.among`: a read per dialect, run as one."""

    postgresql: Read
    other: Read

    async def all(self, session: AsyncSession, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        dialect = session.sync_session.get_bind().dialect.name
        return await (self.postgresql if dialect == "postgresql" else self.other).all(session, params)


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
        # Where each attribute of a model this writes goes among its values (`_unsent`), by model and dialect's SQL.
        self._places: dict[tuple[type, str], Mapping[str, int] | None] = {}
        # An insert that writes its one row or fails, answering nothing back, waits to be sent with the connection's
        # next statement (`send_pending`); an upsert, a RETURNING or an update answers now.
        self.deferrable = (
            isinstance(statement, Insert)
            and statement._post_values_clause is None  # no ON CONFLICT
            and not statement._returning
        )

    @classmethod
    def insert(cls, table: Table, *, prefix: str = "") -> "Write":
        """`prefix`: of its parameters' names, for an insert that goes with another in one statement (a CTE)."""
        values = {}
        for column in table.columns:
            values[column.name] = bindparam(prefix + column.name, _scalar_default(column), type_=column.type)
        return cls(insert(table).values(values), inserts=[(table, prefix)])

    async def run(self, session: AsyncSession, row: Mapping[str, Any], *, instance: Base | None = None) -> int:
        """Answers how many rows the statement wrote."""
        if (flush := _flushed(session)) is not None:  # the rows this one refers to are written first
            await flush
        sync = session.sync_session
        written = await self._written(session, row, instance)
        watcher = sync.info.get(_WATCHERS)
        if watcher is not None and written:
            for table, prefix in self.inserts:
                if prefix:
                    watcher(table, {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}, None)
                else:
                    watcher(table, row, instance)
        return written

    async def _written(self, session: AsyncSession, row: Mapping[str, Any], instance: Base | None) -> int:
        dialect = session.sync_session.get_bind().dialect
        if dialect.driver != "asyncpg":
            connection = await session.connection()
            return (await connection.execute(self.statement, dict(row))).rowcount
        plan = self._plan(dialect)
        values = _bound(plan, row)
        held = await _held(session, writing=True)
        if self.deferrable:
            assert isinstance(held.observed, Connection), "a write holds the session's connection"
            _waiting_on(held.observed).append((plan.sql, values))
            if instance is not None and (unsent := self._unsent(instance, plan, values)) is not None:
                _unsent_on(held.observed)[id(instance)] = unsent
                session.sync_session.info[_HAS_UNSENT] = True
            return 1
        await send_pending(held)
        await _begun(held)
        _observe(held, plan.sql, values)
        try:
            status: str = await held.driver.execute(plan.sql, *values)  # "INSERT 0 1", "UPDATE 1"
        except Exception as error:
            raise _translated(held, plan.sql, values, error) from error
        return int(status.rsplit(" ", 1)[-1])

    def _unsent(self, instance: Base, plan: _Plan, values: list[Any]) -> "_Unsent | None":
        model = type(instance)
        if (model, plan.sql) not in self._places:
            table = _mapped(model).write.inserts[0][0]
            prefix = next((prefix for inserted, prefix in self.inserts if inserted is table), None)
            mapper: Mapper[Any] = sa_inspect(model)
            at = {name: i for i, name in enumerate(plan.names)}
            self._places[model, plan.sql] = (
                None
                if prefix is None
                else {mapper.get_property_by_column(c).key: at[prefix + c.name] for c in table.columns}
            )
        places = self._places[model, plan.sql]
        return None if places is None else _Unsent(instance, values, plan.binds, places)


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
    and a later change to it is flushed as an UPDATE (or, while its insert still waits, written into the insert).
    `write`: the table's insert with more in the same statement (a CTE, on PostgreSQL), whose other values are
    `params`. Answers whether the row was written (if not, the instance stays out of the session)."""
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


# --- inserts sent together ----------------------------------------------------------------------------------------
#
# A request's inserts that answer nothing back (a new tenant, its admin, its relationship, an event, an audit record)
# wait on their connection until its next statement of any kind, or its commit, and go with it: the ones waiting are
# sent first as one statement (data-modifying CTEs: `WITH w2 AS (INSERT ...), w1 AS (INSERT ...) INSERT ...`), then
# the statement that was about to run. What the database sees, and in what order, is what it saw one by one; a
# round trip and the driver's work per insert are saved (a create customer sent six statements, two now). A key
# such an insert breaks is reported by the statement that carries it (`IntegrityError`, 409 as before), at the
# latest at the commit; a rollback, to a savepoint or of all, sends nothing that waited.

_PENDING = "cspsim_pending_inserts"
_UNSENT = "cspsim_unsent_instances"  # beside them: the instances (`add_now`) whose inserts wait, by id
_HAS_UNSENT = "cspsim_has_unsent"  # on a session that added such an instance
_MOST_SENT_TOGETHER = 20
Waiting = list[tuple[str, list[Any]]]


def _waiting_on(connection: Connection) -> Waiting:
    """The inserts waiting on a connection (kept in its pool record's `info` while the transaction lasts)."""
    info = connection.info
    waiting: Waiting | None = info.get(_PENDING)
    if waiting is None:
        waiting = info[_PENDING] = []
    return waiting


@dataclass(frozen=True)
class _Unsent:
    """An instance `add_now` wrote whose insert still waits: a change made to it before the insert goes is written
    into the insert (`_into_unsent_inserts`), not flushed as an UPDATE after it. An order is inserted pending and
    completed once its lines are subscriptions: two statements, the order's round trip being one of five."""

    instance: Base
    values: list[Any]  # the waiting insert's own, as the driver takes them
    binds: tuple[Convert, ...]
    places: Mapping[str, int]  # an attribute's key: its column's place among `values`


def _unsent_on(connection: Connection) -> dict[int, _Unsent]:
    unsent: dict[int, _Unsent] | None = connection.info.get(_UNSENT)
    if unsent is None:
        unsent = connection.info[_UNSENT] = {}
    return unsent


@event.listens_for(Session, "before_flush")
def _into_unsent_inserts(session: Session, *_: Any) -> None:
    """The changes to instances whose inserts still wait go into those inserts; the instances are then as clean
    as after a flush, and the flush has nothing of theirs to send."""
    if not session.info.get(_HAS_UNSENT) or session.get_transaction() is None:
        return
    unsent: dict[int, _Unsent] = session.connection().info.get(_UNSENT) or {}
    if not unsent:
        session.info.pop(_HAS_UNSENT, None)
        return
    deleted = session.deleted
    for entry in unsent.values():
        state = sa_inspect(entry.instance)
        if not state.modified or state.session is not session or entry.instance in deleted:
            continue
        for key in state.committed_state:  # what changed since the insert was made
            at = entry.places[key]
            value, convert = state.dict.get(key), entry.binds[at]
            entry.values[at] = value if convert is None or value is None else convert(value)
        state._commit_all(state.dict, session.identity_map)


@functools.lru_cache(maxsize=1024)
def _split(sql: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """An insert's own CTEs (their names and texts) and its statement: `WITH a AS (...), b AS (...) INSERT ...`."""
    if not sql.startswith("WITH "):
        return (), (), sql
    names, ctes, depth, start = [], [], 0, len("WITH ")
    for at in range(start, len(sql)):
        if sql[at] == "(":
            depth += 1
        elif sql[at] == ")":
            depth -= 1
            if depth == 0:  # a CTE ends here: another follows after a comma, else the statement does
                cte = sql[start : at + 1].strip()
                names.append(cte.split(" ", 1)[0])
                ctes.append(cte)
                rest = sql[at + 1 :].lstrip()
                if not rest.startswith(","):
                    return tuple(names), tuple(ctes), rest
                start = sql.index(",", at) + 1
    raise ValueError(f"not a statement with CTEs: {sql[:80]}")


@functools.lru_cache(maxsize=512)
def _together(statements: tuple[str, ...]) -> str:
    """One statement of several inserts, their parameters numbered on: the first is the statement itself, the others
    CTEs, and the CTEs of each (PostgreSQL allows data-modifying ones only at the top) listed beside them.
    PostgreSQL runs the statement first, then its CTEs from the last listed to the first, so they are listed in
    reverse: the inserts run in the order they were made, and a key two of them break is reported for the first
    (a taken domain, not its admin's name)."""
    parts, offset, named = [], 0, set[str]()
    for i, sql in enumerate(statements):
        shifted = _PARAMETER.sub(functools.partial(_shifted, by=offset), sql)
        for name in set(_split(sql)[0]) & named:  # the same write twice (two events with their audit records)
            shifted = re.sub(rf"\b{re.escape(name)}\b", f"{name}_{i}", shifted)
        parts.append(_split(shifted))
        named.update(parts[-1][0])
        offset += _parameters(sql)
    listed: list[str] = []
    for i, (_, ctes, statement) in reversed(list(enumerate(parts))):
        listed += ([f"w{i} AS ({statement})"] if i else []) + list(ctes)
    return f"WITH {', '.join(listed)} {parts[0][2]}"


_PARAMETER = re.compile(r"\$(\d+)")


def _shifted(found: re.Match[str], *, by: int) -> str:
    return f"${int(found.group(1)) + by}"


@functools.lru_cache(maxsize=512)
def _parameters(sql: str) -> int:
    return max((int(n) for n in _PARAMETER.findall(sql)), default=0)


def _batches(waiting: Waiting) -> list[tuple[str, list[Any]]]:
    """The inserts waiting, as few statements as may be: a batch ends at `_MOST_SENT_TOGETHER` inserts."""
    return [_joined(waiting[at : at + _MOST_SENT_TOGETHER]) for at in range(0, len(waiting), _MOST_SENT_TOGETHER)]


def _joined(group: Waiting) -> tuple[str, list[Any]]:
    if len(group) == 1:
        return group[0]
    return _together(tuple(sql for sql, _ in group)), [value for _, values in group for value in values]


async def _begun(held: _Held) -> None:
    adapted = held.adapted
    if adapted._transaction is None and adapted.isolation_level != "autocommit":
        await adapted._start_transaction()  # the deferred BEGIN (`db._begin_at_first_change`)


async def send_pending(held: _Held, *, committing: bool = False) -> None:
    """Send the inserts waiting on the held connection, before what is about to run on it. At the commit of a
    transaction that has sent nothing else, one statement needs no BEGIN and no COMMIT of its own: alone it is as
    atomic (a create customer's whole change)."""
    if isinstance(held.observed, Engine):
        return  # a connection lent for reads: nothing waits on it
    waiting = held.observed.info.pop(_PENDING, None)
    held.observed.info.pop(_UNSENT, None)
    if not waiting:
        return
    batches = _batches(waiting)
    if not (committing and len(batches) == 1 and held.adapted._transaction is None):
        await _begun(held)
    for sql, values in batches:
        _observe(held, sql, values)
        try:
            await held.driver.execute(sql, *values)
        except Exception as error:
            raise _translated(held, sql, values, error) from error


def held_by(connection: AsyncConnection) -> _Held:
    """What `send_pending` takes, of an async connection (a bulk statement's)."""
    sync = connection.sync_connection
    assert sync is not None, "the connection is not open"
    return _held_on(sync)


def send_pending_now(connection: Connection, *, committing: bool = False) -> None:
    """`send_pending` from SQLAlchemy's side (in its greenlet): before a statement, a savepoint or a commit of the
    connection's own."""
    if _usable(connection) and connection.info.get(_PENDING):
        held = _held_on(connection)
        try:
            await_only(send_pending(held, committing=committing))
        except Exception:
            # Refused at the commit, the transaction is over for SQLAlchemy, which then leaves the pool nothing to
            # roll back: the connection would go back in an aborted transaction. It is rolled back here.
            held.adapted.rollback()
            raise


def drop_pending(connection: Connection) -> None:
    """A rollback: what waited is never sent."""
    if _usable(connection):
        connection.info.pop(_PENDING, None)
        connection.info.pop(_UNSENT, None)


def _usable(connection: Connection | Engine) -> bool:
    # An invalidated connection (lost, or cancelled mid-statement) answers nothing, not even its `info`: its pool
    # record's `info` is cleared when it connects again.
    return isinstance(connection, Connection) and not connection.invalidated and not connection.closed


def _translated(held: _Held, sql: str, values: list[Any], error: Exception) -> Exception:
    """asyncpg's error as SQLAlchemy's adapter and engine would have raised it (`IntegrityError` for a key)."""
    adapted = held.adapted
    try:
        adapted._handle_exception(error)
    except Exception as dbapi_error:  # the adapter's DB-API error
        return DBAPIError.instance(sql, values, dbapi_error, adapted.dbapi.Error, dialect=held.observed.dialect)
    return DBAPIError(sql, values, error)
