"""A sandbox's domain records, read by the operator: tenants, enrollments, partnerships, customer relationships,
GDAP relationships, orders, subscriptions, transfers, invoices and events, each row as it is stored (camelCase,
the sandbox id left out). The console reads its pages through this, and the diff shows two sandboxes' rows with it.

One generic reader rather than one endpoint per table: these are the simulator's own view of its rows (what an
operator inspects), not Partner Center's resources, which keep their own shapes on `/v1`.
"""

import enum
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic.alias_generators import to_camel
from sqlalchemy import ColumnElement, String, Table, Uuid, or_, select

from app.kernel.context import SandboxContext
from app.kernel.errors import NotFound
from app.kernel.pagination import Page, PageRequest, keyset
from app.models import (
    Base,
    CustomerRelationship,
    DelegatedAdminRelationship,
    Enrollment,
    Event,
    Invoice,
    Order,
    Partnership,
    Subscription,
    Tenant,
    Transfer,
)


@dataclass(frozen=True)
class Kind:
    """One kind of record: its table, and the column that orders a listing (after the id)."""

    name: str
    model: type[Base]
    what: str

    @property
    def table(self) -> Table:
        table: Table = self.model.__table__  # type: ignore[assignment]  # every kind is a mapped table
        return table


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("tenants", Tenant, "Tenant"),
        Kind("enrollments", Enrollment, "Enrollment"),
        Kind("partnerships", Partnership, "Partnership"),
        Kind("relationships", CustomerRelationship, "Customer relationship"),
        Kind("gdapRelationships", DelegatedAdminRelationship, "GDAP relationship"),
        Kind("orders", Order, "Order"),
        Kind("subscriptions", Subscription, "Subscription"),
        Kind("transfers", Transfer, "Transfer"),
        Kind("invoices", Invoice, "Invoice"),
        Kind("events", Event, "Event"),
    )
}


def kind_of(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(f"There is no record kind '{name}'; the kinds are {', '.join(KINDS)}.")
    return kind


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | Decimal | date):
        return str(value)
    return value


def as_record(row: Any) -> dict[str, Any]:
    """A row as plain JSON: every column but the sandbox id, camelCase."""
    table = row.__table__
    return record_of(table, [getattr(row, c.key) for c in table.columns])


def record_of(table: Table, values: Sequence[Any]) -> dict[str, Any]:
    """A row's values (one per column of `table`, in order) as its record."""
    return {name: _plain(value) for name, value in zip(_names(table), values, strict=True) if name is not None}


@functools.cache
def _names(table: Table) -> tuple[str | None, ...]:
    return tuple(None if c.key == "sandbox_id" else to_camel(c.key) for c in table.columns)


def _mentions(model: type[Base], ref: uuid.UUID) -> ColumnElement[bool]:
    """Rows naming `ref` in any id column (or an event's resource id): what a record's page links to."""
    table = model.__table__
    clauses: list[ColumnElement[bool]] = [
        c == ref for c in table.columns if isinstance(c.type, Uuid) and c.key != "sandbox_id"
    ]
    clauses += [c == str(ref) for c in table.columns if c.key == "resource_id" and isinstance(c.type, String)]
    return or_(*clauses)


async def list_records(ctx: SandboxContext, kind: Kind, page: PageRequest, *, ref: uuid.UUID | None) -> Page[Any]:
    """One page of a kind's rows in the sandbox, optionally only those that name `ref`."""
    model: Any = kind.model
    stmt = select(model).where(model.sandbox_id == ctx.sandbox_id)
    if ref is not None:
        stmt = stmt.where(_mentions(model, ref))
    keys = [model.seq, model.id] if kind.model is Event else [model.id]
    return await keyset(ctx.session, stmt, keys=keys, page=page)


async def read_record(ctx: SandboxContext, kind: Kind, record_id: uuid.UUID) -> dict[str, Any]:
    model: Any = kind.model
    row = (
        await ctx.session.execute(select(model).where(model.sandbox_id == ctx.sandbox_id, model.id == record_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{kind.what} {record_id} is not in this sandbox.")
    return as_record(row)
