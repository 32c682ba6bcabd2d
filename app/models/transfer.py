import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class TransferStatus(WireEnum):
    """Partner Center's values: a request is Active until it completes, expires, is canceled or fails."""

    ACTIVE = "Active"
    COMPLETE = "Complete"
    EXPIRED = "Expired"
    CANCELED = "Canceled"
    FAILED = "Failed"


class Transfer(SandboxScoped, Base):
    """A new-commerce transfer of a customer's subscriptions from a source partner to the target that asked."""

    __tablename__ = "transfers"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "source_partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "target_partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_transfers_customer", "sandbox_id", "customer_tenant_id"),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    source_partner_tenant_id: Mapped[uuid.UUID]
    target_partner_tenant_id: Mapped[uuid.UUID]
    customer_email: Mapped[str] = mapped_column(String(320))
    status: Mapped[TransferStatus] = mapped_column(enum_column(TransferStatus, 20))
    transfer_type: Mapped[int] = mapped_column(default=5)
    target_product_types: Mapped[list[str] | None] = mapped_column(JSON)
    partner_on_record: Mapped[str | None] = mapped_column(String(20))
    # [{id, subscriptionId, quantity, status, transferError}] chosen by the source partner.
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(320))
    last_modified_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_modified_at: Mapped[datetime]
    complete_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    order_id: Mapped[uuid.UUID | None]
