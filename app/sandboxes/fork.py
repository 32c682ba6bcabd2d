"""Forking a sandbox: a new sandbox holding a copy of every row of another, with the same ids.

Every sandbox-scoped table is copied with an `INSERT ... SELECT` that swaps the sandbox id, all or nothing (the
new sandbox's row is the caller's transaction's): the copy costs what the database takes to copy the rows, and the
fork answers the same ids, so snapshots of the two compare line by line. The clock (offset or frozen instant) and
the settings come along; the fork then lives its own life.

On PostgreSQL every table is read at one snapshot even while the origin takes writes: the copy is the origin at one
instant, whose foreign keys hold, and with the same ids and every key led by sandbox_id, so do the copy's. PostgreSQL
would still re-check each copied row's foreign keys one by one (more than half of a large fork's time), so where the
role may, the copies run with `session_replication_role = replica`, which skips those checks, and then on `COPIERS`
connections at once: one INSERT ... SELECT runs on one server core, and a 100,000-customer sandbox is 3.2 million
rows. Each copier is a transaction of its own reading the request's snapshot (`pg_export_snapshot`), given a share
of the tables (the largest first, to whichever has least); they commit when all have copied, before the request's
own transaction, which holds the new sandbox's row: until that commits no request can reach the copies, and should
it roll back (or its worker die between the commits), the copies are deleted after it (`bulk.Alongside`). Where the
checks must run, a copier's insert would wait for the request's uncommitted sandbox row, so the copies are then one
statement (a data-modifying CTE per table) in the request's transaction. On SQLite the writer holds the database
from BEGIN IMMEDIATE, so the copies are one statement per table, parents before children.

Credentials are globally unique, so a token request or a link finds its sandbox by them alone: those are
reissued, never copied. Each copied app gets a new client id and secret (answered once, keyed by the original
client id), each relationship invitation and storefront MCA link a new link code.
"""

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from pydantic import Field
from sqlalchemy import (
    BindParameter,
    Insert,
    Select,
    Table,
    UniqueConstraint,
    bindparam,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.engine import RowMapping

from app.kernel.bulk import Alongside, foreign_keys_unchecked, sandbox_tables, shared_out, together
from app.kernel.clock import real_now
from app.kernel.context import SandboxContext, random_id
from app.kernel.credentials import digest, new_secret
from app.kernel.db import IfRolledBack
from app.kernel.statements import add_now
from app.models import AppRegistration, McaClickThrough, RelationshipInvitation, Sandbox
from app.sandboxes.schemas import SandboxCreated
from app.wire import Request, Schema


@dataclass
class Forked:
    sandbox: Sandbox
    admin_key: str
    # original client id -> (new client id, new secret)
    apps: dict[uuid.UUID, tuple[uuid.UUID, str]] = field(default_factory=dict)
    # original link code -> new link code
    invitation_codes: dict[str, str] = field(default_factory=dict)


Reissue = Callable[[RowMapping, Forked], dict[str, Any]]

# Connections copying at once on PostgreSQL: past the server's cores more only queue for them (this machine's two:
# three copiers took as long as two).
COPIERS = 2


def _new_app_credentials(row: RowMapping, forked: Forked) -> dict[str, Any]:
    client_id, secret = uuid.uuid4(), new_secret()
    forked.apps[row["client_id"]] = (client_id, secret)
    return {"client_id": client_id, "secret_hash": digest(secret)}


def _new_link_code(row: RowMapping, forked: Forked) -> dict[str, Any]:
    code = secrets.token_urlsafe(24)
    forked.invitation_codes[row["code"]] = code
    return {"code": code}


# The tables holding a globally unique credential, and how a copy gets its own.
REISSUED: dict[str, Reissue] = {
    AppRegistration.__tablename__: _new_app_credentials,
    RelationshipInvitation.__tablename__: _new_link_code,
    McaClickThrough.__tablename__: _new_link_code,  # the storefront's MCA page link: a new code, like an invitation
}


def global_keys(table: Table) -> list[list[str]]:
    """The unique keys of a table that do not start with sandbox_id: a copy with the same values would collide."""
    keys = [[c.name for c in u.columns] for u in table.constraints if isinstance(u, UniqueConstraint)]
    keys += [[c.name for c in i.columns] for i in table.indexes if i.unique]
    return [k for k in keys if k and k[0] != "sandbox_id"]


def _check_reissued(table: Table) -> None:
    if global_keys(table) and table.name not in REISSUED:
        # A new table with a global key and no way to reissue it would make every fork fail with a 409: say so.
        raise RuntimeError(f"fork cannot copy {table.name}: unique {global_keys(table)} is global; add it to REISSUED")


async def fork_sandbox(ctx: SandboxContext, *, name: str | None, if_rolled_back: IfRolledBack) -> Forked:
    """Copy the sandbox into a new one with its own admin key (answered once), the same ids and data, the same
    clock and settings, and new credentials where they are globally unique. `if_rolled_back` takes what undoes the
    copies committed on other connections, should the caller's transaction roll back."""
    origin = (
        await ctx.session.execute(select(Sandbox).where(Sandbox.id == ctx.sandbox_id).with_for_update())
    ).scalar_one()
    admin_key = new_secret("csk_")
    await ctx.session.refresh(origin, ["id_counter"])  # new_id() advances it in SQL, past the loaded row
    sandbox = Sandbox(
        id=random_id(),
        name=name or f"{origin.name} (fork)",
        seed=origin.seed,
        id_counter=origin.id_counter,
        admin_key_hash=digest(admin_key),
        settings=dict(origin.settings),
        clock_offset_us=origin.clock_offset_us,
        frozen_at=origin.frozen_at,
        created_at=real_now(),
    )
    await add_now(ctx.session, sandbox)
    forked = Forked(sandbox=sandbox, admin_key=admin_key)
    tables = sandbox_tables()
    for table in tables:
        _check_reissued(table)
    await _copy(ctx, [t for t in tables if t.name not in REISSUED], sandbox.id, if_rolled_back)
    # After the plain copies, with foreign keys checked: what a reissued row points at is in the fork by now.
    for table in tables:
        if table.name in REISSUED:
            await _copy_reissuing(ctx, table, forked, REISSUED[table.name])
    return forked


_ORIGIN: BindParameter[uuid.UUID] = bindparam("fork_origin", type_=Sandbox.__table__.c.id.type)
_TARGET: BindParameter[uuid.UUID] = bindparam("fork_target", type_=Sandbox.__table__.c.id.type)


# The statements are built once (the origin and the target are parameters): building and hashing ~60 inserts
# would otherwise cost a fork tens of milliseconds before the database sees them.
@cache
def _copy_statement(table: Table) -> Insert:
    """`INSERT INTO t (cols) SELECT :fork_target, cols... FROM t WHERE sandbox_id = :fork_origin`."""
    values = [_TARGET.label(c.name) if c.name == "sandbox_id" else c for c in table.c]
    return insert(table).from_select([c.name for c in table.c], select(*values).where(table.c.sandbox_id == _ORIGIN))


@lru_cache(maxsize=64)  # one per share of the tables the copiers were given
def _copy_in_one_statement(tables: tuple[Table, ...]) -> Select[int]:
    return select(literal(1)).add_cte(*(_copy_statement(table).cte(f"copy_{table.name}") for table in tables))


async def _copy(ctx: SandboxContext, tables: list[Table], target: uuid.UUID, if_rolled_back: IfRolledBack) -> None:
    ids = {"fork_origin": ctx.sandbox_id, "fork_target": target}
    if ctx.session.get_bind().dialect.name != "postgresql":
        for table in tables:
            await ctx.session.execute(_copy_statement(table), ids)
        return
    async with foreign_keys_unchecked(ctx.session) as unchecked:
        if not unchecked:
            await ctx.session.execute(_copy_in_one_statement(tuple(tables)), ids)
            return
    await _copy_alongside(ctx, tables, ids, if_rolled_back)


_SNAPSHOT = text("SELECT pg_export_snapshot()")
# Each table's bytes on disk, its indexes' included: which copies are long, to share them out evenly. A copy writes
# each row and an entry in each index, so bytes weigh it truer than rows (a subscription is three events' bytes, a
# timer three index entries to an event's two): vacuumed, a 100,000-customer fork's longer share took 11.9 and 10.7 s
# shared by bytes, 13.0 and 11.4 s by the planner's row counts, alternating.
_SIZES = text(
    "SELECT relname, pg_total_relation_size(oid)::float8 FROM pg_class"
    " WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'"
)


async def _copy_alongside(
    ctx: SandboxContext, tables: list[Table], ids: dict[str, uuid.UUID], if_rolled_back: IfRolledBack
) -> None:
    """The copies on `COPIERS` connections of their own, each reading the request's snapshot, committed together."""
    snapshot = (await ctx.session.execute(_SNAPSHOT)).scalar_one()
    sizes: dict[str, float] = dict((await ctx.session.execute(_SIZES)).all())
    shares = [tuple(s) for s in shared_out(tables, lambda t: sizes.get(t.name, 0.0), COPIERS) if s]
    async with Alongside(ctx.session, if_rolled_back=if_rolled_back, snapshot=snapshot) as alongside:
        copiers = await alongside.connections(len(shares))
        # Each share one statement, the same (cached) one for the same share.
        await together(
            *(copier.execute(_copy_in_one_statement(share), ids) for copier, share in zip(copiers, shares, strict=True))
        )
        alongside.undo_sandbox(ids["fork_target"])
        await alongside.commit()


async def _copy_reissuing(ctx: SandboxContext, table: Table, forked: Forked, reissue: Reissue) -> None:
    rows = (await ctx.session.execute(select(table).where(table.c.sandbox_id == ctx.sandbox_id))).mappings().all()
    if rows:
        copies = [{**row, "sandbox_id": forked.sandbox.id, **reissue(row, forked)} for row in rows]
        await ctx.session.execute(insert(table), copies)


# --- bodies -------------------------------------------------------------------------------------------------------


class ForkCreate(Request):
    name: str | None = Field(None, min_length=1, max_length=200, description="Defaults to `<origin's name> (fork)`.")


class ForkedApp(Schema):
    client_id: uuid.UUID
    client_secret: str = Field(description="Shown once.")


class ForkCreated(SandboxCreated):
    origin_id: uuid.UUID
    apps: dict[str, ForkedApp] = Field(description="Each copied app's new credentials, by its original client id.")
    invitation_codes: dict[str, str] = Field(description="Each copied invitation link's new code, by its original.")
