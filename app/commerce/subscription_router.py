"""Partner Center's subscriptions: reads and updates, add-ons, transitions (upgrades), migrations to new commerce,
and the entitlements they give."""

import uuid
from typing import Annotated, Any

from fastapi import Query, Request

from app.commerce import addons, migrations, subscriptions, transitions
from app.commerce.subscription_schemas import (
    Eligibility,
    EligibilityError,
    EntitlementOut,
    MigrationErrorOut,
    NewCommerceEligibilityOut,
    NewCommerceMigrationIn,
    NewCommerceMigrationOut,
    NewCommerceSubscriptionOut,
    ReferenceOrder,
    SubscriptionEligibility,
    SubscriptionEligibilityError,
    SubscriptionPatch,
    TransitionEligibilityOut,
    TransitionIn,
    TransitionOut,
)
from app.kernel.pagination import Collection, Page, collection
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller, reads_ahead
from app.models import Subscription

router = PARTNER_CENTER_API.router(tags=["partner center: orders and subscriptions"])
SUBSCRIPTION = "/customers/{customer_id}/subscriptions/{subscription_id}"


def subscription_out(
    ctx: PartnerCaller, s: Subscription | subscriptions.ShownSubscription
) -> NewCommerceSubscriptionOut:
    return NewCommerceSubscriptionOut.of(s, now=ctx.now, has_addons=addons.has_purchasable_addons(s))


def _all(request: Request, items: list[Any]) -> Collection[Any]:
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


