"""Writing and reading events, audit records and notifications."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select

from app.events import webhooks
from app.kernel.bulk import insert_rows
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.lifecycle import Lifecycle, apply
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.statements import Write
from app.models import AuditRecord, Event, Notification, Tenant
from app.models.base import next_seq

# Events and audit records are written by Core inserts built once, not added to the session: nothing reads them back
# in the request that writes them, and the unit of work's per-object bookkeeping was a large share of a create's CPU.
_EVENTS = cast(Table, Event.__table__)
_AUDITS = cast(Table, AuditRecord.__table__)
_RECORD_EVENT = Write.insert(_EVENTS)
_RECORD_AUDIT = Write.insert(_AUDITS)

# A change's event and its audit record in one statement on PostgreSQL (the audit record's insert as a data-modifying
# CTE): every change a tenant makes writes both, and each statement is a round trip and an execution of its own.
_EVENT_PART, _AUDIT_PART = Write.insert(_EVENTS, prefix="event_"), Write.insert(_AUDITS, prefix="audit_")
_RECORD_EVENT_AND_AUDIT = Write(
    _EVENT_PART.statement.add_cte(_AUDIT_PART.statement.cte("recorded_audit")),
    inserts=[*_EVENT_PART.inserts, *_AUDIT_PART.inserts],
)


async def record_event(
    ctx: SandboxContext,
    *,
    name: str,
    resource_type: str,
    resource_id: object,
    tenant_ids: list[uuid.UUID] | None = None,
    data: dict[str, Any] | None = None,
) -> uuid.UUID:
    """Record that something happened (the outbox) and enqueue its webhook deliveries; answers the event's id."""
    return await _record(ctx, name, resource_type, resource_id, tenant_ids or [], data, audit=None)


async def _record(
    ctx: SandboxContext,
    name: str,
    resource_type: str,
    resource_id: object,
    tenant_ids: Sequence[uuid.UUID],
    data: dict[str, Any] | None,
    *,
    audit: dict[str, Any] | None,
) -> uuid.UUID:
    """The event, with one audit record's row (`_audit_row`) in the same statement where the database allows."""
    event_id = await ctx.new_id()
    tenants = [str(t) for t in tenant_ids]
    event = {
        "sandbox_id": ctx.sandbox_id,
        "id": event_id,
        "seq": next_seq(),
        "name": name,
        "resource_type": resource_type,
        "resource_id": str(resource_id),
        "tenant_ids": tenants,
        "data": data or {},
        "occurred_at": ctx.now,
    }
    if audit is None:
        await _RECORD_EVENT.run(ctx.session, event)
    elif ctx.session.get_bind().dialect.name == "postgresql":
        both = {f"event_{k}": v for k, v in event.items()} | {f"audit_{k}": v for k, v in audit.items()}
        await _RECORD_EVENT_AND_AUDIT.run(ctx.session, both)
    else:
        await _RECORD_EVENT.run(ctx.session, event)
        await _RECORD_AUDIT.run(ctx.session, audit)
    await webhooks.enqueue(ctx, event_id=event_id, name=name, tenant_ids=tenants)
    return event_id


@dataclass(frozen=True)
class Happening:
    """One of many events recorded at once (`record_events`), at its own instant."""

    at: datetime
    name: str
    resource_type: str
    resource_id: object
    tenant_ids: list[uuid.UUID]
    data: dict[str, Any]


async def record_events(ctx: SandboxContext, happenings: Sequence[Happening]) -> None:
    """What `record_event` does for each, in order, in one bulk insert (a batch of timers): the ones a partner's
    webhooks may subscribe to are recorded one by one, so their deliveries are enqueued."""
    alone = [h.name in webhooks.EVENTS and bool(h.tenant_ids) for h in happenings]
    ids = iter(await ctx.new_ids(alone.count(False)))
    rows: list[dict[str, Any]] = []
    for h, recorded_alone in zip(happenings, alone, strict=True):
        if recorded_alone:
            await insert_rows(ctx.session, _EVENTS, rows)
            rows.clear()
            at = ctx.at(h.at, ctx.actor)
            await record_event(
                at,
                name=h.name,
                resource_type=h.resource_type,
                resource_id=h.resource_id,
                tenant_ids=h.tenant_ids,
                data=h.data,
            )
            continue
        rows.append(
            {
                "sandbox_id": ctx.sandbox_id,
                "id": uuid.UUID(next(ids)),
                "seq": next_seq(),
                "name": h.name,
                "resource_type": h.resource_type,
                "resource_id": str(h.resource_id),
                "tenant_ids": [str(t) for t in h.tenant_ids],
                "data": h.data,
                "occurred_at": h.at,
            }
        )
    await insert_rows(ctx.session, _EVENTS, rows)


async def record_audit(
    ctx: SandboxContext,
    *,
    tenant_id: uuid.UUID | None,
    operation_type: str,
    resource_type: str,
    resource_id: object,
    customer_id: uuid.UUID | None = None,
    old_value: dict[str, Any] | None = None,
    new_value: dict[str, Any] | None = None,
) -> None:
    row = await _audit_row(
        ctx,
        tenant_id=tenant_id,
        operation_type=operation_type,
        resource_type=resource_type,
        resource_id=resource_id,
        customer_id=customer_id,
        old_value=old_value,
        new_value=new_value,
    )
    await _RECORD_AUDIT.run(ctx.session, row)


