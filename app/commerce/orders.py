"""Orders: who may buy for whom (COM-1, COM-2, REL-3, REL-5, AGR-1), what (COM-4), with whom on record (COM-3);
provisioning (at once, or after `orderProvisioningSeconds` on the sandbox clock) and cancellation while pending."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select

from app.billing import service as billing
from app.catalog import service as catalog
from app.commerce import addons, purchases, subscriptions
from app.commerce.lifecycle import ORDER
from app.commerce.next_term import TERM_MONTHS
from app.commerce.subscriptions import create_subscription
from app.customers import service as customers
from app.events.service import move, record_change
from app.kernel import lookup, timers
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, NotFound, RuleViolation
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.principals import ReadAhead
from app.kernel.statements import Read, add_now
from app.models import (
    Order,
    OrderStatus,
    PartnerProfile,
    RelationshipKind,
    Subscription,
    SubscriptionChannel,
)
from app.programs import service as programs
from app.providers import service as providers

PROVISION_TIMER = "order.provision"


@dataclass(frozen=True)
class LineItem:
    """A line a partner asks for: in an order, or in an order request until its provider fulfils it."""

    line_item_number: int
    offer_id: str
    quantity: int
    term_duration: str | None
    billing_cycle: str | None
    partner_id_on_record: str | None
    friendly_name: str | None
    parent_subscription_id: uuid.UUID | None = None  # an add-on's base subscription
    promotion_id: str | None = None  # a promotion GET /v1/productpromotions lists
    renews_to: str | None = None  # the term the first renewal takes (Partner Center's renewsTo.termDuration)

    def as_requested(self) -> dict[str, Any]:
        """As an order request keeps it: Partner Center's names, the fields left out not written."""
        given = {
            "lineItemNumber": self.line_item_number,
            "offerId": self.offer_id,
            "quantity": self.quantity,
            "termDuration": self.term_duration,
            "billingCycle": self.billing_cycle,
            "partnerIdOnRecord": self.partner_id_on_record,
            "friendlyName": self.friendly_name,
            "parentSubscriptionId": str(self.parent_subscription_id) if self.parent_subscription_id else None,
            "promotionId": self.promotion_id,
            "renewsTo": {"termDuration": self.renews_to} if self.renews_to else None,
        }
        return {key: value for key, value in given.items() if value is not None}

    @classmethod
    def from_requested(cls, kept: dict[str, Any], *, number: int) -> "LineItem":
        return cls(
            line_item_number=int(kept.get("lineItemNumber", number)),
            offer_id=str(kept["offerId"]),
            quantity=int(kept["quantity"]),
            term_duration=kept.get("termDuration"),
            billing_cycle=kept.get("billingCycle"),
            partner_id_on_record=kept.get("partnerIdOnRecord"),
            friendly_name=kept.get("friendlyName"),
            parent_subscription_id=uuid.UUID(kept["parentSubscriptionId"])
            if kept.get("parentSubscriptionId")
            else None,
            promotion_id=kept.get("promotionId"),
            renews_to=(kept.get("renewsTo") or {}).get("termDuration"),
        )


