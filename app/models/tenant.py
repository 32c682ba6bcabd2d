import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class TenantKind(WireEnum):
    PARTNER = "partner"
    CUSTOMER = "customer"


class Tenant(SandboxScoped, Base):
    """An Entra tenant: a partner's or a customer's directory."""

    __tablename__ = "tenants"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "domain"),
        # Entra's discovery names a tenant by id or domain alone, in no sandbox (`identity.discovery`): without
        # these, each such call read every tenant of every sandbox the database holds.
        Index("ix_tenants_id", "id"),
        Index("ix_tenants_domain", "domain"),
    )

    kind: Mapped[TenantKind] = mapped_column(enum_column(TenantKind, 20))
    display_name: Mapped[str] = mapped_column(String(256))
    domain: Mapped[str] = mapped_column(String(253))
    country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime]


class User(SandboxScoped, Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "user_principal_name"),
        ForeignKeyConstraint(["sandbox_id", "tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        # A tenant's users (its listings); a portal sign-in names a user in no sandbox (`identity.service`).
        Index("ix_users_tenant", "sandbox_id", "tenant_id"),
        Index("ix_users_user_principal_name", "user_principal_name"),
    )

    tenant_id: Mapped[uuid.UUID]
    user_principal_name: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(256))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    # Smart lockout: wrong passwords since the last good one, and until when sign-ins are refused.
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]


class AppRegistration(SandboxScoped, Base):
    """An app registration; its client id is globally unique, so a token request finds its sandbox."""

    __tablename__ = "app_registrations"
    __table_args__ = (
        UniqueConstraint("client_id"),
        ForeignKeyConstraint(["sandbox_id", "tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    tenant_id: Mapped[uuid.UUID]
    display_name: Mapped[str] = mapped_column(String(256))
    client_id: Mapped[uuid.UUID]
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class PartnerProfile(Base):
    """A partner's Partner Center profile (legal business profile, MPN partner ID, contact)."""

    __tablename__ = "partner_profiles"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "partner_id"),
        ForeignKeyConstraint(["sandbox_id", "tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    sandbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    partner_id: Mapped[str | None] = mapped_column(String(20))
    legal_name: Mapped[str | None] = mapped_column(String(256))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    primary_contact_email: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime]
