import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column


class SubscriptionChannel(StrEnum):
    """Where a subscription was bought: through a CSP partner, directly from Microsoft, or with an advisor."""

    CSP = "CSP"
    DIRECT = "Direct"
    ADVISOR = "Advisor"


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
    offer_id: Mapped[str] = mapped_column(String(200))
    offer_name: Mapped[str] = mapped_column(String(256))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    term_duration: Mapped[str | None] = mapped_column(String(10))
    billing_cycle: Mapped[str | None] = mapped_column(String(20))
    commitment_end_date: Mapped[date | None]
    auto_renew: Mapped[bool] = mapped_column(default=True)
    # The advisor or reseller MPN id recorded as partner of record.
    partner_of_record: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]
