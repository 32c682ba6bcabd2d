"""GDAP: granular delegated admin relationships, their requests, access assignments and operations (Microsoft
Graph's shape), and the partner tenant's security groups the assignments grant roles to."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class GdapRelationshipStatus(WireEnum):
    """Graph's `delegatedAdminRelationshipStatus`, spelled as Graph spells it."""

    CREATED = "created"
    APPROVAL_PENDING = "approvalPending"
    APPROVED = "approved"
    ACTIVATING = "activating"
    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    TERMINATION_REQUESTED = "terminationRequested"
    TERMINATING = "terminating"
    TERMINATED = "terminated"


class DelegatedAdminRelationship(SandboxScoped, Base):
    """A partner's request for directory roles in a customer tenant, for a duration (GDP-1..4)."""

    __tablename__ = "gdap_relationships"
    __table_args__ = (
        # Graph: the display name is unique across all the partner's relationships.
        UniqueConstraint("sandbox_id", "partner_tenant_id", "display_name"),
        ForeignKeyConstraint(["sandbox_id", "partner_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        ForeignKeyConstraint(["sandbox_id", "customer_tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
        Index("ix_gdap_relationships_customer", "sandbox_id", "customer_tenant_id"),
    )

    partner_tenant_id: Mapped[uuid.UUID]
    # None until approval when the partner left the customer open (any customer's Global admin may approve).
    customer_tenant_id: Mapped[uuid.UUID | None]
    # Graph answers the customer's name with the relationship; kept as it was when the customer was named.
    customer_display_name: Mapped[str | None] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(50))
    duration: Mapped[str] = mapped_column(String(30))
    auto_extend_duration: Mapped[str] = mapped_column(String(10))
    role_definition_ids: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[GdapRelationshipStatus] = mapped_column(enum_column(GdapRelationshipStatus, 30))
    # Lists follow the order relationships were made in; a frozen clock would tie their creation times.
    seq: Mapped[int] = mapped_column(BigInteger)
    # Bumped on every change: the `@odata.etag` that PATCH and DELETE must send back in If-Match.
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(String(320))
    approved_by: Mapped[str | None] = mapped_column(String(320))
    terminated_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]
    last_modified_at: Mapped[datetime]
    # When the relationship ends: activation + duration, moved on by each auto-extension.
    end_at: Mapped[datetime | None]
    # Stamped by the lifecycle on each move into the status of the same name.
    approval_pending_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    activating_at: Mapped[datetime | None]
    active_at: Mapped[datetime | None]
    expiring_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    termination_requested_at: Mapped[datetime | None]
    terminating_at: Mapped[datetime | None]
    terminated_at: Mapped[datetime | None]


class GdapRequestAction(WireEnum):
    LOCK_FOR_APPROVAL = "lockForApproval"
    APPROVE = "approve"
    TERMINATE = "terminate"
    REJECT = "reject"


class GdapRequestStatus(WireEnum):
    CREATED = "created"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class DelegatedAdminRelationshipRequest(SandboxScoped, Base):
    """An action the partner asked for on a relationship (`POST .../{id}/requests`)."""

    __tablename__ = "gdap_relationship_requests"
    __table_args__ = (
        ForeignKeyConstraint(
            ["sandbox_id", "relationship_id"],
            ["gdap_relationships.sandbox_id", "gdap_relationships.id"],
        ),
        Index("ix_gdap_relationship_requests_relationship", "sandbox_id", "relationship_id"),
    )

    relationship_id: Mapped[uuid.UUID]
    action: Mapped[GdapRequestAction] = mapped_column(enum_column(GdapRequestAction, 30))
    status: Mapped[GdapRequestStatus] = mapped_column(enum_column(GdapRequestStatus, 20))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    last_modified_at: Mapped[datetime]


class SecurityGroup(SandboxScoped, Base):
    """A security group of a tenant's directory; in a partner tenant, what GDAP access assignments grant roles to."""

    __tablename__ = "security_groups"
    __table_args__ = (
        UniqueConstraint("sandbox_id", "tenant_id", "display_name"),
        ForeignKeyConstraint(["sandbox_id", "tenant_id"], ["tenants.sandbox_id", "tenants.id"]),
    )

    tenant_id: Mapped[uuid.UUID]
    display_name: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]


class SecurityGroupMember(Base):
    __tablename__ = "security_group_members"
    __table_args__ = (
        ForeignKeyConstraint(["sandbox_id", "group_id"], ["security_groups.sandbox_id", "security_groups.id"]),
        ForeignKeyConstraint(["sandbox_id", "user_id"], ["users.sandbox_id", "users.id"]),
        Index("ix_security_group_members_user", "sandbox_id", "user_id"),
    )

    sandbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    group_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class AccessAssignmentStatus(WireEnum):
    """Graph's `delegatedAdminAccessAssignmentStatus`."""

    PENDING = "pending"
    ACTIVE = "active"
    DELETING = "deleting"
    DELETED = "deleted"
    ERROR = "error"


class DelegatedAdminAccessAssignment(SandboxScoped, Base):
    """Roles of an active relationship granted to one security group of the partner tenant."""

    __tablename__ = "gdap_access_assignments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["sandbox_id", "relationship_id"],
            ["gdap_relationships.sandbox_id", "gdap_relationships.id"],
        ),
        ForeignKeyConstraint(["sandbox_id", "group_id"], ["security_groups.sandbox_id", "security_groups.id"]),
        Index("ix_gdap_access_assignments_relationship", "sandbox_id", "relationship_id"),
    )

    relationship_id: Mapped[uuid.UUID]
    group_id: Mapped[uuid.UUID]
    role_definition_ids: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[AccessAssignmentStatus] = mapped_column(enum_column(AccessAssignmentStatus, 20))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    last_modified_at: Mapped[datetime]
    active_at: Mapped[datetime | None]
    deleting_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class OperationStatus(WireEnum):
    NOT_STARTED = "notStarted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class DelegatedAdminOperation(SandboxScoped, Base):
    """A long-running change on a relationship (an access assignment's update), followed at `.../operations/{id}`."""

    __tablename__ = "gdap_operations"
    __table_args__ = (
        ForeignKeyConstraint(
            ["sandbox_id", "relationship_id"],
            ["gdap_relationships.sandbox_id", "gdap_relationships.id"],
        ),
        Index("ix_gdap_operations_relationship", "sandbox_id", "relationship_id"),
    )

    relationship_id: Mapped[uuid.UUID]
    operation_type: Mapped[str] = mapped_column(String(60))
    # What the operation will apply, e.g. the assignment and its new roles; Graph answers it as a string.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[OperationStatus] = mapped_column(enum_column(OperationStatus, 20))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    last_modified_at: Mapped[datetime]
    running_at: Mapped[datetime | None]
    succeeded_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
