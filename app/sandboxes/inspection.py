"""The operator's reads that the console and the CLI need: the sandboxes this service holds, a sandbox's domain
records page by page, and the diff between two sandboxes (a fork and its origin)."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel.db import TransactionalRoute, get_session
from app.kernel.pagination import Collection, Page, PageRequest, collection, keyset, page_request
from app.kernel.pipeline import Operator, control_router, operator_context
from app.models import Sandbox
from app.sandboxes import records
from app.sandboxes.diff import diff_sandboxes
from app.wire import Schema

TAG = "control: sandboxes"
AGAINST_KEY = "CSPSIM-Against-Key"

directory = APIRouter(prefix="/sim/v1/sandboxes", tags=[TAG], route_class=TransactionalRoute)
router = control_router(tags=[TAG])
Pages = Annotated[PageRequest, Depends(page_request)]


class SandboxListed(Schema):
    id: uuid.UUID
    name: str
    seed: int | None
    created_at: datetime


@directory.get("", response_model=Collection[SandboxListed], summary="List the sandboxes (ids and names, no keys)")
async def list_sandboxes(request: Request, session: Annotated[AsyncSession, Depends(get_session)], page: Pages) -> Any:
    """Every sandbox this service holds, oldest first: its id, name and seed. A sandbox's id gives no access to
    it: every call below it needs its admin key, which is shown only when it is created (or forked)."""
    found: Page[Any] = await keyset(session, select(Sandbox), keys=[Sandbox.created_at, Sandbox.id], page=page)
    return collection(request, found, [SandboxListed.model_validate(s) for s in found.items])


Kind = Annotated[str, Path(description=f"One of: {', '.join(records.KINDS)}.", max_length=40)]


@router.get("/records/{kind}", response_model=Collection[dict[str, Any]], summary="List a sandbox's records")
async def list_records(
    ctx: Operator,
    request: Request,
    kind: Kind,
    page: Pages,
    ref: Annotated[uuid.UUID | None, Query(description="Only the records that name this id.")] = None,
) -> Any:
    """The rows of one kind as stored (camelCase), by id; events in the order they happened. With `ref`, only the
    rows naming that id in any id column (an event, in its resource id): what a record's page links to."""
    found = await records.list_records(ctx, records.kind_of(kind), page, ref=ref)
    return collection(request, found, [records.as_record(r) for r in found.items])


@router.get("/records/{kind}/{record_id}", response_model=dict[str, Any], summary="Read one of a sandbox's records")
async def read_record(ctx: Operator, kind: Kind, record_id: uuid.UUID) -> Any:
    return await records.read_record(ctx, records.kind_of(kind), record_id)


class FieldChange(Schema):
    id: str
    changes: dict[str, dict[str, Any]] = Field(description="Each changed field's `from` and `to`.")


class KindDiffOut(Schema):
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[FieldChange]


class SandboxDiff(Schema):
    sandbox_id: uuid.UUID
    against: uuid.UUID
    total_changes: int
    kinds: dict[str, KindDiffOut] = Field(description="Only the kinds with a difference.")


@router.get("/diff", response_model=SandboxDiff, summary="What differs between this sandbox and another (its fork)")
async def diff(
    ctx: Operator,
    against: Annotated[uuid.UUID, Query(description="The other sandbox, usually a fork of this one or its origin.")],
    against_key: Annotated[
        str | None, Header(alias=AGAINST_KEY, description="The other sandbox's admin key.", max_length=200)
    ] = None,
) -> Any:
    """Domain by domain (tenants, enrollments, partnerships, relationships, GDAP relationships, orders,
    subscriptions, transfers, invoices, events), the rows `against` has and this sandbox lacks (`added`), the
    reverse (`removed`) and those both have that differ (`changed`, field by field). A fork keeps every id, so a
    fork and its origin match row by row. The other sandbox's admin key goes in `CSPSIM-Against-Key` (401
    without it), unless `against` is this sandbox."""
    # The caller's key already opens this sandbox: a diff with itself (zero changes) needs no second key.
    other = (
        ctx
        if against == ctx.sandbox_id
        else await operator_context(ctx.session, sandbox_id=against, admin_key=against_key)
    )
    found = await diff_sandboxes(ctx, other)
    return SandboxDiff(
        sandbox_id=ctx.sandbox_id,
        against=against,
        total_changes=sum(d.count for d in found.values()),
        kinds={
            name: KindDiffOut(
                added=d.added,
                removed=d.removed,
                changed=[FieldChange(id=c.id, changes=c.changes) for c in d.changed],
            )
            for name, d in found.items()
        },
    )
