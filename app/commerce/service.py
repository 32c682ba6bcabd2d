"""Subscriptions of a customer, whatever channel they came through."""

import uuid
from datetime import date

from sqlalchemy import select

from app.commerce.subscriptions import create_subscription
from app.customers import service as customers
from app.kernel.context import SandboxContext
from app.kernel.errors import BadRequest
from app.models import Subscription, SubscriptionChannel, Tenant, TenantKind


async def record_existing_subscription(
    ctx: SandboxContext,
    customer: Tenant,
    *,
    partner_tenant_id: uuid.UUID | None,
    channel: SubscriptionChannel,
    offer_id: str,
    offer_name: str,
    quantity: int,
    term_duration: str | None,
    billing_cycle: str | None,
    commitment_end_date: date | None,
    auto_renew: bool,
    partner_of_record: str | None,
) -> Subscription:
    """A subscription the customer already had: bought directly or via an advisor (REL-8 leaves those be), or a
    legacy (pre-new-commerce) CSP subscription of one of its partners (TRF-1 refuses to move those)."""
    if customer.kind is not TenantKind.CUSTOMER:
        raise BadRequest("Subscriptions belong to customer tenants.")
    if channel is SubscriptionChannel.ADVISOR and not partner_of_record:
        raise BadRequest("An advisor purchase names the advisor's PartnerID as partnerOfRecord.")
    if (channel is SubscriptionChannel.CSP) != (partner_tenant_id is not None):
        raise BadRequest("A legacy CSP subscription names its partner (partnerTenantId); other channels do not.")
    if partner_tenant_id is not None and not await customers.relationships_with(ctx, customer.id, partner_tenant_id):
        raise BadRequest("The partner of a CSP subscription must have a relationship with the customer.")
    subscription = await create_subscription(
        ctx,
        customer_tenant_id=customer.id,
        channel=channel,
        partner_tenant_id=partner_tenant_id,
        offer_id=offer_id,
        offer_name=offer_name,
        quantity=quantity,
        term_duration=term_duration,
        billing_cycle=billing_cycle,
        commitment_end_date=commitment_end_date,
        auto_renew=auto_renew,
        partner_of_record=partner_of_record,
        is_new_commerce=False,  # bought outside CSP, or a legacy CSP offer: never new commerce
    )
    await ctx.session.flush()
    return subscription


async def customer_subscriptions(ctx: SandboxContext, customer_id: uuid.UUID) -> list[Subscription]:
    return list(
        (
            await ctx.session.execute(
                select(Subscription)
                .where(Subscription.sandbox_id == ctx.sandbox_id, Subscription.customer_tenant_id == customer_id)
                .order_by(Subscription.created_at, Subscription.id)
            )
        ).scalars()
    )
