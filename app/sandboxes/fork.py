"""Forking a sandbox: a new sandbox holding a copy of every row of another, with the same ids.

Every sandbox-scoped table is copied with one `INSERT ... SELECT` that swaps the sandbox id, parents before
children, in the caller's one transaction: the copy costs what the database takes to copy the rows, and the fork
answers the same ids, so snapshots of the two compare line by line. The clock (offset or frozen instant) and the
settings come along; the fork then lives its own life.

Credentials are globally unique, so a token request or a link finds its sandbox by them alone: those are
reissued, never copied. Each copied app gets a new client id and secret (answered once, keyed by the original
client id), each relationship invitation and storefront MCA link a new link code.
"""

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field
from sqlalchemy import Table, UniqueConstraint, insert, literal, select
from sqlalchemy.engine import RowMapping

from app.kernel.clock import real_now
from app.kernel.context import SandboxContext
from app.kernel.credentials import digest, new_secret
from app.models import AppRegistration, Base, McaClickThrough, RelationshipInvitation, Sandbox
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


def sandbox_tables() -> list[Table]:
    """Every table whose rows belong to a sandbox, parents before children (so foreign keys hold at each step)."""
    return [t for t in Base.metadata.sorted_tables if "sandbox_id" in t.c and t.name != Sandbox.__tablename__]


def global_keys(table: Table) -> list[list[str]]:
    """The unique keys of a table that do not start with sandbox_id: a copy with the same values would collide."""
    keys = [[c.name for c in u.columns] for u in table.constraints if isinstance(u, UniqueConstraint)]
    keys += [[c.name for c in i.columns] for i in table.indexes if i.unique]
    return [k for k in keys if k and k[0] != "sandbox_id"]


def _check_reissued(table: Table) -> None:
    if global_keys(table) and table.name not in REISSUED:
        # A new table with a global key and no way to reissue it would make every fork fail with a 409: say so.
        raise RuntimeError(f"fork cannot copy {table.name}: unique {global_keys(table)} is global; add it to REISSUED")


async def fork_sandbox(ctx: SandboxContext, *, name: str | None) -> Forked:
    """Copy the sandbox into a new one with its own admin key (answered once), the same ids and data, the same
    clock and settings, and new credentials where they are globally unique."""
    origin = (
        await ctx.session.execute(select(Sandbox).where(Sandbox.id == ctx.sandbox_id).with_for_update())
    ).scalar_one()
    admin_key = new_secret("csk_")
    await ctx.session.refresh(origin, ["id_counter"])  # new_id() advances it in SQL, past the loaded row
    sandbox = Sandbox(
        id=uuid.uuid4(),
        name=name or f"{origin.name} (fork)",
        seed=origin.seed,
        id_counter=origin.id_counter,
        admin_key_hash=digest(admin_key),
        settings=dict(origin.settings),
        clock_offset_us=origin.clock_offset_us,
        frozen_at=origin.frozen_at,
        created_at=real_now(),
    )
    ctx.session.add(sandbox)
    await ctx.session.flush()
    forked = Forked(sandbox=sandbox, admin_key=admin_key)
    for table in sandbox_tables():
        _check_reissued(table)
        if table.name in REISSUED:
            await _copy_reissuing(ctx, table, forked, REISSUED[table.name])
        else:
            await _copy(ctx, table, sandbox.id)
    return forked


async def _copy(ctx: SandboxContext, table: Table, target: uuid.UUID) -> None:
    columns = list(table.c)
    values = [literal(target, type_=c.type).label(c.name) if c.name == "sandbox_id" else c for c in columns]
    await ctx.session.execute(
        insert(table).from_select(
            [c.name for c in columns], select(*values).where(table.c.sandbox_id == ctx.sandbox_id)
        )
    )


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
