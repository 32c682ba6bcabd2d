from pydantic import Field

from app.kernel.pagination import ResourceAttributes
from app.wire import Schema


class ProductTypeOut(Schema):
    id: str
    display_name: str


class ProductOut(Schema):
    id: str
    title: str
    description: str
    product_type: ProductTypeOut
    attributes: ResourceAttributes = ResourceAttributes(object_type="Product")


class SkuOut(Schema):
    id: str
    product_id: str
    title: str
    description: str
    minimum_quantity: int
    maximum_quantity: int
    is_trial: bool = False
    supported_billing_cycles: list[str]
    dynamic_attributes: dict[str, object] = Field(default_factory=dict)
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
    attributes: ResourceAttributes = ResourceAttributes(object_type="Availability")
