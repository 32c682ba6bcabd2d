"""Windows Autopilot for a partner's customers (device batches, devices, upload status, configuration policies), and
the Azure fraud alerts Partner Center raises on a partner's customers."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped


class DeviceBatch(SandboxScoped, Base):
    """A named batch of a customer's devices. Partner Center names a batch by the `batchId` its creator chose, so
    the name is the batch's id on the wire and unique per customer."""

    __tablename__ = "device_batches"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "customer_tenant_id", "name"),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(128))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]


class Device(SandboxScoped, Base):
    """One device of a batch, known by its hardware hash, product key or serial number (with make and model)."""

    __tablename__ = "devices"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "batch_id"], ["device_batches.sandbox_id", "device_batches.id"]),
        Index("ix_devices_batch", "sandbox_id", "batch_id"),
    )

    batch_id: Mapped[uuid.UUID]
    serial_number: Mapped[str | None] = mapped_column(String(128))
    product_key: Mapped[str | None] = mapped_column(String(64))
    hardware_hash: Mapped[str | None] = mapped_column(String(8192))
    model_name: Mapped[str | None] = mapped_column(String(128))
    oem_manufacturer_name: Mapped[str | None] = mapped_column(String(128))
    uploaded_at: Mapped[datetime]


class DeviceUpload(SandboxScoped, Base):
    """An upload of devices into a batch and its outcome per device: what `batchJobStatus/{id}` answers."""

    __tablename__ = "device_uploads"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "batch_id"], ["device_batches.sandbox_id", "device_batches.id"]),
    )

    batch_id: Mapped[uuid.UUID]
    customer_tenant_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(30))
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    # [{deviceId, serialNumber, productKey, status, errorCode, errorDescription}], as Partner Center reports them.
    devices_status: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ConfigurationPolicy(SandboxScoped, Base):
    """An Autopilot profile (out-of-box experience settings) a partner keeps for a customer."""

    __tablename__ = "configuration_policies"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_configuration_policies_customer", "sandbox_id", "customer_tenant_id"),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(256))
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(String(1024))
    policy_settings: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    last_modified_at: Mapped[datetime]


class FraudEvent(SandboxScoped, Base):
    """An Azure fraud alert (crypto mining and the like) on a customer's Azure subscription, raised to the partner
    that transacts for the customer. cspsim raises one only when the operator injects it."""

    __tablename__ = "fraud_events"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_fraud_events_partner", "sandbox_id", "partner_tenant_id"),
    )

    partner_tenant_id: Mapped[uuid.UUID]
    customer_tenant_id: Mapped[uuid.UUID]
    subscription_id: Mapped[str] = mapped_column(String(64))
    event_name: Mapped[str] = mapped_column(String(64))
    event_status: Mapped[str] = mapped_column(String(20))
    entity_name: Mapped[str] = mapped_column(String(256))
    service_name: Mapped[str] = mapped_column(String(128))
    resource_name: Mapped[str] = mapped_column(String(256))
    resource_group_name: Mapped[str] = mapped_column(String(256))
    hit_count: Mapped[int]
    first_occurrence: Mapped[datetime]
    last_occurrence: Mapped[datetime]