@dataclass(frozen=True)
class OrderLine:
    """A line of an order as placed: the subscription it became."""

    line_item_number: int
    offer_id: str
    subscription_id: uuid.UUID | None  # None while the order is pending: provisioning makes the subscription
    term_duration: str | None
    quantity: int
    partner_id_on_record: str | None
    billing_cycle: str | None = None
    friendly_name: str | None = None
    unit_price: Decimal | None = None
    transferred_from: uuid.UUID | None = None
    transaction_type: str = "new"
    parent_subscription_id: uuid.UUID | None = None
    promotion_id: str | None = None
    renews_to: str | None = None
    list_price: Decimal | None = None  # before the promotion, when one applies

    def as_stored(self) -> dict[str, Any]:
        """As the order keeps it and Partner Center shows it."""
        if self.transferred_from is not None:
            # A transferred line names the subscription it replaces; its cycle and price stay the old one's.
            return {
                "lineItemNumber": self.line_item_number,
                "offerId": self.offer_id,
                "subscriptionId": str(self.subscription_id),
                "termDuration": self.term_duration,
                "billingCycle": self.billing_cycle,
                "transactionType": self.transaction_type,
                "quantity": self.quantity,
                "friendlyName": self.friendly_name,
                "partnerIdOnRecord": self.partner_id_on_record,
                "transferredFrom": str(self.transferred_from),
            }
        stored: dict[str, Any] = {
            "lineItemNumber": self.line_item_number,
            "offerId": self.offer_id,
            "subscriptionId": str(self.subscription_id),
            "termDuration": self.term_duration,
            "billingCycle": self.billing_cycle,
            "transactionType": self.transaction_type,
            "quantity": self.quantity,
            "friendlyName": self.friendly_name,
            "partnerIdOnRecord": self.partner_id_on_record,
            "unitPrice": str(self.unit_price),
        }
        if self.unit_price is not None:
            stored["pricing"] = line_pricing(self.list_price or self.unit_price, self.unit_price, self)
        if self.subscription_id is None:
            del stored["subscriptionId"]  # a pending order's line has none yet (Partner Center leaves it out)
        if self.parent_subscription_id is not None:
            stored["parentSubscriptionId"] = str(self.parent_subscription_id)
        if self.promotion_id is not None:
            stored["promotionId"] = self.promotion_id
        if self.renews_to is not None:
            stored["renewsTo"] = {"termDuration": self.renews_to}
        return stored


def line_pricing(list_price: Decimal, price: Decimal, line: "OrderLine") -> dict[str, str]:
    """Partner Center's line pricing: per unit (a month of a license term; a unit of a one-time purchase) before and
    after the promotion, and for the whole line over its term (`extendedPrice`)."""
    months = TERM_MONTHS.get(line.term_duration or "", 1)
    return {
        "listPrice": str(list_price),
        "discountedPrice": str(price),
        "proratedPrice": str(price),
        "price": str(price),
        "extendedPrice": str(price * line.quantity * months),
    }


@dataclass(frozen=True)
class LineTerms:
    """What a line's promotion and renewal make of its resolution: the price it is bought at, and what it keeps."""

    unit_price: Decimal
    promotion_id: str | None
    renews_to: str | None


def line_terms(
    resolved: catalog.Resolved, *, promotion_id: str | None, renews_to: str | None, country: str, now: datetime
) -> LineTerms:
    """An order's or a cart's line with `promotionId`: a promotion `GET /v1/productpromotions` lists for the line's
    product, SKU, term and billing cycle, running now for the customer's country (any other is refused, 400); its
    discount is taken off the unit price, and the promotion is recorded on the line and its subscription. With
    `renewsTo.termDuration`: a term the offer sells with the line's billing cycle, the one its first renewal
    takes (400 otherwise)."""
    unit_price = resolved.unit_price
    promotion = None
    if promotion_id:
        promotion = catalog.applicable_promotion(
            promotion_id,
            offer=resolved.offer,
            term=resolved.term,
            billing_cycle=resolved.billing_cycle,
            country=country,
            now=now,
        )
        unit_price = (unit_price * (1 - promotion.percent_off)).quantize(Decimal("0.01"))
    if renews_to:
        term = resolved.offer.term(renews_to)
        if term is None or not term.duration or resolved.billing_cycle not in term.billing_cycles:
            offered = ", ".join(t.duration for t in resolved.offer.terms if resolved.billing_cycle in t.billing_cycles)
            raise BadRequest(
                f"{resolved.offer.title} billed {resolved.billing_cycle} renews to {offered or 'no term'}, not "
                f"{renews_to} (renewsTo.termDuration)."
            )
    return LineTerms(
        unit_price=unit_price, promotion_id=promotion.id if promotion else None, renews_to=renews_to or None
    )


