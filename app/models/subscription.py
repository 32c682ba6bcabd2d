import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class SubscriptionChannel(WireEnum):
    """Where a subscription was bought: through a CSP partner, directly from Microsoft, or with an advisor."""

    CSP = "CSP"
    DIRECT = "Direct"
    ADVISOR = "Advisor"


class SubscriptionStatus(WireEnum):
    """Partner Center's literal values."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"
    EXPIRED = "expired"


class Subscription(SandboxScoped, Base):
    """A customer's subscription, whatever channel it came through (multi-channel, REL-8)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_subscriptions_customer", "sandbox_id", "customer_tenant_id"),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    channel: Mapped[SubscriptionChannel] = mapped_column(enum_column(SubscriptionChannel, 20))
    # The transacting CSP partner (None for direct and advisor purchases).
    partner_tenant_id: Mapped[uuid.UUID | None]
    order_id: Mapped[uuid.UUID | None]
    offer_id: Mapped[str] = mapped_column(String(200))
    offer_name: Mapped[str] = mapped_column(String(256))
    friendly_name: Mapped[str | None] = mapped_column(String(256))
    product_type: Mapped[str | None] = mapped_column(String(40))
    is_new_commerce: Mapped[bool] = mapped_column(default=True)
    quantity: Mapped[int]
    status: Mapped[SubscriptionStatus] = mapped_column(enum_column(SubscriptionStatus, 20))
    term_duration: Mapped[str | None] = mapped_column(String(10))
    billing_cycle: Mapped[str | None] = mapped_column(String(20))
    unit_price: Mapped[Decimal | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    effective_start_date: Mapped[datetime | None]
    commitment_end_date: Mapped[date | None]
    cancellation_allowed_until: Mapped[datetime | None]
    # COM-8: each purchase, renewal and mid-term addition opens its own window: [{quantity, allowedUntil}].
    refundable_tranches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    auto_renew: Mapped[bool] = mapped_column(default=True)
    scheduled_quantity: Mapped[int | None]
    # A scheduled next-term change of offer (Partner Center's scheduledNextTermInstructions.product): the
    # catalogItemId, term and billing cycle the subscription renews with.
    scheduled_catalog_item_id: Mapped[str | None] = mapped_column(String(200))
    scheduled_term_duration: Mapped[str | None] = mapped_column(String(10))
    scheduled_billing_cycle: Mapped[str | None] = mapped_column(String(20))
    # An add-on's base subscription (Partner Center's parentSubscriptionId).
    parent_subscription_id: Mapped[uuid.UUID | None]
    # The advisor or reseller PartnerID recorded as partner of record.
    partner_of_record: Mapped[str | None] = mapped_column(String(20))
    # The promotion it was bought with (Partner Center's promotionId), as GET /v1/productpromotions lists it.
    promotion_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class OrderStatus(WireEnum):
    """Partner Center's values: an order is pending until it is provisioned (or cancelled while pending)."""

    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Order(SandboxScoped, Base):
    """A partner's order for a customer; each line became a subscription."""

    __tablename__ = "orders"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_orders_customer", "sandbox_id", "customer_tenant_id", "partner_tenant_id"),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    partner_tenant_id: Mapped[uuid.UUID]
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus, 20))
    transaction_type: Mapped[str] = mapped_column(String(30), default="UserPurchase")
    currency: Mapped[str] = mapped_column(String(3))
    # [{lineItemNumber, offerId, subscriptionId, quantity, termDuration, billingCycle, partnerIdOnRecord, ...}]
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class OrderRequestStatus(WireEnum):
    PENDING = "Pending"
    FULFILLED = "Fulfilled"
    REJECTED = "Rejected"


class OrderRequest(SandboxScoped, Base):
    """COM-2: an indirect reseller asks its provider to order for one of its customers."""

    __tablename__ = "order_requests"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "reseller_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "provider_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    provider_tenant_id: Mapped[uuid.UUID]
    status: Mapped[OrderRequestStatus] = mapped_column(enum_column(OrderRequestStatus, 20))
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    order_id: Mapped[uuid.UUID | None]
    reason: Mapped[str | None] = mapped_column(String(1000))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    fulfilled_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]


class Charge(SandboxScoped, Base):
    """A charge event billing reads: new, addQuantity, removeQuantity, cancel, renew (priced at the term's price)."""

    __tablename__ = "charges"
    __table_args__ = (
        Index("ix_charges_partner", "sandbox_id", "partner_tenant_id", "seq"),
        # A subscription's charges in order: its history, and whether a charge is its first (unbilled lines).
        Index("ix_charges_subscription", "sandbox_id", "subscription_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger)
    subscription_id: Mapped[uuid.UUID]
    customer_tenant_id: Mapped[uuid.UUID]
    partner_tenant_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(30))
    quantity: Mapped[int]
    quantity_after: Mapped[int]
    unit_price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    term_duration: Mapped[str | None] = mapped_column(String(10))
    billing_cycle: Mapped[str | None] = mapped_column(String(20))
    reseller_mpn_id: Mapped[str | None] = mapped_column(String(20))
    occurred_at: Mapped[datetime]
    # When the subscription's current term began: billing anchors its charge periods on it (a purchase on the 15th
    # bills the 15th to the 14th), and a subscription that arrived by a transfer keeps the source's term.
    term_start: Mapped[datetime | None]
