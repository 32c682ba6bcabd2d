"""Every ORM model, imported here so relationships resolve and Alembic sees every table."""

from app.models.base import Base
from app.models.event import AuditRecord, Event, Notification
from app.models.idempotency import IdempotencyRecord
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
from app.models.tenant import AppRegistration, PartnerProfile, Tenant, TenantKind, User
from app.models.timer import Timer, TimerStatus

__all__ = [
    "AgreementStatus",
    "AppRegistration",
    "AuditRecord",
    "Base",
    "Enrollment",
    "EnrollmentStatus",
    "Event",
    "IdempotencyRecord",
    "Notification",
    "PartnerAgreement",
    "PartnerProfile",
    "Program",
    "RevenueMonth",
    "Sandbox",
    "ServiceRequest",
    "ServiceRequestCategory",
    "ServiceRequestStatus",
    "SigningKey",
    "Tenant",
    "TenantKind",
    "Timer",
    "TimerStatus",
    "User",
]
