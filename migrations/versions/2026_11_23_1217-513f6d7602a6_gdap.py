"""gdap

Revision ID: 513f6d7602a6
Revises: 1c20de76c41c
Create Date: 2026-11-23 12:17:54.985572
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "513f6d7602a6"
down_revision: str | None = "1c20de76c41c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gdap_relationships",
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("customer_display_name", sa.String(length=256), nullable=True),
        sa.Column("display_name", sa.String(length=50), nullable=False),
        sa.Column("duration", sa.String(length=30), nullable=False),
        sa.Column("auto_extend_duration", sa.String(length=10), nullable=False),
        sa.Column("role_definition_ids", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "created",
                "approvalPending",
                "approved",
                "activating",
                "active",
                "expiring",
                "expired",
                "terminationRequested",
                "terminating",
                "terminated",
                name="gdaprelationshipstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("approved_by", sa.String(length=320), nullable=True),
        sa.Column("terminated_by", sa.String(length=320), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_modified_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approval_pending_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("activating_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expiring_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("termination_requested_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("terminating_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("terminated_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_gdap_relationships_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_gdap_relationships_sandbox_id_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_gdap_relationships_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_gdap_relationships")),
        sa.UniqueConstraint(
            "sandbox_id",
            "partner_tenant_id",
            "display_name",
            name=op.f("uq_gdap_relationships_sandbox_id_partner_tenant_id_display_name"),
        ),
    )
    with op.batch_alter_table("gdap_relationships", schema=None) as batch_op:
        batch_op.create_index("ix_gdap_relationships_customer", ["sandbox_id", "customer_tenant_id"], unique=False)

    op.create_table(
        "security_groups",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_security_groups_sandbox_id_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_security_groups_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_security_groups")),
        sa.UniqueConstraint(
            "sandbox_id", "tenant_id", "display_name", name=op.f("uq_security_groups_sandbox_id_tenant_id_display_name")
        ),
    )
    op.create_table(
        "gdap_access_assignments",
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("role_definition_ids", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "active",
                "deleting",
                "deleted",
                "error",
                name="accessassignmentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_modified_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("active_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleting_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "group_id"],
            ["security_groups.sandbox_id", "security_groups.id"],
            name=op.f("fk_gdap_access_assignments_sandbox_id_group_id_security_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "relationship_id"],
            ["gdap_relationships.sandbox_id", "gdap_relationships.id"],
            name=op.f("fk_gdap_access_assignments_sandbox_id_relationship_id_gdap_relationships"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_gdap_access_assignments_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_gdap_access_assignments")),
    )
    with op.batch_alter_table("gdap_access_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_gdap_access_assignments_relationship", ["sandbox_id", "relationship_id"], unique=False
        )

    op.create_table(
        "gdap_operations",
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column("operation_type", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "notStarted", "running", "succeeded", "failed", name="operationstatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_modified_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("running_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("succeeded_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "relationship_id"],
            ["gdap_relationships.sandbox_id", "gdap_relationships.id"],
            name=op.f("fk_gdap_operations_sandbox_id_relationship_id_gdap_relationships"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_gdap_operations_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_gdap_operations")),
    )
    with op.batch_alter_table("gdap_operations", schema=None) as batch_op:
        batch_op.create_index("ix_gdap_operations_relationship", ["sandbox_id", "relationship_id"], unique=False)

    op.create_table(
        "gdap_relationship_requests",
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "lockForApproval",
                "approve",
                "terminate",
                "reject",
                name="gdaprequestaction",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "created", "pending", "succeeded", "failed", name="gdaprequeststatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_modified_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "relationship_id"],
            ["gdap_relationships.sandbox_id", "gdap_relationships.id"],
            name=op.f("fk_gdap_relationship_requests_sandbox_id_relationship_id_gdap_relationships"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_gdap_relationship_requests_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_gdap_relationship_requests")),
    )
    with op.batch_alter_table("gdap_relationship_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_gdap_relationship_requests_relationship", ["sandbox_id", "relationship_id"], unique=False
        )

    op.create_table(
        "security_group_members",
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "group_id"],
            ["security_groups.sandbox_id", "security_groups.id"],
            name=op.f("fk_security_group_members_sandbox_id_group_id_security_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "user_id"],
            ["users.sandbox_id", "users.id"],
            name=op.f("fk_security_group_members_sandbox_id_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "group_id", "user_id", name=op.f("pk_security_group_members")),
    )
    with op.batch_alter_table("security_group_members", schema=None) as batch_op:
        batch_op.create_index("ix_security_group_members_user", ["sandbox_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("security_group_members", schema=None) as batch_op:
        batch_op.drop_index("ix_security_group_members_user")

    op.drop_table("security_group_members")
    with op.batch_alter_table("gdap_relationship_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_gdap_relationship_requests_relationship")

    op.drop_table("gdap_relationship_requests")
    with op.batch_alter_table("gdap_operations", schema=None) as batch_op:
        batch_op.drop_index("ix_gdap_operations_relationship")

    op.drop_table("gdap_operations")
    with op.batch_alter_table("gdap_access_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_gdap_access_assignments_relationship")

    op.drop_table("gdap_access_assignments")
    op.drop_table("security_groups")
    with op.batch_alter_table("gdap_relationships", schema=None) as batch_op:
        batch_op.drop_index("ix_gdap_relationships_customer")

    op.drop_table("gdap_relationships")
