import uuid
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class PartnershipStatus(WireEnum):
    INVITED = "Invited"
    ACTIVE = "Active"


class Partnership(SandboxScoped, Base):
    """An indirect provider and an indirect reseller working together; born as the provider's invitation."""

    __tablename__ = "partnerships"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "provider_tenant_id", "reseller_tenant_id"),
        ForeignKeyConstraint(["sandbox_id", "provider_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "reseller_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    provider_tenant_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    status: Mapped[PartnershipStatus] = mapped_column(enum_column(PartnershipStatus, 20))
    invited_by: Mapped[str] = mapped_column(String(320))
    invited_at: Mapped[datetime]
    active_at: Mapped[datetime | None]
    accepted_by: Mapped[str | None] = mapped_column(String(320))
