"""Add-ons: subscriptions bought on top of a base subscription (Partner Center's `parentSubscriptionId`), through
the one ordering path (`orders.place_order`), co-termed with their base and cancelled with it.

    base subscription (active) <──parentSubscriptionId── add-on subscription (active, same term end)
"""

import uuid

from app.catalog.offers import OFFERS, Offer
from app.commerce import subscriptions
from app.kernel import lookup
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict
from app.models import Subscription, SubscriptionStatus

# Partner Center's codes (its REST error list) for an add-on line that cannot be bought: invalid request input, the
# add-on is not related to the parent subscription, a child cannot be enabled when its parent is not active.
PARENT_REQUIRED = 800002
NOT_AN_ADDON = 800002
NOT_AN_ADDON_OF_PARENT = 800029
PARENT_NOT_ACTIVE = 27009


def has_purchasable_addons(subscription: Subscription | subscriptions.ShownSubscription) -> bool:
    product_id = subscription.offer_id.split(":")[0].upper()
    return subscription.is_new_commerce and any(product_id in o.addon_of for o in OFFERS)


async def require_parent(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    offer: Offer,
    term_duration: str | None,
    parent_subscription_id: uuid.UUID | None,
) -> Subscription | None:
    """An order line's base subscription: an add-on names one (`parentSubscriptionId`), of a product it is an add-on
    of, active, sold by the caller to this customer, in the add-on's term; any other offer names none."""
    if parent_subscription_id is None:
        if offer.is_addon:
            raise BadRequest(
                f"{offer.title} is an add-on: name the base subscription it is for in parentSubscriptionId."
            ).with_code(PARENT_REQUIRED, "ParentSubscriptionRequired")
        return None
    if not offer.is_addon:
        raise BadRequest(f"{offer.title} is not an add-on: leave parentSubscriptionId out.").with_code(
            NOT_AN_ADDON, "NotAnAddOn"
        )
    parent = await subscriptions.get_subscription(ctx, customer_id, parent_subscription_id, for_update=True)
    if parent.offer_id.split(":")[0].upper() not in offer.addon_of:
        raise BadRequest(f"{offer.title} is not an add-on of {parent.offer_name}.").with_code(
            NOT_AN_ADDON_OF_PARENT, "InvalidParentSubscription"
        )
    if parent.status is not SubscriptionStatus.ACTIVE:
        raise Conflict(f"The base subscription is {parent.status}: add-ons are bought on an active one.").with_code(
            PARENT_NOT_ACTIVE, "SubscriptionNotActive"
        )
    if term_duration != parent.term_duration:
        raise BadRequest(
            f"An add-on takes its base subscription's term: buy {offer.title} with termDuration {parent.term_duration}."
        )
    return parent


async def attach(ctx: SandboxContext, addon: Subscription) -> None:
    """A provisioned add-on's term ends with its base's (it renews with it)."""
    if addon.parent_subscription_id is not None:
        parent = await lookup.one(ctx, Subscription, addon.parent_subscription_id, what="Subscription")
        await subscriptions.co_term(ctx, addon, ends_at=subscriptions.renews_at(parent))


async def list_addons(ctx: PartnerContext, *, customer_id: uuid.UUID, subscription_id: uuid.UUID) -> list[Subscription]:
    """The add-ons of a subscription the caller sees (REL-4 as for every subscription read)."""
    parent = await subscriptions.get_subscription(ctx, customer_id, subscription_id)
    return [a for a in await subscriptions.addons_of(ctx, parent) if a.partner_tenant_id == ctx.tenant_id]