async def partner_of_record(
    ctx: PartnerContext, relationship: customers.ShownRelationship, customer_id: uuid.UUID, given: str | None
) -> str | None:
    """COM-3, for orders and transfers alike: the partner of record of what a partner buys or receives through
    `relationship`. A direct-bill partner records none. A provider records a known indirect reseller that partners
    with it and is related to the customer: one holding the customer as indirect reseller, or the one the provider
    holds the customer for (its relationship's counterpart: the reseller that created it with the provider, or the
    transitioning partner that handed it over by the extension, REL-6, and still holds it as direct bill). Left
    out, that counterpart is recorded; named, the same reseller is accepted."""
    if relationship.kind is RelationshipKind.DIRECT_BILL:
        if given:
            raise RuleViolation(
                "COM-3",
                "Only a provider records an indirect reseller as partner of record; a "
                "direct-bill partner's orders carry no partnerIdOnRecord.",
                status_code=400,
            )
        return None
    if not given:
        if relationship.counterpart_tenant_id is None:
            return None
        profile = await programs.find_profile(ctx, relationship.counterpart_tenant_id)
        return profile.partner_id if profile else None
    profile = await ctx.session.scalar(
        select(PartnerProfile).where(PartnerProfile.sandbox_id == ctx.sandbox_id, PartnerProfile.partner_id == given)
    )
    if profile is None:
        raise RuleViolation(
            "COM-3",
            f"No partner has the PartnerID {given}: name your indirect reseller's PartnerID as partner of "
            "record, or leave it out to record the reseller you hold this customer for.",
            status_code=400,
            code=800015,
            error_name="PartnerIdNotFound",
        )
    related = profile.tenant_id == relationship.counterpart_tenant_id or any(
        r.kind is RelationshipKind.INDIRECT_RESELLER
        for r in await customers.relationships_with(ctx, customer_id, profile.tenant_id)
    )
    if not related or not await providers.are_partners(ctx, provider_id=ctx.tenant_id, reseller_id=profile.tenant_id):
        raise RuleViolation(
            "COM-3",
            f"{given} is not a valid partner of record here: it must be an indirect reseller "
            "that partners with you and has a relationship with this customer.",
            status_code=400,
            code=800016,
            error_name="InvalidPartnerIdOnRecord",
        )
    return given


async def create_order(
    ctx: SandboxContext,
    *,
    order_id: uuid.UUID,
    customer_id: uuid.UUID,
    partner_tenant_id: uuid.UUID,
    line_items: list[OrderLine],
    currency: str,
    transaction_type: str = "UserPurchase",
    status: OrderStatus = OrderStatus.COMPLETED,
) -> Order:
    """The one way an order comes to be (a partner's purchase, a transfer's arrival): completed, its lines already
    subscriptions, or pending until provisioning makes them (`provision`). `order_id` was taken before the lines'
    subscriptions, which name it."""
    order = Order(
        sandbox_id=ctx.sandbox_id,
        id=order_id,
        customer_tenant_id=customer_id,
        partner_tenant_id=partner_tenant_id,
        status=status,
        transaction_type=transaction_type,
        currency=currency,
        line_items=[line.as_stored() for line in line_items],
        created_by=ctx.actor.name,
        created_at=ctx.now,
        completed_at=ctx.now if status is OrderStatus.COMPLETED else None,
    )
    await add_now(ctx.session, order)
    return order


