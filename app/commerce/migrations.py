"""Migrations to new commerce: a legacy CSP subscription replaced by the new-commerce subscription of its successor
offer, so that it can then do what only new commerce does (move between partners, TRF-1; be upgraded).

    legacy subscription (active) ──migration──> deleted        new-commerce subscription (active), its own order
    migration: Processing ──> Completed (cspsim completes it in the request that asks for it)
"""

import uuid
from dataclasses import dataclass

from app.catalog import service as catalog
from app.catalog.offers import LEGACY_OFFERS
from app.commerce import purchases, subscriptions
from app.commerce.orders import replace_subscription
from app.events.service import record_change
from app.kernel import lookup
from app.kernel.context import PartnerContext
from app.kernel.errors import BadRequest, DomainError
from app.kernel.statements import add_now
from app.models import (
    MigrationStatus,
    NewCommerceMigration,
    Subscription,
    SubscriptionStatus,
    Tenant,
)

# Partner Center's migration error codes (its REST error list), as the validation's errors and the refusals carry
# them: no valid migration path for the offer (a new-commerce subscription has none either), the status is not
# active, the term and billing cycle are not supported for the new-commerce product.
ALREADY_NEW_COMMERCE = 900220
NOT_ACTIVE = 900215
NO_SUCCESSOR = 900220
NOT_SOLD_SO = 900222


@dataclass(frozen=True)
class MigrationCheck:
    """Whether a migration would go through: the new-commerce catalogItemId it would buy, and what stands in the
    way (code, description)."""

    subscription: Subscription
    catalog_item_id: str | None
    quantity: int
    errors: list[tuple[int, str]]
    term_duration: str = "P1Y"
    billing_cycle: str = "monthly"

    @property
    def is_eligible(self) -> bool:
        return not self.errors


def _successor(offer_id: str) -> str | None:
    legacy = next((o for o in LEGACY_OFFERS if o.id.lower() == offer_id.lower()), None)
    return legacy.successor if legacy else None


async def _check(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    subscription: Subscription,
    term_duration: str | None,
    billing_cycle: str | None,
    quantity: int | None,
) -> tuple[MigrationCheck, catalog.Resolved | None]:
    # Left out, the term and billing cycle are the legacy subscription's (Partner Center: "can be changed").
    term_duration = term_duration or subscription.term_duration or "P1Y"
    billing_cycle = (billing_cycle or subscription.billing_cycle or "monthly").lower()
    seats = quantity or subscription.quantity
    errors: list[tuple[int, str]] = []
    if subscription.is_new_commerce:
        errors.append((ALREADY_NEW_COMMERCE, f"{subscription.offer_name} is already a new-commerce subscription."))
    if subscription.status is not SubscriptionStatus.ACTIVE:
        errors.append((NOT_ACTIVE, f"Only an active subscription migrates; this one is {subscription.status}."))
    successor = None if subscription.is_new_commerce else _successor(subscription.offer_id)
    if successor is None and not subscription.is_new_commerce:
        errors.append((NO_SUCCESSOR, f"{subscription.offer_name} has no new-commerce successor in the catalog."))
    resolved = None
    if successor is not None:
        customer = await lookup.one(ctx, Tenant, customer_id, what="Customer")
        try:
            resolved = catalog.resolve(
                successor,
                term_duration=term_duration,
                billing_cycle=billing_cycle,
                country=customer.country,
                quantity=seats,
            )
        except DomainError as refused:
            errors.append((NOT_SOLD_SO, refused.message))
    item = resolved.offer.catalog_item_id if resolved else None
    return MigrationCheck(subscription, item, seats, errors, term_duration, billing_cycle), resolved


async def validate_migration(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    current_subscription_id: uuid.UUID,
    term_duration: str | None,
    billing_cycle: str | None,
    quantity: int | None,
) -> MigrationCheck:
    """Would the migration go through? The subscription must be the caller's, legacy and active, with a successor
    sold in the term, billing cycle and quantity asked for; the answer lists what stands in the way. Who may buy
    (AGR-1 and the rest) is asked by the migration itself."""
    subscription = await subscriptions.get_subscription(ctx, customer_id, current_subscription_id)
    check, _ = await _check(
        ctx,
        customer_id=customer_id,
        subscription=subscription,
        term_duration=term_duration,
        billing_cycle=billing_cycle,
        quantity=quantity,
    )
    return check


