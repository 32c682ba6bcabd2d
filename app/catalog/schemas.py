import uuid
from datetime import datetime

from pydantic import Field

from app.kernel.pagination import Link, ResourceAttributes
from app.wire import Request, Schema


class ProductTypeOut(Schema):
    """Partner Center's ItemType: a product's type, and its sub-type where it has one (null where not)."""

    id: str
    display_name: str
    sub_type: "ProductTypeOut | None" = None


class ProductOut(Schema):
    id: str
    title: str
    description: str
    product_type: ProductTypeOut
    is_microsoft_product: bool = True
    publisher_name: str = "Microsoft"
    links: dict[str, Link]
    attributes: ResourceAttributes = ResourceAttributes(object_type="Product")


class SkuOut(Schema):
    """A SKU, listed or read by id: what it needs before purchase, for an inventory check and for provisioning."""

    id: str
    product_id: str
    title: str
    description: str
    minimum_quantity: int
    maximum_quantity: int
    is_trial: bool = False
    supported_billing_cycles: list[str]
    purchase_prerequisites: list[str]
    inventory_variables: list[str]
    provisioning_variables: list[str]
    dynamic_attributes: dict[str, object] = Field(default_factory=dict)
    links: dict[str, Link]
    attributes: ResourceAttributes = ResourceAttributes(object_type="Sku")


class Price(Schema):
    list_price: str
    currency_code: str
    unit: str


class TermOut(Schema):
    duration: str
    description: str
    billing_cycles: list[str]
    price: Price
    cancellation_policies: list[dict[str, object]]


class AvailabilityOut(Schema):
    id: str
    product_id: str
    sku_id: str
    catalog_item_id: str
    country: str
    segment: str = "commercial"
    is_purchasable: bool
    is_renewable: bool
    default_currency: dict[str, str]
    terms: list[TermOut]
    product: ProductOut
    sku: SkuOut
    links: dict[str, Link]
    attributes: ResourceAttributes = ResourceAttributes(object_type="Availability")


class PromotionTerm(Schema):
    duration: str
    billing_cycle: str


class PricingPolicy(Schema):
    """Partner Center's two examples spell the kind `policyType` (read by id) and `type` (listed): both are sent."""

    policy_type: str
    type: str
    value: str


class RequiredProduct(Schema):
    product_id: str
    sku_id: str
    term: PromotionTerm
    pricing_policies: list[PricingPolicy]


class PromotionOut(Schema):
    id: str
    name: str
    description: str
    segment: str
    start_date: datetime
    end_date: datetime
    properties: dict[str, object]
    required_products: list[RequiredProduct]
    attributes: ResourceAttributes = ResourceAttributes(object_type="ProductPromotion")


class InventoryItemIn(Request):
    product_id: str = Field(min_length=1, max_length=64)
    sku_id: str | None = Field(None, max_length=16)
    availability_id: str | None = Field(None, max_length=64)
    attributes: dict[str, object] | None = None


class InventoryCheckRequest(Request):
    target_items: list[InventoryItemIn] = Field(min_length=1, max_length=100)
    inventory_context: dict[str, str] = Field(default_factory=dict)
    attributes: dict[str, object] | None = None


class InventoryRestriction(Schema):
    reason_code: str
    description: str
    properties: dict[str, str]


class InventoryItemOut(Schema):
    product_id: str
    sku_id: str
    is_restricted: bool
    restrictions: list[InventoryRestriction]


class ProductUpgradeRequest(Request):
    customer_id: uuid.UUID
    product_family: str = Field(min_length=1, max_length=32)
    attributes: dict[str, object] | None = None


class ProductUpgradesEligibility(Schema):
    customer_id: uuid.UUID
    product_family: str
    is_eligible: bool
    upgrade_id: str | None = None
    reason: str | None = None


class OfferCategoryOut(Schema):
    id: str
    name: str
    rank: int
    locale: str
    country: str
    attributes: ResourceAttributes = ResourceAttributes(object_type="OfferCategory")


class OfferProduct(Schema):
    id: str
    name: str
    unit: str


class LegacyOfferLinks(Schema):
    """The legacy offers' paging links: Partner Center's example pages by `offset`, with `previous` beside `next`."""

    self_: Link = Field(alias="self")
    next: Link | None = Field(default=None, exclude_if=lambda link: link is None)
    previous: Link | None = Field(default=None, exclude_if=lambda link: link is None)


class LegacyOfferOut(Schema):
    """Partner Center's (legacy) Offer. `isAvailableForPurchase` is false: buy the new-commerce product of the same
    name, named in `successorProductId` (cspsim's addition, beside the documented fields)."""

    id: str
    name: str
    description: str
    minimum_quantity: int
    maximum_quantity: int
    rank: int
    uri: str
    locale: str
    country: str
    category: OfferCategoryOut
    prerequisite_offers: list[str]
    is_add_on: bool
    is_available_for_purchase: bool
    billing: str
    is_auto_renewable: bool
    is_trial: bool
    product: OfferProduct
    unit_type: str
    successor_product_id: str
    links: dict[str, Link]
    attributes: ResourceAttributes = ResourceAttributes(object_type="Offer")


class LegacyOfferPage(Schema):
    total_count: int
    items: list[LegacyOfferOut]
    links: LegacyOfferLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="Collection")
