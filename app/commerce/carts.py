"""Carts: the way new-commerce clients buy. A cart holds line items for one customer; its checkout places them
through the ordering service (`orders.place_order`), so every purchase rule applies as to `POST .../orders`.

How a checkout answers (Partner Center's CartCheckoutResult):
- Who may buy for whom is asked once for the whole cart (`purchases.require_purchase`: COM-2, REL-3, REL-5, AGR-1):
  a refusal answers the 4xx with its rule, as `POST .../orders` does, and changes nothing; the cart stays Active,
  to be checked out once the cause is fixed (the MCA attested, say).
- Each order group (lines of one product type and billing cycle: one order each) is then placed on its own, in a
  savepoint: a group refused by a rule about its lines (COM-3's partner of record, COM-4, the catalog) changes
  nothing and is answered in `orderErrors` (`orderGroupId`, `code`, `description`, `rule`), while the other groups
  become orders. A checkout that placed at least one order is final: the cart is Ordered, and checking it out again
  answers the same result. One that placed none leaves the cart Active.
- A cart expires 7 days after its creation (sandbox clock); its checkout is then refused (409 CartExpired).
"""

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.catalog import service as catalog
from app.commerce import orders, purchases
from app.commerce.lifecycle import CART, CART_LIFETIME
from app.customers import service as customers
from app.events.service import move, record_change
from app.kernel import lookup, timers
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, DomainError
from app.kernel.statements import add_now
from app.models import Cart, CartStatus, Order, Tenant

EXPIRE_TIMER = "cart.expire"
TRANSACTION_RESELLER = "transaction_reseller"


