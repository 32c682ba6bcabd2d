"""Reading one row of a sandbox by id: scoped to the sandbox, optionally to its owner, optionally locked."""

import uuid
from typing import Any, TypeVar

from sqlalchemy import select

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
    owned_by: tuple[Any, uuid.UUID | None] | None = None,
) -> M:
    """The row, or NotFound naming `what`. `owned_by=(column, tenant)` keeps others' rows out of sight (404, as for
    a row that does not exist); `for_update` locks it for a state change."""
    stmt = select(model).where(model.sandbox_id == ctx.sandbox_id, model.id == row_id)  # type: ignore[attr-defined]
    if owned_by is not None:
        stmt = stmt.where(owned_by[0] == owned_by[1])
    if for_update:
        stmt = stmt.with_for_update()
    found: M | None = (await ctx.session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise NotFound(what, row_id)
    return found
