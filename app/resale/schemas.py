"""The marketplace's resale resources: price books, support plans, billing settings, reseller invoices and reports.
Shapes follow Partner Center's (camelCase, `attributes.objectType`, `links`, collections); money goes out as JSON
numbers with its currency, to the cent."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from app.billing.schemas import Amount
from app.kernel.pagination import Link, ResourceAttributes
from app.models import SupportPlanKind
from app.wire import Request, Schema

Currency = Annotated[str, Field(pattern=r"^[A-Za-z]{3}$", description="ISO 4217, e.g. USD.")]
Price = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Percent = Annotated[Decimal, Field(max_digits=10, decimal_places=4, description="A percentage, e.g. 20 for 20 %.")]


class SelfLinks(Schema):
    self_: Link = Field(alias="self")


class PriceOverrideIn(Request):
    product_id: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9]+$")
    sku_id: str | None = Field(default=None, min_length=1, max_length=50, pattern=r"^[A-Za-z0-9]+$")
    unit_price: Price = Field(
        description="The customer's unit price (per month; per term where the catalog prices per term); "
        "BIL-6: 0 or more."
    )
    currency: Currency = "USD"


class PriceBookIn(Request):
    name: str = Field(min_length=1, max_length=128)
    markup_percent: Percent = Field(default=Decimal(0), description="Over list price; BIL-6: -100 or more.")
    overrides: list[PriceOverrideIn] = Field(default_factory=list, max_length=500)


class PriceOverrideOut(Schema):
    product_id: str
    sku_id: str | None
    unit_price: Amount
    currency: str


class PriceBookOut(Schema):
    id: str = Field(description="`default` for the default price book (list price).")
    name: str
    is_default: bool
    markup_percent: Amount
    overrides: list[PriceOverrideOut]
    created_date_time: datetime | None
    links: SelfLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="PriceBook")


class PriceBookAssignmentIn(Request):
    price_book_id: str = Field(min_length=1, max_length=40, description="A price book's id, or `default`.")
    effective_from: date | None = Field(default=None, description="Today (the sandbox clock) by default; never past.")


class PriceBookAssignmentOut(Schema):
    price_book_id: str
    effective_from: date
    assigned_date_time: datetime
    assigned_by: str


class ResellerPriceBookOut(Schema):
    reseller_tenant_id: uuid.UUID
    price_book: PriceBookOut = Field(description="The price book in force today.")
    effective_from: date | None
    assignments: list[PriceBookAssignmentOut] = Field(description="Every assignment; later ones are scheduled.")
    links: SelfLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="ResellerPriceBook")


class SupportPlanIn(Request):
    type: SupportPlanKind
    percent: Percent | None = Field(default=None, description="`percentage`: the share of the customer's cost.")
    minimum: Price | None = Field(default=None, description="`percentage`: the least charged per billing period.")
    amount: Price | None = Field(default=None, description="`fixed`: the charge per billing period.")
    currency: Currency = "USD"


class SupportPlanOut(Schema):
    customer_tenant_id: uuid.UUID
    reseller_tenant_id: uuid.UUID
    type: SupportPlanKind
    percent: Amount | None
    minimum: Amount | None
    amount: Amount | None
    currency: str
    last_modified_date_time: datetime
    links: SelfLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="SupportPlan")


class BillingSettingsIn(Request):
    invoice_per_end_customer: bool = Field(description="BIL-5: one invoice per end customer instead of one aggregate.")


class BillingSettingsOut(Schema):
    reseller_tenant_id: uuid.UUID
    invoice_per_end_customer: bool
    links: SelfLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="ResellerBillingSettings")


class ResaleLineOut(Schema):
    line_number: int
    line_type: str
    customer_tenant_id: uuid.UUID
    customer_name: str
    source_invoice_id: str | None = Field(description="The distributor's Partner Center invoice the line re-bills.")
    subscription_id: uuid.UUID | None
    product_id: str
    sku_id: str
    product_name: str
    charge_type: str
    charge_start_date: date
    charge_end_date: date
    quantity: int
    billable_quantity: Amount
    price_book_id: str | None
    list_price: Amount = Field(description="Microsoft's unit price.")
    reseller_price: Amount = Field(description="The reseller's unit cost.")
    customer_price: Amount = Field(description="The customer's unit price, through the price book.")
    seller_cost: Amount
    customer_cost: Amount
    margin: Amount
    currency: str
    attributes: ResourceAttributes = ResourceAttributes(object_type="ResellerInvoiceLineItem")


class ResaleInvoiceOut(Schema):
    id: str
    reseller_tenant_id: uuid.UUID
    end_customer_tenant_id: uuid.UUID | None = Field(description="Set on an invoice per end customer (BIL-5).")
    invoice_date: datetime
    billing_period_start_date: date
    billing_period_end_date: date
    currency_code: str
    total_charges: Amount = Field(description="What the reseller owes: its cost.")
    seller_cost: Amount
    customer_cost: Amount = Field(description="What its end customers are billed, support charges included.")
    support_charges: Amount
    margin: Amount
    seats: int
    line_items: list[ResaleLineOut] | None = None
    links: SelfLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="ResellerInvoice")


class ReportRowOut(Schema):
    customer_tenant_id: uuid.UUID
    customer_name: str
    product_id: str
    sku_id: str
    product_name: str
    seats: int
    seller_cost: Amount
    customer_cost: Amount
    margin: Amount
    currency: str


class ReportTotalOut(Schema):
    currency: str
    seats: int
    seller_cost: Amount
    customer_cost: Amount
    margin: Amount


class ResaleReportOut(Schema):
    reseller_tenant_id: uuid.UUID
    period: str | None
    total_count: int
    items: list[ReportRowOut]
    totals: list[ReportTotalOut]
    attributes: ResourceAttributes = ResourceAttributes(object_type="ResellerBillingReport")


class PriceSheetRowOut(Schema):
    product_id: str
    sku_id: str
    availability_id: str
    catalog_item_id: str
    title: str
    term_duration: str
    price_book_id: str
    list_price: Amount = Field(description="Microsoft's unit price.")
    reseller_price: Amount = Field(description="The reseller's unit cost.")
    customer_price: Amount = Field(description="The customer's unit price, through the price book in force today.")
    currency: str
    attributes: ResourceAttributes = ResourceAttributes(object_type="ResellerPrice")
