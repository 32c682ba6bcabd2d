"""The distributor's marketplace: reseller accounts, their people, program access, affiliates, storefront orders,
the customers' click-through of the MCA, and each distributor's counter-party policy.

A reseller is a partner tenant of the sandbox, keyed by its tenant id (`reseller_tenant_id`) everywhere: other
domains (price books, invoices per reseller) key on the same id."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


def _account() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["sandbox_id", "account_id"], ["marketplace_accounts.sandbox_id", "marketplace_accounts.id"]
    )


class AccountKind(WireEnum):
    RESELLER = "Reseller"  # an existing indirect reseller given a platform account
    BASIC_RESELLER = "BasicReseller"  # a partner tenant the distributor created (seed 003)


class AccountStatus(WireEnum):
    REQUESTED = "Requested"
    ACTIVE = "Active"
    REJECTED = "Rejected"


class MarketplaceAccount(SandboxScoped, Base):
    """A reseller's platform account with one distributor (an indirect provider tenant)."""

    __tablename__ = "marketplace_accounts"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "distributor_tenant_id", "reseller_tenant_id"),
        ForeignKeyConstraint(["sandbox_id", "distributor_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "reseller_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_marketplace_accounts_reseller", "sandbox_id", "reseller_tenant_id"),
    )

    distributor_tenant_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind, 20))
    status: Mapped[AccountStatus] = mapped_column(enum_column(AccountStatus, 20))
    # The reseller's own tenant for personal use: a customer tenant made for it at its first personal-use order.
    own_tenant_id: Mapped[uuid.UUID | None]
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    active_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)


class MarketplaceRole(WireEnum):
    DISTRIBUTOR_OPERATIONS = "DistributorOperations"
    RESELLER_ADMIN = "ResellerAdmin"
    RESELLER_BUYER = "ResellerBuyer"


class MarketplaceMember(SandboxScoped, Base):
    """A person's marketplace role: a distributor's operations user, or a reseller's admin or buyer."""

    __tablename__ = "marketplace_members"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "distributor_tenant_id", "user_id"),
        ForeignKeyConstraint(["sandbox_id", "distributor_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "user_id"], ["users.sandbox_id", "users.id"]),
    )

    distributor_tenant_id: Mapped[uuid.UUID]
    tenant_id: Mapped[uuid.UUID]  # the user's tenant: the distributor's, or a reseller's
    user_id: Mapped[uuid.UUID]
    role: Mapped[MarketplaceRole] = mapped_column(enum_column(MarketplaceRole, 30))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]


class MarketplaceProgram(WireEnum):
    AZURE_RESELLER = "Microsoft Azure Reseller Program"
    AZURE_PLAN = "Microsoft Azure Plan"
    MODERN_WORKPLACE = "Microsoft Modern Workplace"


class ProgramAccessStatus(WireEnum):
    REQUESTED = "Requested"
    APPROVED = "Approved"
    REJECTED = "Rejected"


class ProgramAccess(SandboxScoped, Base):
    """A reseller's request for access to one of the distributor's Microsoft programs (COM-5)."""

    __tablename__ = "marketplace_program_access"
    __table_args__ = (
        _account(),
        Index("ix_marketplace_program_access_account", "sandbox_id", "account_id", "program"),
    )

    account_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    distributor_tenant_id: Mapped[uuid.UUID]
    program: Mapped[MarketplaceProgram] = mapped_column(enum_column(MarketplaceProgram, 60))
    status: Mapped[ProgramAccessStatus] = mapped_column(enum_column(ProgramAccessStatus, 20))
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class AffiliateAccount(SandboxScoped, Base):
    """A reseller's other tenant (COM-7): bought for and billed to the reseller, not tied to its partner ID."""

    __tablename__ = "marketplace_affiliates"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "customer_tenant_id"),
        _account(),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_marketplace_affiliates_account", "sandbox_id", "account_id"),
    )

    account_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    customer_tenant_id: Mapped[uuid.UUID]
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]


class PurchaseMode(WireEnum):
    PERSONAL_USE = "PersonalUse"
    AFFILIATE = "AffiliateAccount"
    END_CUSTOMER = "EndCustomer"


class StorefrontOrder(SandboxScoped, Base):
    """A reseller's storefront order: the Partner Center order the distributor placed for it, and its mode."""

    __tablename__ = "marketplace_orders"
    __table_args__ = (
        _account(),
        ForeignKeyConstraint(["sandbox_id", "order_id"], ["orders.sandbox_id", "orders.id"]),
        Index("ix_marketplace_orders_account", "sandbox_id", "account_id"),
    )

    account_id: Mapped[uuid.UUID]
    distributor_tenant_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    customer_tenant_id: Mapped[uuid.UUID]
    purchase_mode: Mapped[PurchaseMode] = mapped_column(enum_column(PurchaseMode, 30))
    order_id: Mapped[uuid.UUID]
    billed_to_tenant_id: Mapped[uuid.UUID]
    partner_id_on_record: Mapped[str | None] = mapped_column(String(20))
    incentive_eligible: Mapped[bool]
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]


class ClickThroughStatus(WireEnum):
    PENDING = "Pending"
    ACCEPTED = "Accepted"


class McaClickThrough(SandboxScoped, Base):
    """The storefront page's link where a customer's admin accepts the MCA (seed 002); the distributor records the
    acceptance as its attestation in Partner Center."""

    __tablename__ = "marketplace_click_throughs"
    __table_args__ = (
        UniqueConstraint("code"),
        _account(),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    code: Mapped[str] = mapped_column(String(64))  # globally unique, like a credential: the page finds its sandbox
    account_id: Mapped[uuid.UUID]
    distributor_tenant_id: Mapped[uuid.UUID]
    reseller_tenant_id: Mapped[uuid.UUID]
    customer_tenant_id: Mapped[uuid.UUID]
    status: Mapped[ClickThroughStatus] = mapped_column(enum_column(ClickThroughStatus, 20))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    agreement_id: Mapped[uuid.UUID | None]


class DistributorPolicy(Base):
    """The counter-party policy deciding a distributor's program access requests, set on the control surface:
    `manual` (operations decide), or `accept`/`reject` after a number of business days."""

    __tablename__ = "marketplace_policies"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "distributor_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    sandbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    distributor_tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    program_access_decision: Mapped[str] = mapped_column(String(10))
    business_days: Mapped[int]
    updated_at: Mapped[datetime]