async def migrate_to_new_commerce(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    current_subscription_id: uuid.UUID,
    term_duration: str | None,
    billing_cycle: str | None,
    quantity: int | None,
    purchase_full_term: bool,
    external_reference_id: str | None,
) -> NewCommerceMigration:
    """A migration is a new-commerce purchase: `purchases.require_purchase` (COM-1, COM-2, REL-3, REL-5, AGR-1: the
    MCA must hold for the partner). The legacy subscription ends (deleted) and the successor's subscription begins
    in the same step, with its own order; COM-8 holds it from then on (its own 168-hour window). Without
    `purchaseFullTerm` the new term ends when the legacy one would have (co-termed); with it, a full term starts.
    Unmet conditions (`validate` lists them) are refused with Partner Center's code."""
    subscription = await subscriptions.get_subscription(ctx, customer_id, current_subscription_id, for_update=True)
    await purchases.require_purchase(ctx, customer_id)
    check, resolved = await _check(
        ctx,
        customer_id=customer_id,
        subscription=subscription,
        term_duration=term_duration,
        billing_cycle=billing_cycle,
        quantity=quantity,
    )
    if check.errors or resolved is None:
        code, why = check.errors[0] if check.errors else (NO_SUCCESSOR, "No successor.")
        raise BadRequest(f"{why} (POST .../migrations/newcommerce/validate lists every condition.)").with_code(
            code, "NewCommerceMigrationNotEligible"
        )
    legacy_ends_at = subscriptions.renews_at(subscription)
    migrated, order_id = await replace_subscription(
        ctx,
        source=subscription,
        resolved=resolved,
        quantity=check.quantity,
        transaction_type="newCommerceMigration",
        ends_at=None if purchase_full_term else legacy_ends_at,
    )
    await subscriptions.end_by_replacement(ctx, subscription, action="migrate to new commerce")
    migration = NewCommerceMigration(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=customer_id,
        partner_tenant_id=ctx.tenant_id,
        current_subscription_id=subscription.id,
        new_commerce_subscription_id=migrated.id,
        new_commerce_order_id=order_id,
        catalog_item_id=migrated.offer_id,
        quantity=migrated.quantity,
        term_duration=check.term_duration,
        billing_cycle=migrated.billing_cycle or check.billing_cycle,
        purchase_full_term=purchase_full_term,
        external_reference_id=external_reference_id,
        status=MigrationStatus.COMPLETED,
        started_at=ctx.now,
        completed_at=ctx.now,
        subscription_end_date=subscriptions.utc_midnight(migrated.commitment_end_date),
    )
    await add_now(ctx.session, migration)
    await record_change(
        ctx,
        event="subscription-updated",
        operation_type="migrate_to_new_commerce",
        resource_type="Subscription",
        resource_id=subscription.id,
        tenant_id=ctx.tenant_id,
        customer_id=customer_id,
        data={"newCommerceMigrationId": str(migration.id), "newCommerceSubscriptionId": str(migrated.id)},
        old_value={"offerId": subscription.offer_id, "quantity": subscription.quantity},
        new_value={"offerId": migrated.offer_id, "quantity": migrated.quantity},
    )
    return migration


async def get_migration(
    ctx: PartnerContext, *, customer_id: uuid.UUID, migration_id: uuid.UUID
) -> NewCommerceMigration:
    """A migration the caller made for a customer it sees."""
    await subscriptions.require_subscriptions_view(ctx, customer_id)
    mine = [
        NewCommerceMigration.customer_tenant_id == customer_id,
        NewCommerceMigration.partner_tenant_id == ctx.tenant_id,
    ]
    return await lookup.one(ctx, NewCommerceMigration, migration_id, what="NewCommerceMigration", where=mine)