async def place_order(ctx: PartnerContext, *, customer_id: uuid.UUID, line_items: list[LineItem]) -> Order:
    """Who may buy for whom is `purchases.require_purchase` (COM-1, COM-2, REL-3, REL-5, AGR-1, and the
    transitioning partner's direct customers). COM-4: Direct EA and pay-as-you-go Azure are not resold. COM-3: the
    partner of record. Each line is priced at today's price for its term and becomes a new-commerce subscription
    when the order is provisioned: at once, or `orderProvisioningSeconds` later (the order is pending until then).
    A cart's checkout places its orders here too."""
    partner_id = ctx.tenant_id
    route = await purchases.require_purchase(ctx, customer_id)
    relationship, customer = route.relationship, route.customer
    if not line_items:
        raise BadRequest("An order has at least one line item.")
    if len({line.line_item_number for line in line_items}) != len(line_items):
        raise BadRequest("Each line item needs its own lineItemNumber.")
    order_id = await ctx.new_id()  # first, so that each line's subscription names its order
    lines: list[OrderLine] = []
    currency = "USD"
    for line in line_items:
        resolved = catalog.resolve(
            line.offer_id,
            term_duration=line.term_duration,
            billing_cycle=line.billing_cycle,
            country=customer.country,
            quantity=line.quantity,
        )
        on_record = await partner_of_record(ctx, relationship, customer_id, line.partner_id_on_record)
        parent = await addons.require_parent(
            ctx,
            customer_id=customer_id,
            offer=resolved.offer,
            term_duration=resolved.term.duration or None,
            parent_subscription_id=line.parent_subscription_id,
        )
        currency = resolved.currency
        terms = line_terms(
            resolved,
            promotion_id=line.promotion_id,
            renews_to=line.renews_to,
            country=customer.country,
            now=ctx.now,
        )
        lines.append(
            OrderLine(
                line_item_number=line.line_item_number,
                offer_id=resolved.offer.catalog_item_id,
                subscription_id=None,
                term_duration=resolved.term.duration or None,
                billing_cycle=resolved.billing_cycle,
                quantity=line.quantity,
                friendly_name=line.friendly_name or resolved.offer.title,  # Partner Center names it after its offer
                partner_id_on_record=on_record,
                unit_price=terms.unit_price,
                parent_subscription_id=parent.id if parent else None,
                promotion_id=terms.promotion_id,
                renews_to=terms.renews_to,
                list_price=resolved.unit_price,
            )
        )
    order = await create_order(
        ctx,
        order_id=order_id,
        customer_id=customer_id,
        partner_tenant_id=partner_id,
        line_items=lines,
        currency=currency,
        status=OrderStatus.PENDING,
    )
    await ctx.session.flush()
    await record_change(
        ctx,
        event="order-created",
        operation_type="create_order",
        resource_type="Order",
        resource_id=order.id,
        tenant_id=partner_id,
        customer_id=customer_id,
        data={"customerId": str(customer_id)},
        new_value={"lineItems": len(lines)},
    )
    delay = ctx.settings.order_provisioning_seconds
    if delay == 0:
        await provision(ctx, order)
    else:
        await timers.schedule(ctx, kind=PROVISION_TIMER, ref=order.id, due_at=ctx.now + timedelta(seconds=delay))
    return order


async def replace_subscription(
    ctx: PartnerContext,
    *,
    source: Subscription,
    resolved: catalog.Resolved,
    quantity: int,
    transaction_type: str,
    ends_at: datetime | None,
) -> tuple[Subscription, uuid.UUID]:
    """A new-commerce subscription that takes over from `source` (an upgrade, a migration to new commerce): bought
    now with its own one-line order, provisioned at once, with the source's name, renewal and partner of record, and
    its term ending at `ends_at` when given (co-termed). The caller has checked who may buy and ends the source."""
    order_id = await ctx.new_id()
    successor = await create_subscription(
        ctx,
        customer_tenant_id=source.customer_tenant_id,
        channel=SubscriptionChannel.CSP,
        partner_tenant_id=ctx.tenant_id,
        order_id=order_id,
        offer_id=resolved.offer.catalog_item_id,
        offer_name=resolved.offer.title,
        friendly_name=source.friendly_name,
        product_type=resolved.offer.product_type.value,
        is_new_commerce=True,
        quantity=quantity,
        term_duration=resolved.term.duration or None,
        billing_cycle=resolved.billing_cycle,
        unit_price=resolved.unit_price,
        currency=resolved.currency,
        auto_renew=source.auto_renew,
        partner_of_record=source.partner_of_record,
        term_from=ctx.now,
        charge_kind="new",
    )
    await subscriptions.co_term(ctx, successor, ends_at=ends_at)
    line = OrderLine(
        line_item_number=0,
        offer_id=successor.offer_id,
        subscription_id=successor.id,
        term_duration=successor.term_duration,
        billing_cycle=successor.billing_cycle,
        quantity=quantity,
        friendly_name=successor.friendly_name,
        partner_id_on_record=successor.partner_of_record,
        unit_price=successor.unit_price,
        transaction_type=transaction_type,
    )
    await create_order(
        ctx,
        order_id=order_id,
        customer_id=source.customer_tenant_id,
        partner_tenant_id=ctx.tenant_id,
        line_items=[line],
        currency=resolved.currency,
    )
    return successor, order_id


