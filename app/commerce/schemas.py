import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, PlainSerializer, field_validator

from app.commerce.orders import LineProvisioningStatus, ShownOrder
from app.commerce.subscriptions import utc_midnight
from app.kernel.pagination import Link, ResourceAttributes
from app.models import Order, SubscriptionChannel
from app.wire import Request, Schema

# Partner Center answers money as JSON numbers; cspsim keeps it Decimal until the wire.
Amount = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class ExistingSubscriptionCreate(Request):
    channel: SubscriptionChannel = Field(description="Direct or Advisor; CSP for a partner's legacy subscription.")
    partner_tenant_id: uuid.UUID | None = Field(None, description="CSP only: the partner holding it.")
    offer_id: str = Field(min_length=1, max_length=200)
    offer_name: str = Field(min_length=1, max_length=256)
    quantity: int = Field(ge=1, le=1_000_000)
    term_duration: str | None = Field(None, pattern=r"^P\d+[MY]$", examples=["P1Y"])
    billing_cycle: str | None = Field(None, examples=["monthly", "annual"])
    commitment_end_date: date | None = None
    auto_renew: bool = True
    partner_of_record: str | None = Field(None, pattern=r"^\d{4,10}$", description="An advisor's PartnerID.")


class SubscriptionOut(Schema):
    id: uuid.UUID
    channel: SubscriptionChannel
    partner_tenant_id: uuid.UUID | None
    offer_id: str
    offer_name: str
    quantity: int
    status: str
    term_duration: str | None
    billing_cycle: str | None
    commitment_end_date: datetime | None
    auto_renew: bool
    partner_of_record: str | None
    created_at: datetime
    attributes: ResourceAttributes = ResourceAttributes(object_type="Subscription")

    @field_validator("commitment_end_date", mode="before")
    @classmethod
    def _as_date_time(cls, value: object) -> object:
        """Every date of a subscription is answered as a date-time in UTC."""
        return utc_midnight(value) if isinstance(value, date) and not isinstance(value, datetime) else value


class SubscriptionList(Schema):
    items: list[SubscriptionOut]


class RenewsTo(Request):
    """Partner Center's RenewsTo: the term the first renewal takes."""

    term_duration: str = Field(pattern=r"^P\d+[MY]$", examples=["P1Y"])


class OrderLineItemIn(Request):
    line_item_number: int = Field(ge=0)
    offer_id: str = Field(min_length=1, max_length=200, description="A catalogItemId (product:sku:availability).")
    quantity: int = Field(ge=1, le=100_000)
    term_duration: str | None = Field(None, examples=["P1Y"])
    billing_cycle: str | None = Field(None, examples=["monthly"])
    partner_id_on_record: str | None = Field(None, description="COM-3: the indirect reseller's PartnerID.")
    friendly_name: str | None = Field(None, max_length=256)
    parent_subscription_id: uuid.UUID | None = Field(None, description="An add-on's base subscription.")
    promotion_id: str | None = Field(
        None, max_length=100, description="A promotion GET /v1/productpromotions lists for this line."
    )
    renews_to: RenewsTo | None = Field(None, description="The term the first renewal takes.")


class OrderCreate(Request):
    reference_customer_id: uuid.UUID | None = Field(None, description="The customer; the path's, when given.")
    billing_cycle: str | None = None
    currency_code: str | None = None
    partner_on_record_attestation_accepted: bool | None = Field(
        None, description="Partner Center's attestation that the partner of record is right; recorded as given."
    )
    line_items: list[OrderLineItemIn] = Field(min_length=1, max_length=50)


CURRENCY_SYMBOLS = {"USD": "$", "CAD": "$", "GBP": "£", "EUR": "€"}


class OrderLinks(Schema):
    self_: Link = Field(alias="self")
    provisioning_status: Link
    patch_operation: Link


def line_out(order: Order | ShownOrder, line: dict[str, object]) -> dict[str, object]:
    """An order's line as Partner Center answers it: with its `links` (Partner Center's OrderLineItemLinks): the
    product, SKU and availability it buys, the order's provisioning status, and its subscription once provisioned;
    and its `pricing` in numbers."""
    product_id, sku_id, availability_id = [*str(line.get("offerId", "")).split(":"), "", ""][:3]
    path = f"/customers/{order.customer_tenant_id}"
    links: dict[str, Link] = {}
    if sku_id:
        links["product"] = Link(uri=f"/products/{product_id}")
        links["sku"] = Link(uri=f"/products/{product_id}/skus/{sku_id}")
        if availability_id:
            links["availability"] = Link(uri=f"/products/{product_id}/skus/{sku_id}/availabilities/{availability_id}")
    links["provisioningStatus"] = Link(uri=f"{path}/orders/{order.id}/provisioningstatus")
    if line.get("subscriptionId"):
        links["subscription"] = Link(uri=f"{path}/subscriptions/{line['subscriptionId']}")
    shown = {**line, "links": {key: link.model_dump(mode="json", by_alias=True) for key, link in links.items()}}
    pricing = line.get("pricing")
    if isinstance(pricing, dict):  # kept as Decimal strings; Partner Center answers numbers
        shown["pricing"] = {key: float(Decimal(str(value))) for key, value in pricing.items()}
    return shown


