"""Partner Center's carts: create, read, update, check out (new commerce's way to buy)."""

import uuid
from typing import Any

from fastapi import status

from app.commerce import carts
from app.commerce.cart_schemas import CartCheckoutResultOut, CartIn, CartOut, OrderErrorOut
from app.commerce.schemas import OrderOut
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller

partner = PARTNER_CENTER_API.router(tags=["partner center: orders and subscriptions"])
CART = "/customers/{customer_id}/carts/{cart_id}"


def _lines(body: CartIn) -> list[carts.CartLine]:
    return [
        carts.CartLine(
            catalog_item_id=li.catalog_item_id,
            quantity=li.quantity,
            billing_cycle=li.billing_cycle,
            term_duration=li.term_duration,
            friendly_name=li.friendly_name,
            currency_code=li.currency_code,
            participants=[(p.key, p.value) for p in li.participants],
            provisioning_context=li.provisioning_context,
            promotion_id=li.promotion_id,
            renews_to=li.renews_to.term_duration if li.renews_to else None,
        )
        for li in body.line_items
    ]


@partner.post(
    "/customers/{customer_id}/carts",
    status_code=status.HTTP_201_CREATED,
    response_model=CartOut,
    response_model_exclude_none=True,
    summary="Create a cart",
)
async def create_cart(ctx: PartnerCaller, customer_id: uuid.UUID, body: CartIn) -> Any:
    """Line items in array order (ids 0..n), each resolved as an order line is (COM-4), grouped into the orders the
    checkout will place; `billingCycle` in snake_case; no `termDuration` for the Azure plan and perpetual software.
    A line's `promotionId` must be one `GET /v1/productpromotions` lists for it (400 otherwise; its discount shows in
    `pricing`), its `renewsTo.termDuration` a term the offer sells. The cart expires 7 days after its creation."""
    return CartOut.of(await carts.create_cart(ctx, customer_id=customer_id, line_items=_lines(body)))


@partner.get(CART, response_model=CartOut, response_model_exclude_none=True, summary="Read a cart")
async def read_cart(ctx: PartnerCaller, customer_id: uuid.UUID, cart_id: uuid.UUID) -> Any:
    return CartOut.of(await carts.get_cart(ctx, customer_id=customer_id, cart_id=cart_id))


@partner.put(CART, response_model=CartOut, response_model_exclude_none=True, summary="Update a cart")
async def update_cart(ctx: PartnerCaller, customer_id: uuid.UUID, cart_id: uuid.UUID, body: CartIn) -> Any:
    """The whole cart sent back with its lines changed (its read-only fields are ignored), while it is Active."""
    return CartOut.of(await carts.update_cart(ctx, customer_id=customer_id, cart_id=cart_id, line_items=_lines(body)))


@partner.post(
    f"{CART}/checkout",
    status_code=status.HTTP_201_CREATED,
    response_model=CartCheckoutResultOut,
    summary="Check out a cart",
)
async def checkout_cart(ctx: PartnerCaller, customer_id: uuid.UUID, cart_id: uuid.UUID) -> Any:
    """The cart's order groups placed as `POST .../orders` places an order (COM-1..4, REL-3, REL-5, AGR-1). Who may
    buy for the customer is the whole cart's: a refusal is a 4xx and changes nothing. A group refused for its lines
    is answered in `orderErrors`, the others become orders. A checked-out cart answers its first result; an
    expired one (7 days after creation) is refused, 409."""
    result = await carts.checkout(ctx, customer_id=customer_id, cart_id=cart_id)
    return CartCheckoutResultOut(
        orders=[OrderOut.of(o) for o in result.orders],
        order_errors=[OrderErrorOut.model_validate(e) for e in result.order_errors],
    )