async def provision(ctx: SandboxContext, order: Order) -> None:
    """A pending order is provisioned: each line becomes an active subscription whose term starts now, charged as a
    purchase, and names it; the order is completed."""
    country = await billing.customer_country(ctx, order.customer_tenant_id)
    if country is None:
        raise NotFound("Customer", order.customer_tenant_id)
    provisioned: list[dict[str, Any]] = []
    for line in order.line_items:
        resolved = catalog.resolve(
            line["offerId"],
            term_duration=line.get("termDuration"),
            billing_cycle=line.get("billingCycle"),
            country=country,
            quantity=int(line["quantity"]),
        )
        subscription = await create_subscription(
            ctx,
            customer_tenant_id=order.customer_tenant_id,
            channel=SubscriptionChannel.CSP,
            partner_tenant_id=order.partner_tenant_id,
            order_id=order.id,
            offer_id=resolved.offer.catalog_item_id,
            offer_name=resolved.offer.title,
            friendly_name=line.get("friendlyName"),
            product_type=resolved.offer.product_type.value,
            is_new_commerce=resolved.offer.new_commerce,
            quantity=int(line["quantity"]),
            term_duration=line.get("termDuration"),
            billing_cycle=resolved.billing_cycle,
            unit_price=Decimal(line["unitPrice"]),  # the price of the day the order was placed
            currency=order.currency,
            auto_renew=bool(line.get("termDuration")),
            partner_of_record=line.get("partnerIdOnRecord"),
            term_from=ctx.now,
            charge_kind="new",
            parent_subscription_id=uuid.UUID(line["parentSubscriptionId"])
            if line.get("parentSubscriptionId")
            else None,
            promotion_id=line.get("promotionId"),
        )
        renews_to = (line.get("renewsTo") or {}).get("termDuration")
        if renews_to and renews_to != subscription.term_duration:
            # The first renewal takes the asked term: the scheduled change a partner could make by PATCH.
            subscription.scheduled_catalog_item_id = subscription.offer_id
            subscription.scheduled_term_duration = renews_to
            subscription.scheduled_billing_cycle = subscription.billing_cycle
        await addons.attach(ctx, subscription)
        # In its place, as an order placed at once shows it: after the offer.
        named = {"lineItemNumber": line["lineItemNumber"], "offerId": line["offerId"], "subscriptionId": ""}
        provisioned.append({**named, **line, "subscriptionId": str(subscription.id)})
    order.line_items = provisioned
    await _move(ctx, order, OrderStatus.COMPLETED, "provision")
    await ctx.session.flush()


async def _move(ctx: SandboxContext, order: Order, target: OrderStatus, action: str) -> None:
    await move(
        ctx,
        order,
        ORDER,
        target,
        action=action,
        event="order-updated",
        resource_type="Order",
        tenant_ids=[order.partner_tenant_id],
    )


@timers.on_timer(PROVISION_TIMER)
async def _provision_when_due(ctx: SandboxContext, timer: timers.Due) -> None:
    order = await lookup.one(ctx, Order, uuid.UUID(timer.ref), what="Order", for_update=True)
    if order.status is OrderStatus.PENDING:
        await provision(ctx, order)