@router.get(
    "/customers/{customer_id}/subscriptions",
    response_model=Collection[NewCommerceSubscriptionOut],
    summary="The subscriptions the partner sold this customer",
)
@reads_ahead(subscriptions.LISTED_AHEAD)
async def list_subscriptions(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    """Only where the relationship shows subscriptions (REL-4)."""
    return _all(request, [subscription_out(ctx, s) for s in await subscriptions.show_subscriptions(ctx, customer_id)])


@router.get(SUBSCRIPTION, response_model=NewCommerceSubscriptionOut, summary="Read a subscription")
@reads_ahead(subscriptions.SHOWN_AHEAD)
async def read_subscription(ctx: PartnerCaller, customer_id: uuid.UUID, subscription_id: uuid.UUID) -> Any:
    return subscription_out(ctx, await subscriptions.show_subscription(ctx, customer_id, subscription_id))


@router.patch(
    SUBSCRIPTION,
    response_model=NewCommerceSubscriptionOut,
    summary="Change seats, status (active, suspended, deleted), auto-renew or the next term",
)
async def update_subscription(
    ctx: PartnerCaller, customer_id: uuid.UUID, subscription_id: uuid.UUID, body: SubscriptionPatch
) -> Any:
    """COM-8: seats up any time; seats down and cancellation (`status: deleted`) only within 168 hours of purchase,
    renewal or the added tranche. A subscription that arrived by a transfer keeps what is left of the source's
    window; with none left (`cancellationAllowedUntilDate` null) it cannot be cancelled until it renews.
    `scheduledNextTermInstructions` sets the next term's seats and, with `product`, its offer, term and billing
    cycle (what `transitionEligibilities?eligibilityType=scheduled` lists)."""
    scheduled = body.scheduled_next_term_instructions
    product = scheduled.product if scheduled else None
    return subscription_out(
        ctx,
        await subscriptions.update_subscription(
            ctx,
            customer_id=customer_id,
            subscription_id=subscription_id,
            quantity=body.quantity,
            status=body.status.status if body.status else None,
            auto_renew=body.auto_renew_enabled,
            friendly_name=body.friendly_name,
            scheduled_quantity=scheduled.quantity if scheduled else None,
            scheduled_product=(
                ":".join(p for p in (product.product_id, product.sku_id, product.availability_id) if p),
                product.term_duration,
                product.billing_cycle,
            )
            if product
            else None,
        ),
    )


@router.get(
    f"{SUBSCRIPTION}/addons",
    response_model=Collection[NewCommerceSubscriptionOut],
    summary="The add-ons of a subscription",
)
async def list_addons(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID, subscription_id: uuid.UUID) -> Any:
    """Add-ons are bought with an order line naming `parentSubscriptionId`."""
    found = await addons.list_addons(ctx, customer_id=customer_id, subscription_id=subscription_id)
    return _all(request, [subscription_out(ctx, s) for s in found])


# --- transitions ------------------------------------------------------------------------------------------------


def _eligibility_out(
    source: Subscription, choice: transitions.Choice, transition_type: str, operation_id: uuid.UUID
) -> TransitionEligibilityOut:
    target = choice.target
    return TransitionEligibilityOut(
        operation_id=operation_id,
        catalog_item_id=target.offer.catalog_item_id,
        title=target.offer.title,
        description=target.offer.description,
        quantity=source.quantity,
        term_duration=target.term_duration or None,
        billing_cycle=target.billing_cycle,
        subscription_eligibilities=[
            SubscriptionEligibility(
                is_eligible=not errors,
                subscription_id=s.id,
                subscription_friendly_name=s.friendly_name or s.offer_name,
                subscription_term_duration=s.term_duration,
                subscription_billing_cycle=s.billing_cycle,
                errors=[SubscriptionEligibilityError(code=c, description=d) for c, d in errors],
            )
            for s, errors in choice.into
        ],
        eligibilities=[
            Eligibility(
                is_eligible=target.is_eligible,
                transition_type=transition_type,
                errors=[EligibilityError(code=c, type=t, description=d) for c, t, d in target.errors],
            )
        ],
    )


@router.get(
    f"{SUBSCRIPTION}/transitionEligibilities",
    response_model=Collection[TransitionEligibilityOut],
    summary="What a subscription may be upgraded to now, or changed to at renewal",
)
async def transition_eligibilities(
    ctx: PartnerCaller,
    request: Request,
    customer_id: uuid.UUID,
    subscription_id: uuid.UUID,
    eligibility_type: Annotated[transitions.EligibilityType, Query(alias="eligibilityType")] = (
        transitions.EligibilityType.IMMEDIATE
    ),
) -> Any:
    """`immediate`: upgrades in a term at least as long (COM-8), each with the customer's subscriptions of its offer
    the seats may move into (`subscriptionEligibilities`, codes 1-4); `scheduled`: any seat offer at renewal."""
    source, found = await transitions.transition_eligibilities(
        ctx, customer_id=customer_id, subscription_id=subscription_id, eligibility_type=eligibility_type
    )
    operation_id = uuid.uuid5(source.id, f"{eligibility_type}:{ctx.now.isoformat()}")
    return _all(request, [_eligibility_out(source, c, transitions.TRANSITION_ONLY, operation_id) for c in found])


@router.post(f"{SUBSCRIPTION}/transitions", response_model=TransitionOut, summary="Upgrade (transition) a subscription")
async def create_transition(
    ctx: PartnerCaller, customer_id: uuid.UUID, subscription_id: uuid.UUID, body: TransitionIn
) -> Any:
    """Every seat (full: the source is converted) or some (partial: the source keeps the rest), into a new
    subscription or, with `toSubscriptionId`, into an existing one of the target offer (one the eligibilities list
    as eligible). An upgrade is a purchase (AGR-1 and the rest); COM-8: only an eligible upgrade, in a term at least
    as long."""
    return TransitionOut.of(
        await transitions.transition_subscription(
            ctx,
            customer_id=customer_id,
            subscription_id=subscription_id,
            to_catalog_item_id=body.to_catalog_item_id,
            quantity=body.quantity,
            from_catalog_item_id=body.from_catalog_item_id,
            to_subscription_id=body.to_subscription_id,
            transition_type=body.transition_type,
            term_duration=body.term_duration,
            billing_cycle=body.billing_cycle,
        )
    )


@router.get(
    f"{SUBSCRIPTION}/transitions",
    response_model=Collection[TransitionOut],
    summary="The transitions of a subscription",
)
async def list_transitions(
    ctx: PartnerCaller, request: Request, customer_id: uuid.UUID, subscription_id: uuid.UUID
) -> Any:
    found = await transitions.list_transitions(ctx, customer_id=customer_id, subscription_id=subscription_id)
    return _all(request, [TransitionOut.of(t) for t in found])


# --- migrations to new commerce ---------------------------------------------------------------------------------


@router.post(
    "/customers/{customer_id}/migrations/newcommerce",
    response_model=NewCommerceMigrationOut,
    summary="Migrate a legacy subscription to new commerce",
)
async def migrate_to_new_commerce(ctx: PartnerCaller, customer_id: uuid.UUID, body: NewCommerceMigrationIn) -> Any:
    """The legacy subscription ends and its new-commerce successor begins (a purchase: AGR-1 and the rest; COM-8
    from then on). What TRF-1 asks of a legacy subscription before it can move."""
    return NewCommerceMigrationOut.of(
        await migrations.migrate_to_new_commerce(
            ctx,
            customer_id=customer_id,
            current_subscription_id=body.current_subscription_id,
            term_duration=body.term_duration,
            billing_cycle=body.billing_cycle,
            quantity=body.quantity,
            purchase_full_term=body.purchase_full_term,
            external_reference_id=body.external_reference_id,
        )
    )


@router.post(
    "/customers/{customer_id}/migrations/newcommerce/validate",
    response_model=NewCommerceEligibilityOut,
    summary="Would a migration to new commerce go through",
)
async def validate_migration(ctx: PartnerCaller, customer_id: uuid.UUID, body: NewCommerceMigrationIn) -> Any:
    check = await migrations.validate_migration(
        ctx,
        customer_id=customer_id,
        current_subscription_id=body.current_subscription_id,
        term_duration=body.term_duration,
        billing_cycle=body.billing_cycle,
        quantity=body.quantity,
    )
    return NewCommerceEligibilityOut(
        current_subscription_id=check.subscription.id,
        is_eligible=check.is_eligible,
        errors=[MigrationErrorOut(code=c, description=d) for c, d in check.errors],
        catalog_item_id=check.catalog_item_id,
        term_duration=check.term_duration,
        billing_cycle=check.billing_cycle,
        quantity=check.quantity,
    )


@router.get(
    "/customers/{customer_id}/migrations/newcommerce/{migration_id}",
    response_model=NewCommerceMigrationOut,
    summary="Read a migration to new commerce",
)
async def read_migration(ctx: PartnerCaller, customer_id: uuid.UUID, migration_id: uuid.UUID) -> Any:
    return NewCommerceMigrationOut.of(
        await migrations.get_migration(ctx, customer_id=customer_id, migration_id=migration_id)
    )


# --- entitlements -------------------------------------------------------------------------------------------------


def _entitlement_out(s: Subscription) -> EntitlementOut:
    product_id, sku_id = [*s.offer_id.split(":"), ""][:2]
    return EntitlementOut(
        reference_order=ReferenceOrder(id=s.order_id, line_item_id="0"),
        product_id=product_id,
        sku_id=sku_id,
        quantity=s.quantity,
        fulfillment_state="Fulfilled",
        entitlement_type="software" if s.product_type == "Software" else "subscription",
        expiry_date=subscriptions.utc_midnight(s.commitment_end_date),
        subscription_id=s.id,
        id=subscriptions.entitlement_of(s.id),
    )


@router.get(
    "/customers/{customer_id}/entitlements",
    response_model=Collection[EntitlementOut],
    summary="What the customer is entitled to by the partner's active subscriptions",
)
async def list_entitlements(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    return _all(request, [_entitlement_out(s) for s in await subscriptions.list_entitled(ctx, customer_id)])


@router.get(
    "/customers/{customer_id}/entitlements/{entitlement_id}",
    response_model=EntitlementOut,
    summary="One entitlement (a subscription's `links.entitlement`)",
)
async def read_entitlement(ctx: PartnerCaller, customer_id: uuid.UUID, entitlement_id: uuid.UUID) -> Any:
    return _entitlement_out(await subscriptions.get_entitled(ctx, customer_id, entitlement_id))
