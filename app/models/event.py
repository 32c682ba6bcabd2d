import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped


class Event(SandboxScoped, Base):
    """The outbox: one row per thing that happened, written in the transaction that did it."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_seq", "sandbox_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    resource_type: Mapped[str] = mapped_column(String(100))
    resource_id: Mapped[str] = mapped_column(String(200))
    # The partner tenants this event is for (webhooks are per partner).
    tenant_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime]


class AuditRecord(SandboxScoped, Base):
    """Partner Center's audit log: who did what to which resource, per partner tenant."""

    __tablename__ = "audit_records"
    __table_args__ = (Index("ix_audit_records_tenant", "sandbox_id", "tenant_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger)
    tenant_id: Mapped[uuid.UUID | None]
    customer_id: Mapped[uuid.UUID | None]
    actor: Mapped[str] = mapped_column(String(320))
    application_id: Mapped[str | None] = mapped_column(String(64))
    operation_type: Mapped[str] = mapped_column(String(100))
    operation_status: Mapped[str] = mapped_column(String(20), default="succeeded")
    resource_type: Mapped[str] = mapped_column(String(100))
    resource_id: Mapped[str] = mapped_column(String(200))
    old_value: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_value: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    occurred_at: Mapped[datetime]


class Notification(SandboxScoped, Base):
    """A mail the platform "sent": readable by its partner and by the sandbox's operator."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_to", "sandbox_id", "recipient", "seq"),
        Index("ix_notifications_tenant", "sandbox_id", "tenant_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger)
    tenant_id: Mapped[uuid.UUID | None]
    recipient: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]
