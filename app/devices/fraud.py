"""Azure fraud alerts: raised by the operator on a customer's Azure subscription, read by the partner that sells to
the customer (`GET /v1/fraudEvents`). Raising one records an `azure-fraud-event-detected` event for the partner;
webhooks deliver it once that name joins `app.events.webhooks.EVENTS` (the events domain's list)."""

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.customers.service import relationships_with
from app.events.service import record_event
from app.kernel.context import SandboxContext, TenantContext
from app.kernel.errors import NotFound
from app.kernel.lookup import one
from app.models import FraudEvent, Tenant, TenantKind


@dataclass(frozen=True)
class Alert:
    partner_tenant_id: uuid.UUID
    customer_tenant_id: uuid.UUID
    subscription_id: str
    event_name: str
    entity_name: str
    service_name: str
    resource_name: str
    resource_group_name: str
    hit_count: int


@dataclass(frozen=True)
class SeenFraudEvent:
    event: FraudEvent
    partner_name: str
    customer_name: str


async def raise_fraud_event(ctx: SandboxContext, *, alert: Alert) -> SeenFraudEvent:
    """Only on a customer of the partner: a partner hears of fraud on the customers it is related to (404 else)."""
    partner = await one(ctx, Tenant, alert.partner_tenant_id, what="Partner", where=[Tenant.kind == TenantKind.PARTNER])
    customer = await one(
        ctx, Tenant, alert.customer_tenant_id, what="Customer", where=[Tenant.kind == TenantKind.CUSTOMER]
    )
    if not await relationships_with(ctx, customer.id, partner.id):
        raise NotFound("Customer of this partner", customer.id)
    event = FraudEvent(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        partner_tenant_id=partner.id,
        customer_tenant_id=customer.id,
        subscription_id=alert.subscription_id.lower(),
        event_name=alert.event_name,
        event_status="Active",
        entity_name=alert.entity_name,
        service_name=alert.service_name,
        resource_name=alert.resource_name,
        resource_group_name=alert.resource_group_name,
        hit_count=alert.hit_count,
        first_occurrence=ctx.now,
        last_occurrence=ctx.now,
    )
    ctx.session.add(event)
    await record_event(
        ctx,
        name="azure-fraud-event-detected",
        resource_type="FraudEvent",
        resource_id=event.id,
        tenant_ids=[partner.id],
        data={"subscriptionId": alert.subscription_id, "eventStatus": "Active"},
    )
    await ctx.session.flush()
    return SeenFraudEvent(event, partner.display_name, customer.display_name)


async def list_fraud_events(
    ctx: TenantContext, *, event_status: str | None, subscription_id: str | None
) -> list[SeenFraudEvent]:
    """The caller's own alerts, optionally of one status (Active, Resolved, Investigating) or one subscription."""
    customer = Tenant.__table__.alias("customer")
    stmt = (
        select(FraudEvent, customer.c.display_name)
        .join(
            customer,
            (customer.c.sandbox_id == FraudEvent.sandbox_id) & (customer.c.id == FraudEvent.customer_tenant_id),
        )
        .where(FraudEvent.sandbox_id == ctx.sandbox_id, FraudEvent.partner_tenant_id == ctx.tenant_id)
        .order_by(FraudEvent.first_occurrence, FraudEvent.id)
    )
    if event_status:
        stmt = stmt.where(FraudEvent.event_status == event_status.capitalize())
    if subscription_id:
        stmt = stmt.where(FraudEvent.subscription_id == subscription_id.lower())
    rows = (await ctx.session.execute(stmt)).all()
    if not rows:
        return []
    partner = await one(ctx, Tenant, ctx.tenant_id, what="Partner")
    return [SeenFraudEvent(event, partner.display_name, name) for event, name in rows]
