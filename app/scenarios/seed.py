"""Bulk data for load and paging tests: direct-bill partners and many customers, built in batches.

The seeded partners (`seed-partner-001`, ...) are made once, by loading them as a scenario: a tenant with a Global
admin and an app, the revenue, an active direct-bill enrollment. Each call then adds a batch of customers spread
over them in turn, each with its subscriptions. One call is one transaction; `cspsim seed` sends batches and shows
the progress.

In each batch, a partner's first customer is made through the services exactly as the API makes one:
`create_customer` (tenant, Global admin, relationship, event, audit), with subscriptions the MCA attestation and
one order (subscriptions with their terms, charges, renewal timers, events, audit). Every row that inserted is read
back as the database stores it, and the partner's other customers of the batch are copies of those rows: new ids
in the same places (in the text of payloads and links too), their own domain and name, fresh ordering keys; the
rest (partner, offers, prices, term dates, stamps of the batch's instant) as the services would write it again.
A row that names none of the customer's rows is the partner's (its monthly billing run) and is not copied. The
copies go in by `COPY` on PostgreSQL and one executemany on SQLite (README gives the rates measured). One COPY runs
on one server core, so where the role may skip the key checks the tables are shared by weight between the request's
connection and one of its own (`bulk.Alongside`), committed before the request's transaction; should that roll back
(or its worker die between the two commits), those copies are deleted after it, by their new ids' range, written by
that connection's transaction.
If the services' path ever writes something a copy cannot repeat (an update of an existing row, a Core insert, a
unique key the copy would not change), the batch falls back to making every customer through the services.

Each copied admin has the template's password hash: a password nobody was told, as for a customer made through
the API whose partner never passes it on. A test that signs in as a customer loads a scenario.
"""

import itertools
import re
import string
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Delete,
    Insert,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    Update,
    and_,
    event,
    func,
    inspect,
    literal_column,
    select,
    text,
    tuple_,
)
from sqlalchemy.engine import Dialect, Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from app.commerce import orders
from app.customers import agreements
from app.customers import service as customers
from app.kernel.bulk import (
    Alongside,
    bigint_field,
    copy_field,
    copy_in,
    copy_out,
    foreign_keys_unchecked,
    id_field,
    row_count,
    sandbox_tables,
    shared_out,
    text_field,
    together,
)
from app.kernel.context import PartnerContext, SandboxContext, spelled
from app.kernel.db import IfRolledBack
from app.kernel.errors import BadRequest
from app.kernel.statements import watch_inserts
from app.models import (
    MCA,
    MCA_TEMPLATE_ID,
    Program,
    Sandbox,
    Tenant,
    User,
)
from app.models.base import Base, next_seq
from app.programs import service as programs
from app.scenarios.schemas import PartnerIn, ProgramIn, ScenarioDocument
from app.scenarios.service import LoadedScenario, acting_as, load_scenario

PARTNER_REF = "seed-partner-{:03d}"
CUSTOMER_DOMAIN = "seed-customer-{:07d}.onmicrosoft.com"
CUSTOMER_NAME = "Seed Customer {}"
FIRST_PARTNER_ID = 5_900_001
# Licences a seeded customer buys, one line each, in turn.
OFFERS = (
    "CFQ7TTC0LFLX:0001:CFQ7TTC0LFK5",  # Microsoft 365 E3
    "CFQ7TTC0LH18:0001:CFQ7TTC0LH0R",  # Microsoft 365 Business Basic
    "CFQ7TTC0LDPB:0001:CFQ7TTC0LDNZ",  # Microsoft 365 Business Standard
    "CFQ7TTC0LCHC:0002:CFQ7TTC0LCH4",  # Microsoft 365 Business Premium
)


@dataclass(frozen=True)
class SeedPartner:
    ref: str
    tenant: Tenant
    admin: User
    partner_id: str | None


@dataclass
class Seeded:
    partners: list[SeedPartner]
    new_partners: LoadedScenario
    customers_created: int = 0
    subscriptions_created: int = 0
    customers_total: int = 0
    holdings: dict[str, int] = field(default_factory=dict)


