import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Money, SandboxScoped, enum_column
from app.wire import WireEnum


class UsageRecord(SandboxScoped, Base):
    """One day's consumption of one Azure meter by one resource of an Azure plan subscription, priced from the rate
    card when it was recorded; `invoice_id` is set when the period's invoice bills it (in arrears, BIL-1)."""

    __tablename__ = "usage_records"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "subscription_id"], ["subscriptions.sandbox_id", "subscriptions.id"]),
        Index("ix_usage_records_subscription", "sandbox_id", "subscription_id", "usage_date"),
        Index("ix_usage_records_partner", "sandbox_id", "partner_tenant_id", "usage_date"),
    )

    subscription_id: Mapped[uuid.UUID]
    customer_tenant_id: Mapped[uuid.UUID]
    partner_tenant_id: Mapped[uuid.UUID]
    meter_id: Mapped[str] = mapped_column(String(36))
    usage_date: Mapped[date]
    quantity: Mapped[Decimal] = mapped_column(Money(scale=6))
    unit_price: Mapped[Decimal] = mapped_column(Money(scale=6))
    currency: Mapped[str] = mapped_column(String(3))
    resource_uri: Mapped[str] = mapped_column(String(512))
    resource_group: Mapped[str] = mapped_column(String(90))
    resource_name: Mapped[str] = mapped_column(String(256))
    recorded_at: Mapped[datetime]
    invoice_id: Mapped[uuid.UUID | None]


class ExportStatus(WireEnum):
    """Graph's longRunningOperationStatus."""

    NOT_STARTED = "notStarted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class BillingExport(SandboxScoped, Base):
    """A Graph partner billing export (reconciliation or usage) and, once it succeeded, its one gzip JSON-lines
    blob."""

    __tablename__ = "billing_exports"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_billing_exports_partner", "sandbox_id", "partner_tenant_id"),
    )

    partner_tenant_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[ExportStatus] = mapped_column(enum_column(ExportStatus, 20))
    created_at: Mapped[datetime]
    last_action_at: Mapped[datetime]
    blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    line_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
