import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class Program(WireEnum):
    DIRECT_BILL = "DirectBill"
    INDIRECT_RESELLER = "IndirectReseller"
    INDIRECT_PROVIDER = "IndirectProvider"


class EnrollmentStatus(WireEnum):
    PENDING = "Pending"
    APPROVED = "Approved"
    ACTIVE = "Active"
    RESTRICTED = "Restricted"
    REJECTED = "Rejected"
    OVERRIDDEN = "Overridden"


class Enrollment(SandboxScoped, Base):
    """A tenant's enrollment in one partner program."""

    __tablename__ = "enrollments"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_enrollments_tenant", "sandbox_id", "tenant_id", "program"),
    )

    tenant_id: Mapped[uuid.UUID]
    program: Mapped[Program] = mapped_column(enum_column(Program, 30))
    status: Mapped[EnrollmentStatus] = mapped_column(enum_column(EnrollmentStatus, 20))
    primary_contact_email: Mapped[str] = mapped_column(String(320))
    acknowledged_indirect_override: Mapped[bool] = mapped_column(default=False)
    # PRG-10/11: an indirect reseller enrollment made on a tenant whose direct-bill enrollment was restricted.
    on_restricted_direct_bill: Mapped[bool] = mapped_column(default=False)
    submitted_by: Mapped[str] = mapped_column(String(320))
    submitted_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    active_at: Mapped[datetime | None]
    restricted_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    overridden_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)


class AgreementStatus(WireEnum):
    PENDING = "Pending"
    ACCEPTED = "Accepted"


class PartnerAgreement(SandboxScoped, Base):
    """The Microsoft Partner Agreement an approved indirect reseller enrollment brings."""

    __tablename__ = "partner_agreements"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "enrollment_id"], ["enrollments.sandbox_id", "enrollments.id"]),
    )

    tenant_id: Mapped[uuid.UUID]
    enrollment_id: Mapped[uuid.UUID]
    agreement_type: Mapped[str] = mapped_column(String(60), default="MicrosoftPartnerAgreement")
    status: Mapped[AgreementStatus] = mapped_column(enum_column(AgreementStatus, 20))
    created_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[str | None] = mapped_column(String(320))


class ServiceRequestCategory(WireEnum):
    DIRECT_BILL_RESTRICTION = "DirectBillRestriction"
    GENERAL = "General"


class ServiceRequestStatus(WireEnum):
    OPEN = "Open"
    RESOLVED = "Resolved"


class ServiceRequest(SandboxScoped, Base):
    """A request to Microsoft support, opened by a partner, for itself or on behalf of one of its customers."""

    __tablename__ = "service_requests"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_service_requests_customer", "sandbox_id", "customer_tenant_id"),
    )

    tenant_id: Mapped[uuid.UUID]
    category: Mapped[ServiceRequestCategory] = mapped_column(enum_column(ServiceRequestCategory, 40))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[ServiceRequestStatus] = mapped_column(enum_column(ServiceRequestStatus, 20))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    # The customer the request is about, when a partner opened it on a customer's behalf.
    customer_tenant_id: Mapped[uuid.UUID | None]
    title: Mapped[str | None] = mapped_column(String(256))
    severity: Mapped[str | None] = mapped_column(String(20))
    # The conversation: [{"text", "createdByName", "createdDate"}], appended by PATCH's newNote.
    notes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    last_modified_at: Mapped[datetime | None]


class ProfileSection(WireEnum):
    """The parts of a partner's Partner Center profile read and written one at a time (`/v1/profiles/...`)."""

    LEGAL_BUSINESS = "LegalBusinessProfile"
    ORGANIZATION = "OrganizationProfile"
    BILLING = "BillingProfile"
    SUPPORT = "SupportProfile"


class PartnerProfileSection(Base):
    """One section of a partner's profile as it last wrote it (what the partner profile's own columns do not hold:
    a support phone, a tax id...). Its etag is the hash of its content."""

    __tablename__ = "partner_profile_sections"
    __table_args__ = (ForeignKeyConstraint(["sandbox_id", "tenant_id"], ["tenants.sandbox_id", "tenants.id"]),)

    sandbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    section: Mapped[ProfileSection] = mapped_column(enum_column(ProfileSection, 30), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class RevenueMonth(Base):
    """A partner's CSP revenue in one calendar month (per partner global account)."""

    __tablename__ = "revenue_months"
    __table_args__ = (ForeignKeyConstraint(["sandbox_id", "tenant_id"], ["tenants.sandbox_id", "tenants.id"]),)

    sandbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    amount_usd: Mapped[Decimal]
