"""Changes of a subscription into another one: a transition (an upgrade or conversion, Partner Center's Transition)
and a migration of a legacy subscription to new commerce (Partner Center's NewCommerceMigration)."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class TransitionStatus(WireEnum):
    """Partner Center's values; cspsim completes a transition in the request that asks for it."""

    PENDING = "pending"
    COMPLETED = "completed"


class SubscriptionTransition(SandboxScoped, Base):
    """Seats of one subscription moved to another offer: all of them (the source ends) or some (the source keeps
    the rest)."""

    __tablename__ = "subscription_transitions"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_subscription_transitions_from", "sandbox_id", "from_subscription_id"),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    partner_tenant_id: Mapped[uuid.UUID]
    from_subscription_id: Mapped[uuid.UUID]
    to_subscription_id: Mapped[uuid.UUID]
    from_catalog_item_id: Mapped[str] = mapped_column(String(200))
    to_catalog_item_id: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    # The target's term and billing cycle (Partner Center's Transition.termDuration and billingCycle).
    term_duration: Mapped[str | None] = mapped_column(String(10))
    billing_cycle: Mapped[str | None] = mapped_column(String(20))
    transition_type: Mapped[str] = mapped_column(String(60))
    status: Mapped[TransitionStatus] = mapped_column(enum_column(TransitionStatus, 20))
    order_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class MigrationStatus(WireEnum):
    """Partner Center's values."""

    PROCESSING = "Processing"
    COMPLETED = "Completed"
    FAILED = "Failed"


class NewCommerceMigration(SandboxScoped, Base):
    """A legacy subscription replaced by a new-commerce one (TRF-1's way for a legacy subscription to move)."""

    __tablename__ = "new_commerce_migrations"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_new_commerce_migrations_customer", "sandbox_id", "customer_tenant_id"),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    partner_tenant_id: Mapped[uuid.UUID]
    current_subscription_id: Mapped[uuid.UUID]
    new_commerce_subscription_id: Mapped[uuid.UUID | None]
    new_commerce_order_id: Mapped[uuid.UUID | None]
    catalog_item_id: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    term_duration: Mapped[str] = mapped_column(String(10))
    billing_cycle: Mapped[str] = mapped_column(String(20))
    purchase_full_term: Mapped[bool]
    external_reference_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[MigrationStatus] = mapped_column(enum_column(MigrationStatus, 20))
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    subscription_end_date: Mapped[datetime | None]
