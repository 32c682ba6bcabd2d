"""Every ORM model, imported here so relationships resolve and Alembic sees every table."""

from app.models.base import Base
from app.models.customer import (
    MCA_TEMPLATE_ID,
    AcceptanceChannel,
    CustomerAgreement,
    CustomerRelationship,
    InvitationKind,
    InvitationStatus,
    RelationshipInvitation,
    RelationshipKind,
    RelationshipOrigin,
)
from app.models.event import AuditRecord, Event, Notification
from app.models.idempotency import IdempotencyRecord
from app.models.partnership import Partnership, PartnershipStatus
from app.models.program import (
    AgreementStatus,
    Enrollment,
    EnrollmentStatus,
    PartnerAgreement,
    Program,
    RevenueMonth,
    ServiceRequest,
    ServiceRequestCategory,
    ServiceRequestStatus,
)
from app.models.sandbox import Sandbox
from app.models.signing_key import SigningKey
from app.models.subscription import Subscription, SubscriptionChannel
from app.models.tenant import AppRegistration, PartnerProfile, Tenant, TenantKind, User
from app.models.timer import Timer, TimerStatus

__all__ = [
    "MCA_TEMPLATE_ID",
    "AcceptanceChannel",
    "AgreementStatus",
    "AppRegistration",
    "AuditRecord",
    "Base",
    "CustomerAgreement",
    "CustomerRelationship",
    "Enrollment",
    "EnrollmentStatus",
    "Event",
    "IdempotencyRecord",
    "InvitationKind",
    "InvitationStatus",
    "Notification",
    "PartnerAgreement",
    "PartnerProfile",
    "Partnership",
    "PartnershipStatus",
    "Program",
    "RelationshipInvitation",
    "RelationshipKind",
    "RelationshipOrigin",
    "RevenueMonth",
    "Sandbox",
    "ServiceRequest",
    "ServiceRequestCategory",
    "ServiceRequestStatus",
    "SigningKey",
    "Subscription",
    "SubscriptionChannel",
    "Tenant",
    "TenantKind",
    "Timer",
    "TimerStatus",
    "User",
]