def snake_case(value: str) -> str:
    """`OneTime`, `oneTime`, `ONE_TIME`, `one-time` -> `one_time`: Partner Center's carts speak snake_case."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value.strip())
    return re.sub(r"[\s-]+", "_", spaced).lower()


@dataclass(frozen=True)
class CartLine:
    """A line as the partner asks for it."""

    catalog_item_id: str
    quantity: int
    billing_cycle: str | None = None
    term_duration: str | None = None
    friendly_name: str | None = None
    currency_code: str | None = None
    participants: list[tuple[str, str]] = field(default_factory=list)
    provisioning_context: dict[str, str] = field(default_factory=dict)
    promotion_id: str | None = None
    renews_to: str | None = None


@dataclass(frozen=True)
class CheckoutResult:
    orders: list[Order]
    order_errors: list[dict[str, Any]]


def _partner_on_record(number: int, participants: list[tuple[str, str]]) -> str | None:
    on_record = [value for key, value in participants if snake_case(key) == TRANSACTION_RESELLER]
    unknown = sorted({key for key, _ in participants if snake_case(key) != TRANSACTION_RESELLER})
    if unknown:
        raise BadRequest(
            f"Line item {number}: participants take the key {TRANSACTION_RESELLER} (the indirect reseller's "
            f"PartnerID on record), not {', '.join(unknown)}."
        )
    if len(on_record) > 1:
        raise BadRequest(f"Line item {number}: name one {TRANSACTION_RESELLER} at most.")
    return on_record[0] if on_record else None


def _priced(ctx: PartnerContext, customer: Tenant, lines: list[CartLine]) -> list[dict[str, Any]]:
    """The lines as the cart keeps and shows them: each resolved in the catalog for the customer's country (the
    same resolution as an order's, COM-4 included), numbered in array order, grouped into the orders its checkout
    will place."""
    groups: dict[tuple[str, str], str] = {}
    kept: list[dict[str, Any]] = []
    for number, line in enumerate(lines):
        cycle = snake_case(line.billing_cycle) if line.billing_cycle else None
        try:
            resolved = catalog.resolve(
                line.catalog_item_id,
                term_duration=line.term_duration or None,
                billing_cycle=cycle,
                country=customer.country,
                quantity=line.quantity,
            )
        except DomainError as refused:
            refused.message = f"Line item {number}: {refused.message}"
            refused.args = (refused.message,)
            raise
        if line.currency_code and line.currency_code.upper() != resolved.currency:
            raise BadRequest(
                f"Line item {number}: this customer buys in {resolved.currency}, not {line.currency_code}."
            )
        try:
            terms = orders.line_terms(
                resolved,
                promotion_id=line.promotion_id,
                renews_to=line.renews_to,
                country=customer.country,
                now=ctx.now,
            )
        except DomainError as refused:
            refused.message = f"Line item {number}: {refused.message}"
            refused.args = (refused.message,)
            raise
        on_record = _partner_on_record(number, line.participants)
        group = groups.setdefault((resolved.offer.product_type.value, resolved.billing_cycle), str(len(groups)))
        kept.append(
            {
                "id": number,
                "catalogItemId": resolved.offer.catalog_item_id,
                "friendlyName": line.friendly_name,
                "quantity": line.quantity,
                "currencyCode": resolved.currency,
                "billingCycle": resolved.billing_cycle,
                "termDuration": resolved.term.duration or None,
                "participants": [{"key": TRANSACTION_RESELLER, "value": on_record}] if on_record else [],
                "provisioningContext": dict(line.provisioning_context),
                "orderGroup": group,
                "promotionId": terms.promotion_id,
                "renewsTo": {"termDuration": terms.renews_to} if terms.renews_to else None,
                "pricing": _pricing(resolved, terms, line.quantity),
            }
        )
    return kept


def _pricing(resolved: catalog.Resolved, terms: orders.LineTerms, quantity: int) -> dict[str, str]:
    """As the order line it becomes will be priced."""
    line = orders.OrderLine(
        line_item_number=0,
        offer_id=resolved.offer.catalog_item_id,
        subscription_id=None,
        term_duration=resolved.term.duration or None,
        quantity=quantity,
        partner_id_on_record=None,
    )
    return orders.line_pricing(resolved.unit_price, terms.unit_price, line)


async def create_cart(ctx: PartnerContext, *, customer_id: uuid.UUID, line_items: list[CartLine]) -> Cart:
    """A cart for a customer the partner sees, its lines resolved as an order's would be (an unknown or unsold
    offer, COM-4, a wrong term, cycle or quantity answer 4xx naming the line). It expires in 7 days."""
    # The customer's tenant as the visibility read found it: dropped, it left the session's (weak) identity map, and
    # pricing read it again.
    customer = (await customers.get_visible_customer(ctx, customer_id)).tenant
    cart = Cart(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=customer_id,
        partner_tenant_id=ctx.tenant_id,
        status=CartStatus.ACTIVE,
        line_items=_priced(ctx, customer, line_items),
        created_at=ctx.now,
        updated_at=ctx.now,
        expires_at=ctx.now + CART_LIFETIME,
        last_modified_user=ctx.actor.name,
    )
    await add_now(ctx.session, cart)
    await timers.schedule(ctx, kind=EXPIRE_TIMER, ref=cart.id, due_at=cart.expires_at)
    await record_change(
        ctx,
        event="cart-created",
        operation_type="create_cart",
        resource_type="Cart",
        resource_id=cart.id,
        tenant_id=ctx.tenant_id,
        customer_id=customer_id,
        new_value={"lineItems": len(cart.line_items)},
    )
    return cart


async def get_cart(
    ctx: PartnerContext, *, customer_id: uuid.UUID, cart_id: uuid.UUID, for_update: bool = False
) -> Cart:
    """A cart the calling partner made for a customer it sees; any other is not found."""
    await customers.get_visible_customer(ctx, customer_id)
    mine = [Cart.customer_tenant_id == customer_id, Cart.partner_tenant_id == ctx.tenant_id]
    return await lookup.one(ctx, Cart, cart_id, what="Cart", where=mine, for_update=for_update)


def _require_open(ctx: SandboxContext, cart: Cart) -> None:
    if cart.status is CartStatus.ORDERED:
        raise Conflict(f"Cart {cart.id} was checked out; create a new cart.").with_code(710010, "CartCheckedOut")
    if cart.status is CartStatus.EXPIRED or ctx.now >= cart.expires_at:
        raise Conflict(
            f"Cart {cart.id} expired at {cart.expires_at.isoformat()} (a cart is checked out within 7 days of its "
            "creation); create a new cart."
        ).with_code(710011, "CartExpired")


async def update_cart(
    ctx: PartnerContext, *, customer_id: uuid.UUID, cart_id: uuid.UUID, line_items: list[CartLine]
) -> Cart:
    """The cart's lines replaced (Partner Center's PUT: the whole cart sent back), while it is Active."""
    cart = await get_cart(ctx, customer_id=customer_id, cart_id=cart_id, for_update=True)
    _require_open(ctx, cart)
    cart.line_items = _priced(ctx, await lookup.one(ctx, Tenant, customer_id, what="Customer"), line_items)
    cart.updated_at, cart.last_modified_user = ctx.now, ctx.actor.name
    await record_change(
        ctx,
        event="cart-updated",
        operation_type="update_cart",
        resource_type="Cart",
        resource_id=cart.id,
        tenant_id=ctx.tenant_id,
        customer_id=customer_id,
        new_value={"lineItems": len(cart.line_items)},
    )
    await ctx.session.flush()
    return cart


async def _first_result(ctx: PartnerContext, cart: Cart) -> CheckoutResult:
    kept = cart.checkout or {}
    ids = [uuid.UUID(i) for i in kept.get("orderIds", [])]
    found = {
        o.id: o
        for o in (
            await ctx.session.execute(select(Order).where(Order.sandbox_id == ctx.sandbox_id, Order.id.in_(ids)))
        ).scalars()
    }
    return CheckoutResult(orders=[found[i] for i in ids if i in found], order_errors=list(kept.get("orderErrors", [])))


async def checkout(ctx: PartnerContext, *, customer_id: uuid.UUID, cart_id: uuid.UUID) -> CheckoutResult:
    """The cart's order groups placed through `orders.place_order` (COM-1..4, REL-3, REL-5, AGR-1: see the module's
    docstring for what refuses the whole checkout and what lands in orderErrors). A checked-out cart answers its
    first result; an expired one is refused."""
    cart = await get_cart(ctx, customer_id=customer_id, cart_id=cart_id, for_update=True)
    if cart.status is CartStatus.ORDERED:
        return await _first_result(ctx, cart)
    _require_open(ctx, cart)
    await purchases.require_purchase(ctx, customer_id)  # the whole cart's: refused, nothing changes
    groups: dict[str, list[dict[str, Any]]] = {}
    for line in cart.line_items:
        groups.setdefault(str(line["orderGroup"]), []).append(line)
    placed: list[Order] = []
    errors: list[dict[str, Any]] = []
    for group, lines in groups.items():
        asked = [
            orders.LineItem(
                line_item_number=number,
                offer_id=str(line["catalogItemId"]),
                quantity=int(line["quantity"]),
                term_duration=line.get("termDuration"),
                billing_cycle=line.get("billingCycle"),
                partner_id_on_record=next((p["value"] for p in line.get("participants", [])), None),
                friendly_name=line.get("friendlyName"),
                promotion_id=line.get("promotionId"),
                renews_to=(line.get("renewsTo") or {}).get("termDuration"),
            )
            for number, line in enumerate(lines)
        ]
        try:
            async with ctx.session.begin_nested():  # a refused group leaves nothing behind
                placed.append(await orders.place_order(ctx, customer_id=customer_id, line_items=asked))
        except DomainError as refused:
            if refused.status_code >= 500:
                raise
            errors.append(
                {"orderGroupId": group, "code": refused.code, "description": refused.message, "rule": refused.rule}
            )
    result = CheckoutResult(orders=placed, order_errors=errors)
    if not placed:
        return result  # nothing was ordered: the cart stays Active, to be fixed and checked out again
    cart.checkout = {"orderIds": [str(o.id) for o in placed], "orderErrors": errors}
    cart.updated_at, cart.last_modified_user = ctx.now, ctx.actor.name
    await move(
        ctx,
        cart,
        CART,
        CartStatus.ORDERED,
        action="checkout",
        event="cart-checked-out",
        resource_type="Cart",
        tenant_ids=[cart.partner_tenant_id],
    )
    await timers.cancel(ctx, kind=EXPIRE_TIMER, ref=cart.id)
    await ctx.session.flush()
    return result


@timers.on_timer(EXPIRE_TIMER)
async def _expire(ctx: SandboxContext, timer: timers.Due) -> None:
    """Seven days on, a cart not checked out expires."""
    cart = await lookup.one(ctx, Cart, uuid.UUID(timer.ref), what="Cart", for_update=True)
    if cart.status is CartStatus.ACTIVE:
        await move(
            ctx,
            cart,
            CART,
            CartStatus.EXPIRED,
            action="expire",
            event="cart-expired",
            resource_type="Cart",
            tenant_ids=[cart.partner_tenant_id],
        )