async def cancel_order(ctx: PartnerContext, *, customer_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    """Partner Center's `PATCH .../orders/{id}` with `status: cancelled`: a pending order is cancelled and never
    provisioned; a provisioned one is not (409: cancel its subscriptions instead, within COM-8's window)."""
    order = await get_order(ctx, customer_id, order_id, for_update=True)
    if order.status is not OrderStatus.PENDING:
        raise Conflict(
            f"Order {order.id} is {order.status}: only a pending order can be cancelled. Cancel its subscriptions "
            "instead (PATCH .../subscriptions/{id} with status deleted, within 168 hours of the purchase)."
        ).with_code(710010, "InvalidStateTransition")
    await _move(ctx, order, OrderStatus.CANCELLED, "cancel")
    await timers.cancel(ctx, kind=PROVISION_TIMER, ref=order.id)
    await ctx.session.flush()
    return order


@dataclass(frozen=True)
class LineProvisioningStatus:
    """Partner Center's OrderLineItemProvisioningStatus."""

    line_item_number: int
    status: str  # pending, fulfilled, cancelled
    quantity_provisioned: int
    subscription_id: str | None
    quantity: int


async def provisioning_status(
    ctx: PartnerContext, *, customer_id: uuid.UUID, order_id: uuid.UUID
) -> list[LineProvisioningStatus]:
    """Where each line of an order stands: pending until provisioned, then fulfilled with its seats."""
    order = await get_order(ctx, customer_id, order_id)
    status = {OrderStatus.PENDING: "pending", OrderStatus.COMPLETED: "fulfilled"}.get(order.status, "cancelled")
    return [
        LineProvisioningStatus(
            line_item_number=int(line["lineItemNumber"]),
            status=status,
            quantity_provisioned=int(line["quantity"]) if order.status is OrderStatus.COMPLETED else 0,
            subscription_id=line.get("subscriptionId"),
            quantity=int(line["quantity"]),
        )
        for line in order.line_items
    ]


async def list_orders(ctx: PartnerContext, customer_id: uuid.UUID, page: PageRequest) -> Page[Order]:
    """The orders the caller placed for a customer it sees (COM-1: order history)."""
    await customers.get_visible_customer(ctx, customer_id)
    stmt = select(Order).where(
        Order.sandbox_id == ctx.sandbox_id,
        Order.customer_tenant_id == customer_id,
        Order.partner_tenant_id == ctx.tenant_id,
    )
    return await keyset(ctx.session, stmt, keys=[Order.created_at, Order.id], page=page)


@dataclass(frozen=True, slots=True)
class ShownOrder:
    """An order as an answer shows it: the row's values, for a request that does not change it."""

    id: uuid.UUID
    customer_tenant_id: uuid.UUID
    status: OrderStatus
    transaction_type: str
    currency: str
    line_items: list[dict[str, Any]]
    created_at: datetime


# `get_order`'s two reads (the customer as the caller sees it, then the order) as one statement of values: the
# caller's relationships with the customer (none: the customer is not found), each beside the order if the caller
# placed it (none: the order is not found). Built once, read through the driver, and read ahead with the principal.
_SHOWN_ORDER = Read(
    customers.related_rows(Order, Order.id == bindparam("order_id"))
    .with_only_columns(*(getattr(Order, name) for name in ShownOrder.__dataclass_fields__), maintain_column_froms=True)
    .limit(1)
)


def _shown_params(
    sandbox_id: uuid.UUID, partner_id: uuid.UUID, customer_id: uuid.UUID, order_id: uuid.UUID
) -> dict[str, Any]:
    return {"sandbox_id": sandbox_id, "partner_id": partner_id, "customer_id": customer_id, "order_id": order_id}


# `show_order` of a route's order, read with its caller's principal (`pipeline.reads_ahead`).
SHOWN_AHEAD = ReadAhead.by_path(_SHOWN_ORDER, _shown_params, "customer_id", "order_id")


async def show_order(ctx: PartnerContext, customer_id: uuid.UUID, order_id: uuid.UUID) -> ShownOrder:
    """`get_order` for an answer that changes nothing: one statement, values."""
    rows = await _SHOWN_ORDER.all(ctx.session, _shown_params(ctx.sandbox_id, ctx.tenant_id, customer_id, order_id))
    if not rows:
        raise NotFound("Customer", customer_id)
    if rows[0][0] is None:
        raise NotFound("Order", order_id)
    return ShownOrder(*rows[0])


async def get_order(
    ctx: PartnerContext, customer_id: uuid.UUID, order_id: uuid.UUID, *, for_update: bool = False
) -> Order:
    await customers.get_visible_customer(ctx, customer_id)
    mine = [Order.customer_tenant_id == customer_id, Order.partner_tenant_id == ctx.tenant_id]
    return await lookup.one(ctx, Order, order_id, what="Order", where=mine, for_update=for_update)
