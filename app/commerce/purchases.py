"""The one gate every purchase-like action passes before it buys: a new order (and so an order request's
fulfilment), a seat increase, and, as they come, a cart's checkout, an add-on and an upgrade.

Asking the same three questions in the same order everywhere is what keeps a seat increase from slipping past the
MCA that a new order needs (the audit's AGR-1 hole): a new action calls `require_purchase`, never the parts."""

import uuid

from app.billing import service as billing
from app.customers import agreements
from app.customers import service as customers
from app.kernel.context import PartnerContext
from app.kernel.errors import RuleViolation
from app.programs import service as programs


async def require_purchase(ctx: PartnerContext, customer_id: uuid.UUID) -> customers.PurchaseRoute:
    """May the calling partner buy for this customer? Answers the relationship the purchase goes through, and the
    customer.

    COM-1 and COM-2: a partner buys as a direct-bill partner or as an indirect provider; an indirect reseller does
    not (it asks its provider, POST /v1/orderrequests). REL-3 and REL-5: the purchase goes through a relationship
    the partner holds with the customer in that capacity (`customers.require_purchase_relationship`). AGR-1: the
    MCA holds for the partner (`agreements.require_mca`).

    The transition (seed 001, "you continue to manage your direct customers' subscription needs, including the
    billing process"): **a partner whose direct-bill enrollment is Restricted keeps its direct-bill capability for
    the customers it acquired as a direct-bill partner: it orders for them, adds and removes seats, cancels within
    the window, and bills them, as before. It does so as a person in Partner Center: the API went with the active
    enrollment (PRG-9). It adds no new customers (REL-2), and it never uses direct bill for a customer it acquired
    as an indirect reseller (REL-3): those are served by its provider.** The transition ends as the partner moves
    those customers and their subscriptions to its provider (REL-6, TRF-4)."""
    can = await programs.caller_capabilities(ctx)  # the first rule: as the request found the caller
    if not (can.serves_direct_customers or can.indirect_provider):
        raise RuleViolation(
            "COM-2",
            "An indirect reseller cannot place orders: ask your provider to order for your "
            "customer (POST /v1/orderrequests).",
        )
    route = await customers.require_purchase_relationship(ctx, customer_id, agreements.MCA_HOLDS, billing.RUN_WAITING)
    await agreements.require_mca(ctx, customer_id, holds=bool(route.also[0]))
    billing.run_known(
        ctx,
        partner_tenant_id=ctx.tenant_id,
        customer_tenant_id=customer_id,
        country=route.customer.country,
        waiting=route.also[1],
    )
    return route
