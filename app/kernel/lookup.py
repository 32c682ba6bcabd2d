"""Reading one row of a sandbox by id: the one way, scoped to the sandbox and to what the caller may see.

    await one(ctx, Order, order_id, what="Order", where=[Order.partner_tenant_id == ctx.tenant_id])
    await one(ctx, Tenant, customer_id, what="Customer", among=visible_customers(ctx))   # a visibility query

A row outside the sandbox, outside `where`, or outside `among` is not found (404), exactly as a row that does not
exist: nothing tells a caller what it may not see. `for_update` locks the row for a state change.
"""

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select

from app.kernel.context import SandboxContext
from app.kernel.errors import NotFound

M = TypeVar("M")


async def one(
    ctx: SandboxContext,
    model: type[M],
    row_id: uuid.UUID,
    *,
    what: str,
    for_update: bool = False,
    where: Sequence[ColumnElement[bool]] = (),
    among: Select[Any] | None = None,
) -> M:
    """The row, or NotFound naming `what` (and the id). A plain read by id is the session's `get`: a row the
    request already read (or wrote) costs no statement; every sandbox row's key is (sandbox_id, id)."""
    if among is None and not where and not for_update:
        got: M | None = await ctx.session.get(model, (ctx.sandbox_id, row_id))
        if got is None:
            raise NotFound(what, row_id)
        return got
    stmt = among if among is not None else select(model)
    stmt = stmt.where(model.sandbox_id == ctx.sandbox_id, model.id == row_id, *where)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    found: M | None = (
        await ctx.session.execute(stmt.execution_options(populate_existing=for_update))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(what, row_id)
    return found