async def _audit_row(
    ctx: SandboxContext,
    *,
    tenant_id: uuid.UUID | None,
    operation_type: str,
    resource_type: str,
    resource_id: object,
    customer_id: uuid.UUID | None,
    old_value: dict[str, Any] | None,
    new_value: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "sandbox_id": ctx.sandbox_id,
        "id": await ctx.new_id(),
        "seq": next_seq(),
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "actor": ctx.actor.name,
        "application_id": str(ctx.actor.client_id) if ctx.actor.client_id else None,
        "operation_type": operation_type,
        "operation_status": _AUDITS.c.operation_status.default.arg,  # type: ignore[union-attr]
        "resource_type": resource_type,
        "resource_id": str(resource_id),
        "old_value": old_value,
        "new_value": new_value,
        "occurred_at": ctx.now,
    }


async def record_change(
    ctx: SandboxContext,
    *,
    event: str,
    operation_type: str,
    resource_type: str,
    resource_id: object,
    tenant_id: uuid.UUID,
    also_for: Sequence[uuid.UUID] = (),
    customer_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    old_value: dict[str, Any] | None = None,
    new_value: dict[str, Any] | None = None,
) -> None:
    """A change a tenant made to its own resource: its event (for that tenant's webhooks) and its audit record. A
    change two partners share (a transfer) names the other in `also_for`: one event for both, an audit record each."""
    tenants = [tenant_id, *also_for]
    audits = [
        await _audit_row(
            ctx,
            tenant_id=tenant,
            customer_id=customer_id,
            operation_type=operation_type,
            resource_type=resource_type,
            resource_id=resource_id,
            old_value=old_value,
            new_value=new_value,
        )
        for tenant in tenants
    ]
    await _record(ctx, event, resource_type, resource_id, tenants, data, audit=audits[0])
    if audits[1:]:
        for audit in audits[1:]:
            await _RECORD_AUDIT.run(ctx.session, audit)


async def notify(
    ctx: SandboxContext, *, to: str, kind: str, subject: str, body: str, tenant_id: uuid.UUID | None = None
) -> Notification:
    """Send a mail: it lands in the sandbox's mailbox and, with a tenant, in that partner's notifications."""
    mail = Notification(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        seq=next_seq(),
        tenant_id=tenant_id,
        recipient=to.lower(),
        kind=kind,
        subject=subject,
        body=body,
        sent_at=ctx.now,
    )
    ctx.session.add(mail)
    return mail


async def move(
    ctx: SandboxContext,
    entity: Any,
    lifecycle: Lifecycle[Any],
    target: Any,
    *,
    action: str,
    event: str,
    resource_type: str,
    tenant_ids: list[uuid.UUID],
    audit_tenant_id: uuid.UUID | None = None,
) -> None:
    """The one way an entity changes state: check the table, stamp the clock, write event and audit."""
    previous = apply(entity, lifecycle, target, action=action, now=ctx.now)
    data = {"from": str(previous), "to": str(target), "action": action}
    audit = await _audit_row(
        ctx,
        tenant_id=audit_tenant_id or (tenant_ids[0] if tenant_ids else None),
        operation_type=event,
        resource_type=resource_type,
        resource_id=entity.id,
        customer_id=None,
        old_value={"status": str(previous)},
        new_value={"status": str(target)},
    )
    await _record(ctx, event, resource_type, entity.id, tenant_ids, data, audit=audit)


async def list_events(ctx: SandboxContext, page: PageRequest, *, name: str | None = None) -> Page[Event]:
    stmt = select(Event).where(Event.sandbox_id == ctx.sandbox_id)
    if name:
        stmt = stmt.where(Event.name == name)
    return await keyset(ctx.session, stmt, keys=[Event.seq, Event.id], page=page)


async def list_mailbox(ctx: SandboxContext, page: PageRequest, *, to: str | None = None) -> Page[Notification]:
    stmt = select(Notification).where(Notification.sandbox_id == ctx.sandbox_id)
    if to:
        stmt = stmt.where(Notification.recipient == to.lower())
    return await keyset(ctx.session, stmt, keys=[Notification.seq, Notification.id], page=page)


async def list_partner_notifications(ctx: PartnerContext, page: PageRequest) -> Page[Notification]:
    """The mails sent to the calling partner's addresses."""
    stmt = select(Notification).where(
        Notification.sandbox_id == ctx.sandbox_id, Notification.tenant_id == ctx.tenant_id
    )
    return await keyset(ctx.session, stmt, keys=[Notification.seq, Notification.id], page=page)


async def list_audit_records(
    ctx: PartnerContext, page: PageRequest, *, start: datetime | None, end: datetime | None
) -> Page[AuditRecord]:
    """The calling partner's audit log between two instants of the sandbox clock."""
    stmt = select(AuditRecord).where(AuditRecord.sandbox_id == ctx.sandbox_id, AuditRecord.tenant_id == ctx.tenant_id)
    if start:
        stmt = stmt.where(AuditRecord.occurred_at >= start)
    if end:
        stmt = stmt.where(AuditRecord.occurred_at < end)
    return await keyset(ctx.session, stmt, keys=[AuditRecord.seq, AuditRecord.id], page=page)


async def customer_names(ctx: SandboxContext, records: Sequence[AuditRecord]) -> dict[uuid.UUID, str]:
    """The display names of the customers a page of audit records is about, in one statement."""
    ids = {r.customer_id for r in records if r.customer_id}
    if not ids:
        return {}
    found = await ctx.session.execute(
        select(Tenant.id, Tenant.display_name).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.id.in_(ids))
    )
    return {row.id: row.display_name for row in found}
