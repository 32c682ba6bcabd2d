import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class WebhookRegistration(SandboxScoped, Base):
    """A partner's webhook registration: one per partner tenant, as Partner Center has it."""

    __tablename__ = "webhook_registrations"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "tenant_id"),
        ForeignKeyConstraint(["sandbox_id", "tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    tenant_id: Mapped[uuid.UUID]
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DeliveryStatus(WireEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WebhookDelivery(SandboxScoped, Base):
    """One event on its way to one partner's receiver, with every attempt logged."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        # The control surface's log of them, by pages in the order they were made.
        Index("ix_webhook_deliveries_listed", "sandbox_id", "created_at", "id"),
        # An event's deliveries in the order they were made (a validation event's status): read off the whole log,
        # it grew with the sandbox's.
        Index("ix_webhook_deliveries_event", "sandbox_id", "event_id", "created_at", "id"),
    )

    tenant_id: Mapped[uuid.UUID]
    event_id: Mapped[uuid.UUID]
    event_name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2000))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus, 20))
    attempts: Mapped[int] = mapped_column(default=0)
    # Real time, not the sandbox clock: a receiver is retried while the world stands still.
    next_attempt_at: Mapped[datetime]
    # Real time: the worker posting this attempt holds it until then (app.events.webhooks).
    claimed_until: Mapped[datetime | None]
    log: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