def _domain(ref: str) -> str:
    return f"{ref}.onmicrosoft.com"


async def _find_partner(ctx: SandboxContext, ref: str) -> SeedPartner | None:
    tenant = await ctx.session.scalar(
        select(Tenant).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.domain == _domain(ref))
    )
    if tenant is None:
        return None
    admin = await ctx.session.scalar(
        select(User).where(User.sandbox_id == ctx.sandbox_id, User.user_principal_name == f"admin@{_domain(ref)}")
    )
    profile = await programs.find_profile(ctx, tenant.id)
    if admin is None or profile is None or not (await programs.capabilities(ctx, tenant.id)).direct_bill:
        raise BadRequest(
            f"{tenant.domain} is no longer a seeded direct-bill partner with its Global admin; reset the sandbox or "
            "seed another one."
        )
    return SeedPartner(ref, tenant, admin, profile.partner_id)


async def _seed_partners(ctx: SandboxContext, count: int) -> tuple[list[SeedPartner], LoadedScenario]:
    refs = [PARTNER_REF.format(i + 1) for i in range(count)]
    found = {ref: await _find_partner(ctx, ref) for ref in refs}
    missing = [
        PartnerIn(
            ref=ref,
            display_name=f"Seed Partner {i + 1}",
            partner_id=str(FIRST_PARTNER_ID + i),
            # Twice the threshold: the revenue reviews (PRG-2) keep them active for six months of moved clock.
            revenue_usd=ctx.settings.revenue_threshold_usd * 2,
            programs=[ProgramIn(program=Program.DIRECT_BILL)],
        )
        for i, ref in enumerate(refs)
        if found[ref] is None
    ]
    loaded = await load_scenario(ctx, document=ScenarioDocument(name="seed", partners=missing))
    made = [found[ref] or await _find_partner(ctx, ref) for ref in refs]
    return [p for p in made if p is not None], loaded


async def _seeded_customers(ctx: SandboxContext) -> int:
    """How many customers were seeded: the highest number of a seeded domain (they are numbered from 1 without a
    gap), found at the end of the tenants' domain index rather than by counting a million rows each batch."""
    prefix = CUSTOMER_DOMAIN.split("{")[0]
    last = await ctx.session.scalar(
        select(func.max(Tenant.domain)).where(
            Tenant.sandbox_id == ctx.sandbox_id,
            Tenant.domain >= prefix,
            Tenant.domain < prefix[:-1] + chr(ord(prefix[-1]) + 1),
            Tenant.domain.like(f"{prefix}%"),  # the range finds them on the index, this is what they are
        )
    )
    return int(last.removeprefix(prefix).split(".")[0]) if last else 0


async def _customer(ctx: SandboxContext, partner: SeedPartner, number: int, subscriptions: int) -> int:
    """One customer of `partner`, made as the API makes it: `POST /v1/customers` (tenant, Global admin,
    relationship, event, audit), then, with subscriptions, the MCA attestation and one order. Answers how many
    subscriptions it got."""
    as_partner = acting_as(ctx, partner.admin, PartnerContext)
    domain = CUSTOMER_DOMAIN.format(number)
    name = CUSTOMER_NAME.format(number)
    created = await customers.create_customer(
        as_partner,
        domain=domain,
        company_name=name,
        country="US",
        billing_profile={"email": f"billing@{domain}", "companyName": name},
        associated_partner_id=None,
    )
    if not subscriptions:
        return 0
    await agreements.attest(
        as_partner,
        customer_id=created.tenant.id,
        template_id=MCA_TEMPLATE_ID,
        agreement_type=MCA,
        first_name="Seed",
        last_name="Admin",
        email=f"admin@{domain}",
        phone=None,
        date_agreed=as_partner.now,
    )
    order = await orders.place_order(
        as_partner,
        customer_id=created.tenant.id,
        line_items=[
            orders.LineItem(
                line_item_number=n,
                offer_id=OFFERS[n % len(OFFERS)],
                quantity=5,
                term_duration="P1Y",
                billing_cycle="monthly",
                partner_id_on_record=None,
                friendly_name=None,
            )
            for n in range(subscriptions)
        ],
    )
    return len(order.line_items)


