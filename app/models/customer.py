import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class RelationshipKind(WireEnum):
    """How a partner holds a customer: as its direct-bill reseller, as an indirect reseller, or as the provider."""

    DIRECT_BILL = "DirectBill"
    INDIRECT_RESELLER = "IndirectReseller"
    INDIRECT_PROVIDER = "IndirectProvider"


class RelationshipOrigin(WireEnum):
    CREATED = "Created"  # the partner created the customer's tenant
    INVITATION = "Invitation"  # the customer accepted a link
    EXTENSION = "Extension"  # REL-6: the transitioning reseller extended its relationship to its provider


class CustomerRelationship(SandboxScoped, Base):
    """A reseller relationship between a customer tenant and a partner tenant."""

    __tablename__ = "customer_relationships"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "customer_tenant_id", "partner_tenant_id", "kind"),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        # With the customer too: a partner's look-up of one customer stays one index probe whatever the planner
        # thinks of the table (PostgreSQL without statistics took the partner prefix and filtered every customer).
        Index("ix_customer_relationships_partner", "sandbox_id", "partner_tenant_id", "customer_tenant_id"),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    partner_tenant_id: Mapped[uuid.UUID]
    kind: Mapped[RelationshipKind] = mapped_column(enum_column(RelationshipKind, 30))
    origin: Mapped[RelationshipOrigin] = mapped_column(enum_column(RelationshipOrigin, 20))
    # The other partner of an indirect pair: the reseller of a provider's relationship, and the other way round.
    counterpart_tenant_id: Mapped[uuid.UUID | None]
    # Whether the partner may administer the tenant (no admin privileges come through REL-6's extension).
    admin_privileges: Mapped[bool] = mapped_column(default=True)
    billing_profile: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class CustomerCount(Base):
    """How many customers a partner holds (by any kind of relationship), kept as relationships are made and ended so
    a listing's `totalCount` is a sum of a few rows, not a count over the partner's book. Spread over `SLOTS` rows
    by customer, so concurrent creates for one partner rarely wait on one row; a row is a running delta and may go
    below zero while the partner's sum stays true."""

    __tablename__ = "customer_counts"
    __table_args__ = (ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),)
    SLOTS = 16

    sandbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sandboxes.id"), primary_key=True)
    partner_tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    slot: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    customers: Mapped[int]


class ExtensionConsent(SandboxScoped, Base):
    """REL-6 (d): the transitioning partner's record that the customer was informed of the reseller relationship
    extension and consented, kept beside the relationship the extension created (one consent per relationship)."""

    __tablename__ = "extension_consents"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "relationship_id"),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "indirect_provider_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(
            ["sandbox_id", "relationship_id"], ["customer_relationships.sandbox_id", "customer_relationships.id"]
        ),
        Index("ix_extension_consents_customer", "sandbox_id", "customer_tenant_id"),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    # The transitioning partner that recorded the consent, and the provider it extended the relationship to.
    partner_tenant_id: Mapped[uuid.UUID]
    indirect_provider_tenant_id: Mapped[uuid.UUID]
    relationship_id: Mapped[uuid.UUID]
    # Who at the customer consented, when given; the partner's word is the record either way.
    contact_first_name: Mapped[str | None] = mapped_column(String(100))
    contact_last_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    date_consented: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(320))
    recorded_by_user_id: Mapped[uuid.UUID | None]
    recorded_at: Mapped[datetime]


class InvitationKind(WireEnum):
    RESELLER_RELATIONSHIP = "ResellerRelationship"  # REL-7
    INDIRECT_RESELLER = "IndirectReseller"  # REL-1


class InvitationStatus(WireEnum):
    PENDING = "Pending"
    ACCEPTED = "Accepted"
    DECLINED = "Declined"


class RelationshipInvitation(SandboxScoped, Base):
    """A link a partner sends a customer; the customer's Global admin accepts it in the admin center."""

    __tablename__ = "relationship_invitations"
    __table_args__ = (
        UniqueConstraint("code"),
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    # The link's code is globally unique, like a credential: the page finds its sandbox by it.
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[InvitationKind] = mapped_column(enum_column(InvitationKind, 30))
    status: Mapped[InvitationStatus] = mapped_column(enum_column(InvitationStatus, 20))
    partner_tenant_id: Mapped[uuid.UUID]
    relationship_kind: Mapped[RelationshipKind] = mapped_column(enum_column(RelationshipKind, 30))
    indirect_provider_tenant_id: Mapped[uuid.UUID | None]
    # A link for one customer only; a standing link (REL-7) has none and serves any customer once each.
    customer_tenant_id: Mapped[uuid.UUID | None]
    reusable: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[str | None] = mapped_column(String(320))


MCA_TEMPLATE_ID = "117a77b0-9360-443b-8795-c6dedc750cf9"
MCA = "MicrosoftCustomerAgreement"
AGREEMENT_TEMPLATES = [
    {
        "template_id": MCA_TEMPLATE_ID,
        "agreement_type": MCA,
        "agreement_link": "https://aka.ms/customeragreement",
        "version_rank": 0,
    }
]


class AcceptanceChannel(WireEnum):
    PARTNER_ATTESTATION = "PartnerAttestation"
    ADMIN_CENTER = "AdminCenter"


class CustomerAgreement(SandboxScoped, Base):
    """An acceptance of the Microsoft Customer Agreement: attested by a partner, or by the customer itself."""

    __tablename__ = "customer_agreements"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_customer_agreements_customer", "sandbox_id", "customer_tenant_id"),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    channel: Mapped[AcceptanceChannel] = mapped_column(enum_column(AcceptanceChannel, 30))
    # The attesting partner (None when the customer accepted in its admin center).
    partner_tenant_id: Mapped[uuid.UUID | None]
    template_id: Mapped[str] = mapped_column(String(64))
    agreement_type: Mapped[str] = mapped_column(String(60), default="MicrosoftCustomerAgreement")
    contact_first_name: Mapped[str] = mapped_column(String(100))
    contact_last_name: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    date_agreed: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(320))
    recorded_by_user_id: Mapped[uuid.UUID | None]
    recorded_at: Mapped[datetime]


class Qualification(WireEnum):
    """Partner Center's customer qualifications (the .NET SDK's `CustomerQualification`)."""

    EDUCATION = "Education"
    GOVERNMENT_COMMUNITY_CLOUD = "GovernmentCommunityCloud"
    STATE_OWNED_ENTITY = "StateOwnedEntity"


class VettingStatus(WireEnum):
    NONE = "None"
    IN_REVIEW = "InReview"
    APPROVED = "Approved"
    DENIED = "Denied"


class CustomerQualification(SandboxScoped, Base):
    """A qualification a partner asked for on a customer's behalf (education, government, state-owned): one of each
    per customer."""

    __tablename__ = "customer_qualifications"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "customer_tenant_id", "qualification"),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    customer_tenant_id: Mapped[uuid.UUID]
    qualification: Mapped[Qualification] = mapped_column(enum_column(Qualification, 40))
    vetting_status: Mapped[VettingStatus] = mapped_column(enum_column(VettingStatus, 20))
    # The GovernmentCommunityCloud validation code the partner was given, when it sent one.
    validation_code: Mapped[str | None] = mapped_column(String(100))
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_by_tenant_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
