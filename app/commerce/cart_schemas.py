"""Partner Center's Cart, CartLineItem and CartCheckoutResult, as its .NET SDK models and the learn.microsoft.com
examples spell them."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from app.commerce.schemas import Amount, OrderOut, RenewsTo
from app.kernel.pagination import Link, ResourceAttributes
from app.models import Cart
from app.wire import Request, Schema


class Participant(Request):
    """A KeyValuePair<ParticipantType, string>: `transaction_reseller` names the indirect reseller on record (COM-3)."""

    key: str = Field(min_length=1, max_length=60, examples=["transaction_reseller"])
    value: str = Field(min_length=1, max_length=20, examples=["5357564"])


class CartLineItemIn(Request):
    """A line as a client sends it, or sends it back on PUT: `id`, `orderGroup`, `error` and `pricing` are the
    service's and are read but not taken (ids follow the array's order)."""

    id: int | None = Field(None, description="Ignored: a line's id is its position in the array (0..n).")
    catalog_item_id: str = Field(
        min_length=1,
        max_length=200,
        description="product:sku:availability",
        examples=["CFQ7TTC0LFLX:0001:CFQ7TTC0LFK5"],
    )
    friendly_name: str | None = Field(None, max_length=256)
    quantity: int = Field(ge=1, le=100_000)
    currency_code: str | None = Field(None, min_length=3, max_length=3, description="The customer's, when given.")
    billing_cycle: str | None = Field(
        None,
        max_length=40,
        description="one_time, monthly, annual, triennial (any casing: Monthly, OneTime); left out, the term's first.",
        examples=["monthly"],
    )
    term_duration: str | None = Field(None, max_length=10, examples=["P1Y"])
    participants: list[Participant] = Field(default_factory=list, max_length=5)
    provisioning_context: dict[str, str] = Field(default_factory=dict, max_length=20)
    order_group: str | None = Field(None, max_length=20, description="Ignored: the service groups the lines.")
    error: dict[str, Any] | None = Field(None, description="Ignored: the service's own remark on a line.")
    pricing: dict[str, Any] | None = Field(None, description="Ignored: the service prices each line.")
    renews_to: RenewsTo | None = Field(None, description="The term the first renewal takes: a term the offer sells.")
    promotion_id: str | None = Field(
        None, max_length=100, description="A promotion GET /v1/productpromotions lists for this line (400 otherwise)."
    )

    @field_validator("provisioning_context")
    @classmethod
    def _short_values(cls, value: dict[str, str]) -> dict[str, str]:
        if any(len(k) > 100 or len(v) > 1000 for k, v in value.items()):
            raise ValueError("provisioningContext keys are up to 100 characters, values up to 1000")
        return value


class CartIn(Request):
    """A cart to create, or the whole cart sent back to update it (its read-only fields are ignored)."""

    id: uuid.UUID | None = None
    creation_timestamp: datetime | None = None
    last_modified_timestamp: datetime | None = None
    expiration_timestamp: datetime | None = None
    last_modified_user: str | None = Field(None, max_length=320)
    status: str | None = Field(None, max_length=20)
    attributes: dict[str, Any] | None = None
    links: dict[str, Any] | None = None
    line_items: list[CartLineItemIn] = Field(min_length=1, max_length=50)


class RenewsToOut(Schema):
    term_duration: str


class CartLinePricing(Schema):
    """A line's price per unit (per month for a license term; per unit for a one-time purchase) before and after
    its promotion, and for the whole line over its term."""

    list_price: Amount
    discounted_price: Amount
    prorated_price: Amount
    price: Amount
    extended_price: Amount


class ParticipantOut(Schema):
    key: str
    value: str


class CartLineItemOut(Schema):
    id: int
    catalog_item_id: str
    friendly_name: str | None = None
    quantity: int
    currency_code: str
    billing_cycle: str = Field(description="snake_case, as Partner Center's carts answer it: one_time, monthly, ...")
    term_duration: str | None = Field(None, description="Left out for the Azure plan and perpetual software.")
    participants: list[ParticipantOut]
    provisioning_context: dict[str, str]
    order_group: str
    error: dict[str, Any] | None = None
    renews_to: RenewsToOut | None = None
    promotion_id: str | None = None
    pricing: CartLinePricing | None = None


class CartLinks(Schema):
    self_: Link = Field(alias="self")


class CartOut(Schema):
    id: uuid.UUID
    creation_timestamp: datetime
    last_modified_timestamp: datetime
    expiration_timestamp: datetime
    last_modified_user: str
    line_items: list[CartLineItemOut]
    status: str
    links: CartLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="Cart")

    @classmethod
    def of(cls, cart: Cart) -> "CartOut":
        return cls(
            id=cart.id,
            creation_timestamp=cart.created_at,
            last_modified_timestamp=cart.updated_at,
            expiration_timestamp=cart.expires_at,
            last_modified_user=cart.last_modified_user,
            line_items=[CartLineItemOut.model_validate(line) for line in cart.line_items],
            status=cart.status,
            links=CartLinks(self_=Link(uri=f"/customers/{cart.customer_tenant_id}/carts/{cart.id}")),
        )


class OrderErrorOut(Schema):
    """Partner Center's OrderError: an order group that could not be ordered, and why (with the rule, if one)."""

    order_group_id: str
    code: int
    description: str
    rule: str | None = None


class CartCheckoutResultOut(Schema):
    orders: list[OrderOut]
    order_errors: list[OrderErrorOut]
    attributes: ResourceAttributes = ResourceAttributes(object_type="CartCheckoutResult")
