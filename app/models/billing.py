import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Money, SandboxScoped, enum_column
from app.wire import WireEnum


class InvoiceType(WireEnum):
    """BIL-3: one-time purchases are invoiced apart from the recurring (license-based) charges."""

    RECURRING = "Recurring"
    ONE_TIME = "OneTime"


class Invoice(SandboxScoped, Base):
    """A partner's new-commerce invoice (a G-invoice) for one billing period of its customers of one country group
    (BIL-2) in one currency; its lines are frozen when it is issued."""

    __tablename__ = "invoices"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        # Partner Center's invoice id is its number: unique within the sandbox.
        UniqueConstraint("sandbox_id", "number"),
        # One invoice per partner, country group, period and currency: a billing run that fired twice is refused.
        UniqueConstraint(
            "sandbox_id",
            "partner_tenant_id",
            "country",
            "billing_period_start",
            "currency",
            "invoice_type",
            name="uq_invoices_period",
        ),
        Index("ix_invoices_partner", "sandbox_id", "partner_tenant_id", "invoice_date"),
    )

    number: Mapped[str] = mapped_column(String(20))
    partner_tenant_id: Mapped[uuid.UUID]
    # The customers' country whose billing period this is (BIL-2: US calendar month, CA the 20th to the 19th).
    country: Mapped[str] = mapped_column(String(2))
    billing_period_start: Mapped[date]
    billing_period_end: Mapped[date]  # inclusive, as Partner Center shows it
    invoice_date: Mapped[datetime]
    currency: Mapped[str] = mapped_column(String(3))
    invoice_type: Mapped[InvoiceType] = mapped_column(enum_column(InvoiceType, 20))
    subtotal: Mapped[Decimal]
    tax_total: Mapped[Decimal]
    total_charges: Mapped[Decimal]
    paid_amount: Mapped[Decimal]
    created_at: Mapped[datetime]


class InvoiceLine(SandboxScoped, Base):
    """One new-commerce billing line item (provider OneTime, type BillingLineItems) of an issued invoice."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "invoice_id"], ["invoices.sandbox_id", "invoices.id"]),
        Index("ix_invoice_lines_invoice", "sandbox_id", "invoice_id", "line_number"),
    )

    invoice_id: Mapped[uuid.UUID]
    line_number: Mapped[int]
    mpn_id: Mapped[str | None] = mapped_column(String(20))
    reseller_mpn_id: Mapped[str | None] = mapped_column(String(20))
    customer_tenant_id: Mapped[uuid.UUID]
    customer_name: Mapped[str] = mapped_column(String(256))
    customer_domain_name: Mapped[str] = mapped_column(String(253))
    customer_country: Mapped[str] = mapped_column(String(2))
    order_id: Mapped[uuid.UUID | None]
    order_date: Mapped[datetime | None]
    subscription_id: Mapped[uuid.UUID]
    subscription_description: Mapped[str | None] = mapped_column(String(256))
    subscription_start_date: Mapped[date | None]
    subscription_end_date: Mapped[date | None]
    product_id: Mapped[str] = mapped_column(String(50))
    sku_id: Mapped[str] = mapped_column(String(50))
    availability_id: Mapped[str] = mapped_column(String(50))
    product_name: Mapped[str] = mapped_column(String(256))
    sku_name: Mapped[str] = mapped_column(String(256))
    product_type: Mapped[str | None] = mapped_column(String(40))
    charge_type: Mapped[str] = mapped_column(String(30))
    # Six places: an Azure meter's price (0.000016 per GB second) is finer than a cent.
    unit_price: Mapped[Decimal] = mapped_column(Money(scale=6))
    effective_unit_price: Mapped[Decimal] = mapped_column(Money(scale=6))
    unit_type: Mapped[str] = mapped_column(String(30))
    quantity: Mapped[int]
    # The quantity times the share of the charge period billed (prorated lines), to six places.
    billable_quantity: Mapped[Decimal] = mapped_column(Money(scale=6))
    subtotal: Mapped[Decimal]
    tax_total: Mapped[Decimal]
    total: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    charge_start_date: Mapped[date]
    charge_end_date: Mapped[date]
    term_and_billing_cycle: Mapped[str] = mapped_column(String(60))
    billing_frequency: Mapped[str] = mapped_column(String(20))
    # Azure plan consumption (BIL-1, in arrears): "<category> - <name> - <region>" of the meter billed.
    meter_description: Mapped[str | None] = mapped_column(String(300))
    # The charge event this line prices (none for a monthly installment of a longer term).
    charge_id: Mapped[uuid.UUID | None]
