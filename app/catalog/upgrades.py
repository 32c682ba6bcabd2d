"""Product upgrades: moving a customer to the Azure plan (Partner Center's `productFamily` "azure").

The Azure plan replaces the legacy Azure offer (MS-AZR-0145P). cspsim never sold that offer, so what an upgrade
would bring is the Azure plan itself: a customer is eligible until it holds an active Azure plan."""

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from app.catalog.offers import OFFERS, ProductType
from app.customers.service import get_visible_customer
from app.kernel.context import TenantContext
from app.kernel.errors import BadRequest
from app.models import Subscription, SubscriptionStatus

AZURE_PLAN = next(o for o in OFFERS if o.product_type is ProductType.AZURE)


@dataclass(frozen=True)
class Eligibility:
    customer_id: uuid.UUID
    product_family: str
    is_eligible: bool
    reason: str | None


async def upgrade_eligibility(ctx: TenantContext, *, customer_id: uuid.UUID, product_family: str) -> Eligibility:
    """A customer you are related to (404 else), for the product family "azure" (400 else)."""
    seen = await get_visible_customer(ctx, customer_id)
    if product_family.lower() != "azure":
        raise BadRequest(f"Product upgrades go to the Azure plan: productFamily is 'azure', not {product_family!r}.")
    held = (
        await ctx.session.execute(
            select(func.count()).where(
                Subscription.sandbox_id == ctx.sandbox_id,
                Subscription.customer_tenant_id == seen.tenant.id,
                Subscription.offer_id.startswith(AZURE_PLAN.product_id),
                Subscription.status == SubscriptionStatus.ACTIVE,
            )
        )
    ).scalar_one()
    reason = "The customer already has an active Azure plan." if held else None
    return Eligibility(seen.tenant.id, "azure", not held, reason)


async def upgrade_to_azure_plan(ctx: TenantContext, *, customer_id: uuid.UUID, product_family: str) -> uuid.UUID:
    """Accepts the upgrade of an eligible customer and answers its id; an ineligible one is refused (400) saying
    why. The upgrade is not kept: its status (`GET /v1/productUpgrades/{id}`) is not served yet."""
    eligibility = await upgrade_eligibility(ctx, customer_id=customer_id, product_family=product_family)
    if not eligibility.is_eligible:
        raise BadRequest(f"This customer cannot be upgraded: {eligibility.reason}")
    return await ctx.new_id()
