"""What Partner Center keeps about a customer's user beyond its sign-in (identity's `users` row): names, usage
location and state (a deleted user is `inactive` for 30 days, then gone), its directory roles and its licences."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class CustomerUserState(WireEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class CustomerUserAccount(SandboxScoped, Base):
    """One per user a partner changed through Partner Center (a user without a row is active, named by identity).
    `id` is the user's id: the row extends the user, it is not another entity."""

    __tablename__ = "customer_user_accounts"
    __table_args__ = (ForeignKeyConstraint(["sandbox_id", "id"], ["users.sandbox_id", "users.id"]),)

    first_name: Mapped[str | None] = mapped_column(String(64))
    last_name: Mapped[str | None] = mapped_column(String(64))
    usage_location: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[CustomerUserState] = mapped_column(enum_column(CustomerUserState, 20))
    # Stamped by the lifecycle when the user is deleted: the 30-day restore window counts from here.
    inactive_at: Mapped[datetime | None]
    # A deleted user cannot sign in: its password hash waits here until it is restored.
    held_password_hash: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class DirectoryRoleMember(Base):
    """A user holding a directory role of its tenant (other than Global Administrator, which identity keeps as the
    user's `GlobalAdmin` role so that the person can act as the customer's admin)."""

    __tablename__ = "directory_role_members"
    __table_args__ = (ForeignKeyConstraint(["sandbox_id", "user_id"], ["users.sandbox_id", "users.id"]),)

    sandbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    role_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]


class LicenseAssignment(Base):
    """A seat of one of the customer's subscribed SKUs, assigned to one of its users. The seats a SKU's active
    subscriptions hold bound how many rows it may have among active users."""

    __tablename__ = "license_assignments"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "user_id"], ["users.sandbox_id", "users.id"]),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        # Counting a SKU's consumed seats reads the customer's assignments of that SKU.
        Index("ix_license_assignments_customer_sku", "sandbox_id", "customer_tenant_id", "sku_id"),
    )

    sandbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sku_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    customer_tenant_id: Mapped[uuid.UUID]
    assigned_at: Mapped[datetime]
