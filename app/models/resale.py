import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Money, SandboxScoped, enum_column
from app.wire import WireEnum


class PriceBook(SandboxScoped, Base):
    """BIL-6: a distributor's custom price book: the customer's price is list price plus `markup_percent`, or a fixed
    unit price where an override names the product (or the product's SKU)."""

    __tablename__ = "price_books"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "provider_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_price_books_provider", "sandbox_id", "provider_tenant_id"),
    )

    provider_tenant_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(128))
    markup_percent: Mapped[Decimal] = mapped_column(Money(scale=4))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(320))


class PriceOverride(SandboxScoped, Base):
    """BIL-6: a fixed unit price (per month, or per term where the catalog prices per term) for a product, or for
    one SKU of it, in one currency."""

    __tablename__ = "price_overrides"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "price_book_id"], ["price_books.sandbox_id", "price_books.id"]),
        Index("ix_price_overrides_book", "sandbox_id", "price_book_id"),
    )

    price_book_id: Mapped[uuid.UUID]
    product_id: Mapped[str] = mapped_column(String(50))
    sku_id: Mapped[str | None] = mapped_column(String(50))
    unit_price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))


class PriceBookAssignment(SandboxScoped, Base):
    """BIL-6: the price book a distributor gives a reseller from a day on (none: the default price book, list price).
    The assignment in force on a charge's first day prices it."""

    __tablename__ = "price_book_assignments"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "provider_tenant_id", "reseller_tenant_id", "effective_from"),
        ForeignKeyConstraint(["sandbox_id", "provider_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "reseller_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "price_book_id"], ["price_books.sandbox_id", "price_books.id"]),
    )

    provider_tenant_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    price_book_id: Mapped[uuid.UUID | None]
    effective_from: Mapped[date]
    assigned_at: Mapped[datetime]
    assigned_by: Mapped[str] = mapped_column(String(320))


class SupportPlanKind(WireEnum):
    PERCENTAGE = "percentage"  # a share of the customer's cost, at least `minimum`
    FIXED = "fixed"  # a fixed amount each billing period


class SupportPlan(SandboxScoped, Base):
    """BIL-6: the support plan a distributor sets for a customer tenant one of its resellers serves; billed on the
    reseller's invoice each billing period the customer is billed or holds a live subscription."""

    __tablename__ = "support_plans"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "provider_tenant_id", "customer_tenant_id"),
        ForeignKeyConstraint(["sandbox_id", "provider_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "reseller_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    provider_tenant_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    customer_tenant_id: Mapped[uuid.UUID]
    kind: Mapped[SupportPlanKind] = mapped_column(enum_column(SupportPlanKind, 20))
    percent: Mapped[Decimal | None] = mapped_column(Money(scale=4))
    minimum: Mapped[Decimal | None]
    amount: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(320))


class ResaleBillingSettings(SandboxScoped, Base):
    """BIL-5: how a distributor invoices a reseller: one aggregated invoice, or one invoice per end customer."""

    __tablename__ = "resale_billing_settings"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "provider_tenant_id", "reseller_tenant_id"),
        ForeignKeyConstraint(["sandbox_id", "provider_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "reseller_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    provider_tenant_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    invoice_per_end_customer: Mapped[bool]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(320))


class ResaleInvoice(SandboxScoped, Base):
    """BIL-5: a distributor's invoice to a reseller for one billing period (of one customer country, in one
    currency), for all its end customers or, by the reseller's setting, for one; frozen when issued."""

    __tablename__ = "resale_invoices"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "number"),
        ForeignKeyConstraint(["sandbox_id", "provider_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "reseller_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "end_customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_resale_invoices_reseller", "sandbox_id", "provider_tenant_id", "reseller_tenant_id", "invoice_date"),
    )

    number: Mapped[str] = mapped_column(String(20))
    provider_tenant_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    end_customer_tenant_id: Mapped[uuid.UUID | None]  # None: the aggregated invoice of every end customer
    country: Mapped[str] = mapped_column(String(2))
    billing_period_start: Mapped[date]
    billing_period_end: Mapped[date]  # inclusive
    invoice_date: Mapped[datetime]
    currency: Mapped[str] = mapped_column(String(3))
    seller_cost: Mapped[Decimal]  # what the reseller owes the distributor
    customer_cost: Mapped[Decimal]  # what its end customers owe it, support charges included
    support_total: Mapped[Decimal]
    margin: Mapped[Decimal]
    seats: Mapped[int]
    created_at: Mapped[datetime]


class ResaleLineType(WireEnum):
    CHARGE = "charge"  # a billing line of the distributor's invoice, priced through the price book
    SUPPORT_PLAN = "supportPlan"


class ResaleInvoiceLine(SandboxScoped, Base):
    """BIL-5, BIL-6: one line of a reseller's invoice: list price, the reseller's cost and the customer's price."""

    __tablename__ = "resale_invoice_lines"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "invoice_id"], ["resale_invoices.sandbox_id", "resale_invoices.id"]),
        Index("ix_resale_invoice_lines_invoice", "sandbox_id", "invoice_id", "line_number"),
    )

    invoice_id: Mapped[uuid.UUID]
    line_number: Mapped[int]
    line_type: Mapped[ResaleLineType] = mapped_column(enum_column(ResaleLineType, 20))
    customer_tenant_id: Mapped[uuid.UUID]
    customer_name: Mapped[str] = mapped_column(String(256))
    # The distributor's own invoice (billing's G-invoice) and line this one re-bills; none on a support line.
    source_invoice_number: Mapped[str | None] = mapped_column(String(20))
    subscription_id: Mapped[uuid.UUID | None]
    product_id: Mapped[str] = mapped_column(String(50))
    sku_id: Mapped[str] = mapped_column(String(50))
    product_name: Mapped[str] = mapped_column(String(256))
    charge_type: Mapped[str] = mapped_column(String(30))
    charge_start_date: Mapped[date]
    charge_end_date: Mapped[date]
    quantity: Mapped[int]
    billable_quantity: Mapped[Decimal] = mapped_column(Money(scale=6))
    price_book_id: Mapped[uuid.UUID | None]  # None: the default price book
    list_unit_price: Mapped[Decimal]
    reseller_unit_cost: Mapped[Decimal]
    customer_unit_price: Mapped[Decimal]
    seller_cost: Mapped[Decimal]
    customer_cost: Mapped[Decimal]
    margin: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