Key = tuple[Any, ...]


class _Made:
    """Listens to a session while the services make one customer: the primary key of every row they insert (by the
    unit of work, or by a `statements.Write`: events and audit records, the hot inserts of a tenant, a user, a
    relationship). Any other write this cannot copy (a Core insert, an update or delete of another row than the
    sandbox's id counter) marks it unfit, and the batch is then made through the services alone."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session.sync_session
        self.keys: dict[Table, list[Key]] = {}
        self.unfit: list[str] = []
        self.instances: set[int] = set()

    def __enter__(self) -> "_Made":
        event.listen(self.session, "after_flush", self._flushed)
        event.listen(self.session, "do_orm_execute", self._executed)
        watch_inserts(self.session, self._written)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.session, "after_flush", self._flushed)
        event.remove(self.session, "do_orm_execute", self._executed)
        watch_inserts(self.session, None)

    def _written(self, table: Table, row: Mapping[str, Any], instance: object | None) -> None:
        """A row a `statements.Write` inserted."""
        if instance is not None:
            self.instances.add(id(instance))
        self.keys.setdefault(table, []).append(tuple(row[c.name] for c in table.primary_key.columns))

    def _flushed(self, session: Session, _context: object) -> None:
        for instance in session.new:
            self.instances.add(id(instance))
            mapper = inspect(instance).mapper
            for table in mapper.tables:
                if isinstance(table, Table):
                    key = tuple(
                        getattr(instance, mapper.get_property_by_column(c).key) for c in table.primary_key.columns
                    )
                    self.keys.setdefault(table, []).append(key)
        self.unfit += [f"update of {type(i).__name__}" for i in session.dirty if self._other(session, i)]
        self.unfit += [f"delete of {type(i).__name__}" for i in session.deleted]

    def _other(self, session: Session, instance: object) -> bool:
        """Whether a changed instance is another row than those this customer made (which are copied as they end)."""
        return id(instance) not in self.instances and session.is_modified(instance)

    def _executed(self, state: ORMExecuteState) -> None:
        statement = state.statement
        if isinstance(statement, Insert | Update | Delete):
            touched = getattr(statement.table, "name", "")
            if touched != Sandbox.__tablename__:
                self.unfit.append(f"{type(statement).__name__.lower()} of {touched}")


@dataclass
class _Row:
    """One row of the template customer, read as the database stores it (on PostgreSQL each field's bytes, as its
    binary COPY gives them; elsewhere the driver's values): constants, and the places that hold one of its ids (its
    index among the template's ids), its ordering key, or text naming its ids, domain or name (a `str.format`
    template: `billing@{domain}`, `/customers/{i3}`)."""

    values: list[Any]
    ids: list[tuple[int, int]] = field(default_factory=list)
    texts: list[tuple[int, str]] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)

    def builder(self, binary: bool) -> "Callable[[list[Any], dict[str, str], Callable[[], int]], Any]":
        """A function making a copy of the row from the copy's new ids and words, compiled once per template
        row: a copy is then one tuple display (binary: one join of bytes, the runs of constant fields joined
        beforehand), which is what lets a batch of 5,000 customers be built in well under a second. Only
        positions go into the source; the values stay in `c`."""
        texts = {place: f"c[{len(self.values) + n}].format_map(w)" for n, (place, _) in enumerate(self.texts)}
        made: dict[int, str] = {place: f"n[{index}]" for place, index in self.ids}
        constants = [*self.values, *(template for _, template in self.texts)]
        if not binary:
            made |= texts | dict.fromkeys(self.seqs, "s()")
            parts = [made.get(place, f"c[{place}]") for place in range(len(self.values))]
            source = f"({', '.join(parts)},)"
        else:  # n: the ids as fields; each text spelled and each key packed as a field
            made |= {place: f"t({text})" for place, text in texts.items()} | dict.fromkeys(self.seqs, "q(s())")
            parts, run = [], row_count(len(self.values))
            for place, value in enumerate(self.values):
                if place not in made:
                    run += copy_field(value)
                    continue
                constants.append(run)
                parts += [f"c[{len(constants) - 1}]", made[place]]
                run = b""
            constants.append(run)
            source = f"b''.join(({', '.join([*parts, f'c[{len(constants) - 1}]'])},))"
        built: Callable[[list[Any], dict[str, str], Callable[[], int]], Any] = eval(
            f"lambda n, w, s: {source}", {"c": constants, "t": text_field, "q": bigint_field}
        )
        return built


def _made_rows(ctx: SandboxContext, table: Table, keys: list[Key]) -> ColumnElement[bool]:
    """The rows of `table` with these primary keys, each led by the sandbox's id: the sandbox, then the rest of the
    key in a list. SQLite scans the whole table for a list of row values (`(sandbox_id, id) IN (...)`), a read that
    grew with every batch."""
    sandbox, *rest = table.primary_key.columns
    tails = [key[1:] for key in keys]
    listed = rest[0].in_([t[0] for t in tails]) if len(rest) == 1 else tuple_(*rest).in_(tails)
    return and_(sandbox == ctx.sandbox_id, listed)


@dataclass
class _Template:
    """Every row one customer made through the services, and how to copy them for another customer: new ids in
    the same places, its own domain and name, a fresh ordering key. Everything else (the partner, the offers,
    prices, term dates and timers of the sandbox's instant) stays, as the services would write it again."""

    ids: list[uuid.UUID]
    places: dict[uuid.UUID, int]  # an id -> its index in `ids`
    words: dict[str, str]  # the template's words (lower-cased) -> which customer detail they are
    tables: list[tuple[str, list[str], list[_Row]]]
    binary: bool  # rows as PostgreSQL's binary COPY spells them

    @classmethod
    async def read(cls, ctx: SandboxContext, made: _Made, number: int) -> "_Template | None":
        if made.unfit:
            return None
        ids = sorted(
            {key[-1] for keys in made.keys.values() for key in keys if isinstance(key[-1], uuid.UUID)}, key=str
        )
        words = {str(i): f"i{n}" for n, i in enumerate(ids)} | {i.hex: f"h{n}" for n, i in enumerate(ids)}
        words |= {CUSTOMER_DOMAIN.format(number): "domain", CUSTOMER_NAME.format(number).lower(): "name"}
        pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
        connection = await ctx.session.connection()
        binary = connection.dialect.name == "postgresql"
        template = cls(ids=ids, places={i: n for n, i in enumerate(ids)}, words=words, tables=[], binary=binary)
        for table in sandbox_tables():  # parents first
            keys = made.keys.get(table)
            if not keys:
                continue
            chosen = _made_rows(ctx, table, keys)
            if binary:
                columns = [c.name for c in table.columns]
                seen = _seen(connection.dialect, table)
                found = await copy_out(connection, select(*table.columns).where(chosen))
                rows = [template._row(fields, columns, pattern, seen) for fields in found]
            else:  # the driver's values, as the insert takes them back
                stored: Result[Any] = await ctx.session.execute(
                    select(literal_column("*")).select_from(table).where(chosen)
                )
                columns = list(stored.keys())
                rows = [template._row(list(r), columns, pattern) for r in stored]
            # A row that names none of the customer's rows but by its own id is the partner's, made once (the
            # partner's monthly billing run): the copies share it, as the services would.
            rows = [r for r in rows if len(r.ids) + len(r.texts) > 1]
            if not template._distinct(table, columns, rows):
                return None
            template.tables.append((table.name, columns, rows))
        return template

    def _row(
        self,
        values: list[Any],
        columns: list[str],
        pattern: re.Pattern[str],
        seen: "list[Callable[[bytes], Any]] | None" = None,
    ) -> _Row:
        """A template row, its places found in its values (binary: in what `seen` reads of each field)."""
        row = _Row(values)
        for place, value in enumerate(values):
            if seen is not None and value is not None:
                value = seen[place](value)
            if columns[place] == "seq":
                row.seqs.append(place)
            elif isinstance(value, uuid.UUID) and value in self.places:
                row.ids.append((place, self.places[value]))
            elif isinstance(value, str) and pattern.search(value):
                pieces: list[str] = []
                at = 0
                for found in pattern.finditer(value):
                    constant = value[at : found.start()].replace("{", "{{").replace("}", "}}")
                    pieces += [constant, "{" + self.words[found.group(0).lower()] + "}"]
                    at = found.end()
                row.texts.append((place, "".join([*pieces, value[at:].replace("{", "{{").replace("}", "}}")])))
        return row

    def _distinct(self, table: Table, columns: list[str], rows: list[_Row]) -> bool:
        """Whether every unique key of the table differs in each copy (holds one of the copied places)."""
        keys = _unique_keys(table)
        for row in rows:
            copied = {columns[p] for p, _ in row.ids} | {columns[p] for p, _ in row.texts}
            if any(copied.isdisjoint(key) for key in keys):
                return False
        return True

    def copies(self, numbers: list[int], fresh: list[int]) -> "tuple[list[_Copies], Callable[[], None]]":
        """The copies, table by table (parents first), their rows as the database stores them (binary: spelled as
        binary COPY rows), each table's made while they are written; and what to call once all are written (the
        process's ordering keys moved past those the copies took)."""
        width = len(self.ids)
        used = {word for _, _, rows in self.tables for row in rows for _, text in row.texts for word in _fields(text)}
        named = sorted(int(w[1:]) for w in used if w[0] == "i" and w[1:].isdigit())  # only the ids text names
        hexed = sorted(int(w[1:]) for w in used if w[0] == "h" and w[1:].isdigit())
        placed: list[Any] = [id_field(i) for i in fresh] if self.binary else [spelled(i) for i in fresh]
        details = []
        for n, number in enumerate(numbers):
            new = fresh[n * width : (n + 1) * width]
            words = {"domain": CUSTOMER_DOMAIN.format(number), "name": CUSTOMER_NAME.format(number)}
            words |= {f"i{k}": spelled(new[k]) for k in named} | {f"h{k}": f"{new[k]:032x}" for k in hexed}
            details.append((placed[n * width : (n + 1) * width], words))
        # Ordering keys numbered on from one reading of next_seq(), which is then moved past the last one used.
        seq = itertools.count(next_seq()).__next__

        def settle() -> None:
            last = seq()
            while next_seq() <= last:
                pass

        copies = []
        for name, columns, rows in self.tables:
            table = Base.metadata.tables[name]
            builders = [row.builder(self.binary) for row in rows]
            copies.append(
                _Copies(
                    table=table,
                    columns=columns,
                    records=_built(builders, details, seq),
                    weight=len(rows) * len(numbers) * _ROW_WEIGHT * _index_count(table)
                    + sum(len(v) for row in rows for v in row.values if isinstance(v, bytes | str)) * len(numbers),
                    made=_made_ids(table, columns, rows, width, fresh),
                )
            )
        return copies, settle


# About what a row's entry in each index of its table weighs against its bytes, to share the copies out.
_ROW_WEIGHT = 40


@dataclass
class _Copies:
    """One table's copies of the template's rows, made while they are written."""

    table: Table
    columns: list[str]
    records: Iterator[Any]
    weight: float  # about what writing them costs the server: their bytes and an entry per index
    # A key column each copy holds a new id of its own in, and the least and the greatest of them: with the
    # transaction that wrote them, what deletes exactly these rows (None: no such column, and the copies are written
    # in the request's own transaction).
    made: tuple[str, uuid.UUID, uuid.UUID] | None


def _built(builders: list[Any], details: list[Any], seq: Callable[[], int]) -> Iterator[Any]:
    return (build(new, words, seq) for new, words in details for build in builders)


def _unique_keys(table: Table) -> list[list[str]]:
    """The columns of each of the table's unique keys, its primary key's included."""
    keys = [
        [c.name for c in u.columns] for u in table.constraints if isinstance(u, UniqueConstraint | PrimaryKeyConstraint)
    ]
    return keys + [[c.name for c in i.columns] for i in table.indexes if i.unique]


def _index_count(table: Table) -> int:
    """The indexes a row of the table is entered in: its unique keys' and the others'."""
    return len(_unique_keys(table)) + sum(not i.unique for i in table.indexes)


def _made_ids(
    table: Table, columns: list[str], rows: "list[_Row]", width: int, fresh: list[int]
) -> tuple[str, uuid.UUID, uuid.UUID] | None:
    """A primary key column that holds one of the customer's new ids in every template row, and the least and the
    greatest id the copies hold in it (random ids ascend with the customers, a seeded sandbox's do not)."""
    for column in table.primary_key.columns:
        place = columns.index(column.name)
        indexes = [dict(row.ids).get(place) for row in rows]
        if column.name != "sandbox_id" and rows and None not in indexes:
            held = [fresh[k::width] for k in {k for k in indexes if k is not None}]  # the ids each row's copies took
            return column.name, uuid.UUID(int=min(map(min, held))), uuid.UUID(int=max(map(max, held)))
    return None


def _seen(dialect: Dialect, table: Table) -> "list[Callable[[bytes], Any]]":
    """How to read each field of the table's binary COPY rows for the places a template finds in it: an id as a
    UUID, text (and JSON, kept as text) as text, anything else as its bytes (which name nothing)."""
    readers: list[Callable[[bytes], Any]] = []
    for column in table.columns:
        kind = column.type.compile(dialect)
        if kind == "UUID":
            readers.append(lambda value: uuid.UUID(bytes=value))
        elif kind.startswith(("VARCHAR", "TEXT", "JSON")) and kind != "JSONB":
            readers.append(bytes.decode)
        else:
            readers.append(bytes)
    return readers


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


async def _write(ctx: SandboxContext, copies: _Copies) -> None:
    """Rows as the database stores them: by binary COPY on PostgreSQL, one executemany elsewhere; in the batch's
    transaction."""
    connection = await ctx.session.connection()
    if connection.dialect.name == "postgresql":
        await _copied(connection, [copies])
        return
    names = ", ".join(f'"{c}"' for c in copies.columns)
    places = ", ".join("?" for _ in copies.columns)
    await connection.exec_driver_sql(
        f'INSERT INTO "{copies.table.name}" ({names}) VALUES ({places})', list(copies.records)
    )


async def _copied(connection: AsyncConnection, tables: list[_Copies]) -> None:
    for copies in tables:
        await copy_in(connection, copies.table.name, copies.columns, copies.records)


async def _written_alongside(ctx: SandboxContext, tables: list[_Copies], alongside: Alongside) -> None:
    """The copies shared by weight between the request's connection and one of its own (`Alongside`): one COPY
    runs on one server core, and a batch's copies were bound by it (its worker had CPU to spare). Should the
    request not commit after that connection did, what it wrote is deleted by the new ids it holds."""
    here, there = shared_out(tables, lambda c: c.weight, 2, pinned=[c for c in tables if c.made is None])
    if not there:
        await _copied(await ctx.session.connection(), here)
        return
    [beside] = await alongside.connections(1)
    for copies in there:
        assert copies.made is not None
        alongside.undo_written(copies.table, ctx.sandbox_id, *copies.made)
    await together(_copied(await ctx.session.connection(), here), _copied(beside, there))


async def _customers_of(
    ctx: SandboxContext,
    partner: SeedPartner,
    numbers: list[int],
    subscriptions: int,
    alongside: Alongside,
) -> int:
    """The customers `numbers` of `partner`: the first made through the services, the others copies of every row
    it made. Answers how many subscriptions they got."""
    with _Made(ctx.session) as made:
        each = await _customer(ctx, partner, numbers[0], subscriptions)
        await ctx.session.flush()
    rest = numbers[1:]
    template = await _Template.read(ctx, made, numbers[0]) if rest else None
    if template is None:
        for number in rest:
            await _customer(ctx, partner, number, subscriptions)
        return each * len(numbers)
    fresh = await ctx.new_id_numbers(len(template.ids) * len(rest))
    tables, settle = template.copies(rest, fresh)
    # The copies' keys hold by construction, as the template's did: each names its own new rows (parents written
    # first) or the rows the template shared (its partner). PostgreSQL's per-row checks of them were about half a
    # batch's time with subscriptions.
    async with foreign_keys_unchecked(ctx.session) as unchecked:
        if unchecked:
            await _written_alongside(ctx, tables, alongside)
        else:
            for copies in tables:
                await _write(ctx, copies)
    settle()
    # The template's relationship counted it among the partner's customers; the copies are counted at once.
    await customers.count_customers(ctx, partner_id=partner.tenant.id, customer_id=None, by=len(rest))
    return each * len(numbers)


async def _holdings(ctx: SandboxContext, partners: list[SeedPartner]) -> dict[str, int]:
    """The customers each seeded partner holds: its kept count, where counting its relationships grew with every
    batch (a million customers' seed would have spent about 20 s on it)."""
    counts = await customers.customers_held(ctx, [p.tenant.id for p in partners])
    return {p.ref: counts.get(p.tenant.id, 0) for p in partners}


async def _refresh_statistics(ctx: SandboxContext, before: int, after: int) -> None:
    """PostgreSQL plans the services' lookups from table statistics; grown by a bulk load faster than autovacuum
    analyzes them (or with autovacuum off), the customer-relationship check is planned on the partner's index and
    gets slower with every customer. Analyzing the tables the seed grew whenever the seeded customers pass a power
    of two (about 20 times for a million; each costs a second or so, as much as a whole batch) keeps each batch as
    fast as the first. It runs after the batch (ANALYZE counts the rows its own transaction wrote): run before it,
    the statistics of a first seed of 2,000 said one customer, and the partner's listing, planned as a nested loop
    over every customer for every customer, took 350 ms a page until the next analyze pass."""
    if ctx.session.get_bind().dialect.name == "postgresql" and (
        before == 0 or after.bit_length() > before.bit_length()
    ):
        await ctx.session.execute(text("ANALYZE tenants, users, customer_relationships, audit_records, events"))


async def seed(
    ctx: SandboxContext, *, partners: int, customers: int, subscriptions: int, if_rolled_back: IfRolledBack
) -> Seeded:
    """Make the seeded direct-bill partners that are missing, then add `customers` customers spread over them in
    turn, each with `subscriptions` subscriptions (MCA attested, one order). Every rule of the services applies.
    `if_rolled_back`: what runs should the request's transaction roll back (`keep_on_rollback`), which undoes the
    copies written on a connection of their own, committed before it."""
    seed_partners, loaded = await _seed_partners(ctx, partners)
    seeded = Seeded(partners=seed_partners, new_partners=loaded)
    first = await _seeded_customers(ctx) + 1
    spread: dict[int, list[int]] = {}
    for number in range(first, first + customers):
        spread.setdefault(number % len(seed_partners), []).append(number)
    # Committed before the statistics are refreshed, which then count them.
    async with Alongside(ctx.session, if_rolled_back=if_rolled_back) as alongside:
        for turn, numbers in spread.items():
            seeded.subscriptions_created += await _customers_of(
                ctx, seed_partners[turn], numbers, subscriptions, alongside
            )
        await alongside.commit()
    seeded.customers_created = customers
    seeded.customers_total = first - 1 + customers
    seeded.holdings = await _holdings(ctx, seed_partners)
    await _refresh_statistics(ctx, first - 1, first - 1 + customers)
    return seeded
