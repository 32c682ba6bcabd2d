"""Azure plan consumption on Partner Center's shapes: AzureRateCard, AzureUtilizationRecord, DailyRatedUsageLineItem;
and the control surface's usage record."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from app.billing.schemas import Amount
from app.kernel.pagination import ResourceAttributes
from app.wire import Request, Schema


class UsageIn(Request):
    """One day's consumption of a meter by a resource of an Azure plan subscription."""

    meter_id: str = Field(min_length=1, max_length=64, description="A meter id of GET /v1/ratecards/azure.")
    quantity: Decimal = Field(allow_inf_nan=False, max_digits=24, description="Units of the meter's unit, >= 0.")
    usage_date: date = Field(description="The UTC day the meter was used; not after the sandbox's today.")
    resource_group: str = Field("default", max_length=90, pattern=r"^[A-Za-z0-9_().-]*$")
    resource_name: str = Field("", max_length=120, pattern=r"^[A-Za-z0-9_().-]*$")


class UsageRecordOut(Schema):
    id: uuid.UUID
    subscription_id: uuid.UUID
    meter_id: str
    usage_date: date
    quantity: Amount
    unit_price: Amount
    currency: str
    resource_uri: str
    resource_group: str
    attributes: ResourceAttributes = ResourceAttributes(object_type="UsageRecord")


class AzureMeterOut(Schema):
    id: str
    name: str
    rates: dict[str, Amount] = Field(description='Tiered prices by quantity: "0" is the price from the first unit.')
    tags: list[str]
    category: str
    subcategory: str
    region: str
    unit: str
    included_quantity: Amount
    effective_date: datetime


class AzureOfferTermOut(Schema):
    name: str
    discount: Amount
    excluded_meter_ids: list[str]
    effective_date: datetime


class AzureRateCardOut(Schema):
    currency: str
    is_tax_included: bool = False
    locale: str = "en-US"
    meters: list[AzureMeterOut]
    offer_terms: list[AzureOfferTermOut]
    attributes: ResourceAttributes = ResourceAttributes(object_type="AzureRateCard")


class AzureResourceOut(Schema):
    id: str = Field(description="The meter id.")
    name: str
    category: str
    subcategory: str
    region: str


class AzureInstanceDataOut(Schema):
    resource_uri: str
    location: str
    part_number: str = ""
    order_number: str = ""
    additional_info: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)


class AzureUtilizationRecordOut(Schema):
    usage_start_time: datetime
    usage_end_time: datetime
    resource: AzureResourceOut
    quantity: Amount
    unit: str
    info_fields: dict[str, str] = Field(default_factory=dict)
    instance_data: AzureInstanceDataOut | None = None
    attributes: ResourceAttributes = ResourceAttributes(object_type="AzureUtilizationRecord")


class DailyRatedUsageLineItemOut(Schema):
    partner_id: uuid.UUID
    partner_name: str
    customer_id: uuid.UUID
    customer_name: str
    customer_domain_name: str
    customer_country: str
    mpn_id: str | None
    reseller_mpn_id: str | None
    invoice_number: str
    product_id: str
    sku_id: str
    availability_id: str
    sku_name: str
    product_name: str
    publisher_name: str = "Microsoft"
    publisher_id: str = ""
    subscription_id: uuid.UUID
    subscription_description: str | None
    charge_start_date: datetime
    charge_end_date: datetime
    usage_date: datetime
    meter_type: str = "1"
    meter_category: str
    meter_id: str
    meter_sub_category: str
    meter_name: str
    meter_region: str
    unit_of_measure: str
    resource_location: str
    consumed_service: str
    resource_group: str
    resource_uri: str
    tags: str = ""
    additional_info: str = ""
    service_info1: str = ""
    service_info2: str = ""
    charge_type: str = "new"
    unit_price: Amount
    effective_unit_price: Amount
    quantity: Amount
    unit_type: str
    billing_pre_tax_total: Amount
    billing_currency: str
    pricing_pre_tax_total: Amount
    pricing_currency: str
    pc_to_bc_exchange_rate: Amount = Field(Decimal(1), alias="pcToBCExchangeRate")
    invoice_line_item_type: str = "usage_line_items"
    billing_provider: str = "one_time"
    attributes: ResourceAttributes = ResourceAttributes(object_type="DailyRatedUsageLineItem")
