"""Partner Center's invoice resources (Microsoft.Store.PartnerCenter.Models.Invoices): Invoice, InvoiceDetail,
InvoiceSummary, OneTimeInvoiceLineItem. Money goes out as JSON numbers, as Partner Center's does; amounts are
cents (at most six places for a billable quantity), whose shortest decimal form reads back exactly."""

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

from app.kernel.pagination import Link, ResourceAttributes
from app.wire import Schema

Amount = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


def midnight(day: date) -> datetime:
    """Partner Center writes dates as ISO 8601 date-times."""
    return datetime.combine(day, time(), UTC)


class InvoiceLinks(Schema):
    self_: Link = Field(alias="self")


class InvoiceDetailOut(Schema):
    # Partner Center writes its enums in snake_case (BillingProvider.OneTime is `one_time`).
    billing_provider: str = "one_time"
    invoice_line_item_type: str = "billing_line_items"
    links: InvoiceLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="InvoiceDetail")


class TaxReceiptOut(Schema):
    id: str
    tax_receipt_pdf_download_link: str


class InvoiceOut(Schema):
    id: str
    invoice_date: datetime
    billing_period_start_date: datetime
    billing_period_end_date: datetime
    total_charges: Amount
    paid_amount: Amount
    currency_code: str
    currency_symbol: str
    invoice_type: str = Field(description="BIL-3: `Recurring` (license-based) or `OneTime` (one-time purchases).")
    document_type: str = Field("invoice", description="`invoice` (an adjustment is `adjustment_note`).")
    pdf_download_link: str
    tax_receipts: list[TaxReceiptOut] = Field(
        default_factory=list, description="Tax receipts, which only some markets issue; cspsim's never do."
    )
    invoice_details: list[InvoiceDetailOut]
    amendments: list[str] = Field(default_factory=list)
    links: InvoiceLinks
    attributes: ResourceAttributes = ResourceAttributes(object_type="Invoice")


class InvoiceSummaryOut(Schema):
    balance_amount: Amount
    currency_code: str
    currency_symbol: str
    first_invoice_creation_date: datetime | None
    latest_invoice_date: datetime | None
    last_payment_date: datetime | None = None
    last_payment_amount: Amount = Decimal("0.00")
    accounting_date: datetime | None = None
    attributes: ResourceAttributes = ResourceAttributes(object_type="InvoiceSummary")


class InvoiceSummaryDetailOut(Schema):
    invoice_type: str
    summary: InvoiceSummaryOut


class InvoiceSummaryTotalOut(InvoiceSummaryOut):
    """The balance over every invoice, with `details` per invoice type."""

    details: list[InvoiceSummaryDetailOut]
    links: InvoiceLinks


class OneTimeInvoiceLineItemOut(Schema):
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str
    customer_domain_name: str
    customer_country: str
    invoice_number: str
    mpn_id: str | None
    reseller_mpn_id: str | None
    order_id: uuid.UUID | None
    order_date: datetime | None
    product_id: str
    sku_id: str
    availability_id: str
    product_name: str
    sku_name: str
    product_qualifiers: list[str] = Field(default_factory=list)
    charge_type: str
    unit_price: Amount
    effective_unit_price: Amount
    unit_type: str
    quantity: int
    billable_quantity: Amount
    subtotal: Amount
    tax_total: Amount
    total_for_customer: Amount
    currency: str
    publisher_name: str = "Microsoft Corporation"
    publisher_id: str = ""
    subscription_description: str | None
    subscription_id: uuid.UUID
    subscription_start_date: datetime | None
    subscription_end_date: datetime | None
    charge_start_date: datetime
    charge_end_date: datetime
    term_and_billing_cycle: str
    billing_frequency: str
    alternate_id: str = ""
    reference_id: str = ""
    price_adjustment_description: str = ""
    discount_details: str = ""
    pricing_currency: str
    pc_to_bc_exchange_rate: Amount = Field(Decimal(1), alias="pcToBCExchangeRate")
    pc_to_bc_exchange_rate_date: datetime | None = Field(None, alias="pcToBCExchangeRateDate")
    meter_description: str = ""
    reservation_order_id: str = ""
    credit_reason_code: str = ""
    promotion_id: str = ""
    invoice_line_item_type: str = "billing_line_items"
    billing_provider: str = "one_time"
    attributes: ResourceAttributes = ResourceAttributes(object_type="OneTimeInvoiceLineItem")


class ProductTypeRowOut(Schema):
    report_group: str = Field(description="BIL-4: Azure classic, Azure plan and new commerce, or Modern Workplace.")
    product_type: str
    line_count: int
    subtotal: Amount
    tax_total: Amount
    total: Amount
    currency: str


class ProductTypeReportOut(Schema):
    invoice_id: str
    report_groups: list[str]
    items: list[ProductTypeRowOut]
    attributes: ResourceAttributes = ResourceAttributes(object_type="ProductTypeReport")
