"""Partner Center's orders and order requests (its subscriptions: `subscription_router`); the control routes for
subscriptions bought outside CSP (multi-channel)."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request, status

from app.commerce import order_requests, orders, service
from app.commerce.schemas import (
    ExistingSubscriptionCreate,
    OrderCreate,
    OrderLineItemIn,
    OrderLineItemProvisioningStatusOut,
    OrderOut,
    OrderPatch,
    OrderRequestCreate,
    OrderRequestOut,
    RejectIn,
    SubscriptionList,
    SubscriptionOut,
)
from app.identity import service as identity
from app.kernel.errors import BadRequest
from app.kernel.pagination import Collection, Page, PageRequest, collection, page_request
from app.kernel.pipeline import PARTNER_CENTER_API, Operator, PartnerCaller, control_router, reads_ahead

partner = PARTNER_CENTER_API.router(tags=["partner center: orders and subscriptions"])
control = control_router(tags=["control: tenants"])
Pages = Annotated[PageRequest, Depends(page_request)]


def _line_items(given: list[OrderLineItemIn], *, billing_cycle: str | None) -> list[orders.LineItem]:
    """The lines asked for; a line without its own billing cycle takes the order's."""
    return [
        orders.LineItem(
            line_item_number=li.line_item_number,
            offer_id=li.offer_id,
            quantity=li.quantity,
            term_duration=li.term_duration,
            billing_cycle=li.billing_cycle or billing_cycle,
            partner_id_on_record=li.partner_id_on_record,
            friendly_name=li.friendly_name,
            parent_subscription_id=li.parent_subscription_id,
            promotion_id=li.promotion_id,
            renews_to=li.renews_to.term_duration if li.renews_to else None,
        )
        for li in given
    ]


@partner.post(
    "/customers/{customer_id}/orders",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    summary="Place an order for a customer",
)
async def place_order(ctx: PartnerCaller, customer_id: uuid.UUID, body: OrderCreate) -> Any:
    """COM-1..4, REL-3, REL-5, AGR-1: see the rules; each line becomes a new-commerce subscription when the order is
    provisioned (at once, or pending for the sandbox's `orderProvisioningSeconds`)."""
    if body.reference_customer_id is not None and body.reference_customer_id != customer_id:
        raise BadRequest("referenceCustomerId names another customer than the path; leave it out or make them match.")
    lines = _line_items(body.line_items, billing_cycle=body.billing_cycle)
    return OrderOut.of(await orders.place_order(ctx, customer_id=customer_id, line_items=lines))


@partner.get("/customers/{customer_id}/orders", response_model=Collection[OrderOut], summary="The order history")
async def list_orders(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID, page: Pages) -> Any:
    found = await orders.list_orders(ctx, customer_id, page)
    return collection(request, found, [OrderOut.of(o) for o in found.items])


@partner.get("/customers/{customer_id}/orders/{order_id}", response_model=OrderOut, summary="Read an order")
@reads_ahead(orders.SHOWN_AHEAD)
async def read_order(ctx: PartnerCaller, customer_id: uuid.UUID, order_id: uuid.UUID) -> Any:
    return OrderOut.of(await orders.show_order(ctx, customer_id, order_id))


@partner.patch("/customers/{customer_id}/orders/{order_id}", response_model=OrderOut, summary="Cancel a pending order")
async def cancel_order(ctx: PartnerCaller, customer_id: uuid.UUID, order_id: uuid.UUID, body: OrderPatch) -> Any:
    """`{"status": "cancelled"}` while the order is pending (not yet provisioned); 409 once it is."""
    return OrderOut.of(await orders.cancel_order(ctx, customer_id=customer_id, order_id=order_id))


@partner.get(
    "/customers/{customer_id}/orders/{order_id}/provisioningstatus",
    response_model=Collection[OrderLineItemProvisioningStatusOut],
    summary="The provisioning status of an order's line items",
)
async def read_provisioning_status(
    ctx: PartnerCaller, request: Request, customer_id: uuid.UUID, order_id: uuid.UUID
) -> Any:
    found = await orders.provisioning_status(ctx, customer_id=customer_id, order_id=order_id)
    items = [OrderLineItemProvisioningStatusOut.of(line) for line in found]
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


@partner.post(
    "/orderrequests",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderRequestOut,
    summary="Ask your provider to order for a customer (indirect reseller)",
)
async def request_order(ctx: PartnerCaller, body: OrderRequestCreate) -> Any:
    """COM-2: an indirect reseller's way to buy."""
    lines = _line_items(body.line_items, billing_cycle=None)
    return OrderRequestOut.model_validate(
        await order_requests.request_order(
            ctx, customer_id=body.customer_id, indirect_provider_id=body.indirect_provider_id, line_items=lines
        )
    )


@partner.get("/orderrequests", response_model=Collection[OrderRequestOut], summary="List order requests")
async def list_order_requests(ctx: PartnerCaller, request: Request, page: Pages) -> Any:
    found = await order_requests.list_order_requests(ctx, page)
    return collection(request, found, [OrderRequestOut.model_validate(r) for r in found.items])


@partner.post(
    "/orderrequests/{request_id}/fulfill", response_model=OrderRequestOut, summary="Fulfil an order request (provider)"
)
async def fulfill_order_request(ctx: PartnerCaller, request_id: uuid.UUID) -> Any:
    """The provider's order, with the reseller as partner of record (COM-3); the reseller is notified."""
    request, _ = await order_requests.fulfill(ctx, request_id=request_id)
    return OrderRequestOut.model_validate(request)


@partner.post(
    "/orderrequests/{request_id}/reject", response_model=OrderRequestOut, summary="Reject an order request (provider)"
)
async def reject_order_request(ctx: PartnerCaller, request_id: uuid.UUID, body: RejectIn) -> Any:
    return OrderRequestOut.model_validate(await order_requests.reject(ctx, request_id=request_id, reason=body.reason))


@control.post(
    "/tenants/{tenant_id}/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionOut,
    summary="Give a customer a subscription bought outside CSP",
)
async def add_existing_subscription(ctx: Operator, tenant_id: uuid.UUID, body: ExistingSubscriptionCreate) -> Any:
    """Bought directly from Microsoft or through an advisor (partnerOfRecord): multi-channel (REL-8) leaves it be."""
    customer = await identity.get_tenant(ctx, tenant_id)
    return SubscriptionOut.model_validate(
        await service.record_existing_subscription(ctx, customer, **body.model_dump())
    )


@control.get(
    "/tenants/{tenant_id}/subscriptions",
    response_model=SubscriptionList,
    summary="Every subscription of a customer, whatever its channel",
)
async def list_customer_subscriptions(ctx: Operator, tenant_id: uuid.UUID) -> Any:
    customer = await identity.get_tenant(ctx, tenant_id)
    subs = await service.customer_subscriptions(ctx, customer.id)
    return SubscriptionList(items=[SubscriptionOut.model_validate(s) for s in subs])