class OrderOut(Schema):
    id: uuid.UUID
    alternate_id: str = Field(description="A short form of the order id, as Partner Center shows it.")
    reference_customer_id: uuid.UUID
    billing_cycle: str | None
    currency_code: str
    currency_symbol: str
    line_items: list[dict[str, object]]
    creation_date: datetime
    status: str = Field(description="pending (until provisioned), completed or cancelled.")
    transaction_type: str
    total_price: Amount = Field(description="The sum of the lines' extendedPrice.")
    client: dict[str, object] = Field(default_factory=dict, description="Partner Center's client context: empty.")
    links: OrderLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="Order")

    @classmethod
    def of(cls, order: Order | ShownOrder) -> "OrderOut":
        """An order as Partner Center answers it (orders, a cart's checkout, and the orders a transfer creates)."""
        cycles = {line.get("billingCycle") for line in order.line_items}
        path = f"/customers/{order.customer_tenant_id}/orders/{order.id}"
        return cls(
            id=order.id,
            alternate_id=order.id.hex[:12],
            reference_customer_id=order.customer_tenant_id,
            billing_cycle=next(iter(cycles)) if len(cycles) == 1 else None,
            currency_code=order.currency,
            currency_symbol=CURRENCY_SYMBOLS.get(order.currency, order.currency),
            line_items=[line_out(order, line) for line in order.line_items],
            creation_date=order.created_at,
            status=order.status,
            transaction_type=order.transaction_type,
            total_price=sum(
                (Decimal(str(line["pricing"]["extendedPrice"])) for line in order.line_items if line.get("pricing")),
                Decimal(0),
            ),
            links=OrderLinks(
                self_=Link(uri=path),
                provisioning_status=Link(uri=f"{path}/provisioningstatus"),
                patch_operation=Link(uri=path, method="PATCH"),
            ),
        )


class OrderPatch(Request):
    """An order as Partner Center takes it back to cancel it: the status is read, the rest of the order as the
    client read it may come along and is ignored."""

    model_config = Request.model_config | {"extra": "ignore"}

    status: Literal["cancelled"] = Field(description="cancelled: the one change a partner makes to an order.")

    @field_validator("status", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        return value.casefold() if isinstance(value, str) else value


class QuantityProvisioningStatus(Schema):
    """Partner Center's QuantityProvisioningStatus: how many of a line's seats are where."""

    quantity: int
    status: str


class OrderLineItemProvisioningStatusOut(Schema):
    """Partner Center's OrderLineItemProvisioningStatus."""

    order_line_item_id: int
    line_item_number: int
    status: str = Field(description="pending, fulfilled or cancelled.")
    quantity_provisioned: int
    quantity_provisioning_information: list[QuantityProvisioningStatus]
    subscription_id: uuid.UUID | None
    attributes: ResourceAttributes = ResourceAttributes(object_type="OrderLineItemProvisioningStatus")

    @classmethod
    def of(cls, line: LineProvisioningStatus) -> "OrderLineItemProvisioningStatusOut":
        return cls(
            order_line_item_id=line.line_item_number,
            line_item_number=line.line_item_number,
            status=line.status,
            quantity_provisioned=line.quantity_provisioned,
            quantity_provisioning_information=[QuantityProvisioningStatus(quantity=line.quantity, status=line.status)],
            subscription_id=uuid.UUID(line.subscription_id) if line.subscription_id else None,
        )


class OrderRequestCreate(Request):
    customer_id: uuid.UUID
    indirect_provider_id: uuid.UUID
    line_items: list[OrderLineItemIn] = Field(min_length=1, max_length=50)


class OrderRequestOut(Schema):
    id: uuid.UUID
    customer_id: uuid.UUID = Field(validation_alias="customer_tenant_id")
    reseller_tenant_id: uuid.UUID
    indirect_provider_id: uuid.UUID = Field(validation_alias="provider_tenant_id")
    status: str
    line_items: list[dict[str, object]]
    order_id: uuid.UUID | None
    reason: str | None
    created_at: datetime
    attributes: ResourceAttributes = ResourceAttributes(object_type="OrderRequest")


class RejectIn(Request):
    reason: str = Field(min_length=1, max_length=1000)
