"""Every ORM model, imported here so relationships resolve and Alembic sees every table."""

from app.models.base import Base
from app.models.billing import Invoice, InvoiceLine, InvoiceType
from app.models.customer import (
    AGREEMENT_TEMPLATES,
    MCA,
    MCA_TEMPLATE_ID,
    AcceptanceChannel,
    CustomerAgreement,
    CustomerRelationship,
    ExtensionConsent,
    InvitationKind,
    InvitationStatus,
    RelationshipInvitation,
    RelationshipKind,
    RelationshipOrigin,
)
from app.models.customer_user import (
    CustomerUserAccount,
    CustomerUserState,
    DirectoryRoleMember,
    LicenseAssignment,
)
from app.models.devices import ConfigurationPolicy, Device, DeviceBatch, DeviceUpload, FraudEvent
from app.models.event import AuditRecord, Event, Notification
from app.models.fault import FaultKind, FaultRule
from app.models.gdap import (
    AccessAssignmentStatus,
    DelegatedAdminAccessAssignment,
    DelegatedAdminOperation,
    DelegatedAdminRelationship,
    DelegatedAdminRelationshipRequest,
    GdapRelationshipStatus,
    GdapRequestAction,
    GdapRequestStatus,
    OperationStatus,
    SecurityGroup,
    SecurityGroupMember,
)
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
from app.models.subscription import (
    Charge,
    Order,
    OrderRequest,
    OrderRequestStatus,
    OrderStatus,
    Subscription,
    SubscriptionChannel,
    SubscriptionStatus,
)
from app.models.tenant import AppRegistration, PartnerProfile, Tenant, TenantKind, User
from app.models.throttle import ThrottleWindow
from app.models.timer import Timer, TimerStatus
from app.models.transfer import Transfer, TransferStatus
from app.models.webhook import DeliveryStatus, WebhookDelivery, WebhookRegistration

__all__ = [
    "AGREEMENT_TEMPLATES",
    "MCA",
    "MCA_TEMPLATE_ID",
    "AcceptanceChannel",
    "AccessAssignmentStatus",
    "AgreementStatus",
    "AppRegistration",
    "AuditRecord",
    "Base",
    "Charge",
    "ConfigurationPolicy",
    "CustomerAgreement",
    "CustomerRelationship",
    "CustomerUserAccount",
    "CustomerUserState",
    "DelegatedAdminAccessAssignment",
    "DelegatedAdminOperation",
    "DelegatedAdminRelationship",
    "DelegatedAdminRelationshipRequest",
    "DeliveryStatus",
    "Device",
    "DeviceBatch",
    "DeviceUpload",
    "DirectoryRoleMember",
    "Enrollment",
    "EnrollmentStatus",
    "Event",
    "ExtensionConsent",
    "FaultKind",
    "FaultRule",
    "FraudEvent",
    "GdapRelationshipStatus",
    "GdapRequestAction",
    "GdapRequestStatus",
    "IdempotencyRecord",
    "InvitationKind",
    "InvitationStatus",
    "Invoice",
    "InvoiceLine",
    "InvoiceType",
    "LicenseAssignment",
    "Notification",
    "OperationStatus",
    "Order",
    "OrderRequest",
    "OrderRequestStatus",
    "OrderStatus",
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
    "SecurityGroup",
    "SecurityGroupMember",
    "ServiceRequest",
    "ServiceRequestCategory",
    "ServiceRequestStatus",
    "SigningKey",
    "Subscription",
    "SubscriptionChannel",
    "SubscriptionStatus",
    "Tenant",
    "TenantKind",
    "ThrottleWindow",
    "Timer",
    "TimerStatus",
    "Transfer",
    "TransferStatus",
    "User",
    "WebhookDelivery",
    "WebhookRegistration",
]
