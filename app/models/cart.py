import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class CartStatus(WireEnum):
    """Partner Center's cart statuses."""

    ACTIVE = "Active"
    ORDERED = "Ordered"
    EXPIRED = "Expired"


class Cart(SandboxScoped, Base):
    """A partner's cart for a customer: line items to check out into orders, within 7 days of its creation."""

    __tablename__ = "carts"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_carts_customer", "sandbox_id", "customer_tenant_id", "partner_tenant_id"),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    partner_tenant_id: Mapped[uuid.UUID]
    status: Mapped[CartStatus] = mapped_column(enum_column(CartStatus, 20))
    # The line items as Partner Center shows them: [{id, catalogItemId, quantity, billingCycle, orderGroup, ...}].
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_modified_user: Mapped[str] = mapped_column(String(320))
    # The first checkout's answer, which a second checkout repeats: {"orderIds": [...], "orderErrors": [...]}.
    checkout: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ordered_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
