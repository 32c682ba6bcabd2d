"""foundation, programs and relationships

Revision ID: be431b92d084
Revises:
Create Date: 2026-11-23 11:51:47.957231
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "be431b92d084"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandboxes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("admin_key_hash", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("clock_offset_us", sa.BigInteger(), nullable=False),
        sa.Column("frozen_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandboxes")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "audit_records",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=True),
        sa.Column("operation_type", sa.String(length=100), nullable=False),
        sa.Column("operation_status", sa.String(length=20), nullable=False),
        sa.Column("resource_type", sa.String(length=100), nullable=False),
        sa.Column("resource_id", sa.String(length=200), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("occurred_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_audit_records_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_audit_records")),
    )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.create_index("ix_audit_records_tenant", ["sandbox_id", "tenant_id", "seq"], unique=False)

    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("resource_type", sa.String(length=100), nullable=False),
        sa.Column("resource_id", sa.String(length=200), nullable=False),
        sa.Column("tenant_ids", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("occurred_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_events_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_seq", ["sandbox_id", "seq"], unique=False)

    op.create_table(
        "idempotency_records",
        sa.Column("caller", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("location", sa.String(length=1000), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_idempotency_records_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint(
            "sandbox_id", "caller", "request_id", name=op.f("uq_idempotency_records_sandbox_id_caller_request_id")
        ),
    )
    op.create_table(
        "notifications",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_notifications_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_tenant", ["sandbox_id", "tenant_id", "seq"], unique=False)
        batch_op.create_index("ix_notifications_to", ["sandbox_id", "recipient", "seq"], unique=False)

    op.create_table(
        "tenants",
        sa.Column(
            "kind", sa.Enum("partner", "customer", name="tenantkind", native_enum=False, length=20), nullable=False
        ),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_tenants_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("sandbox_id", "domain", name=op.f("uq_tenants_sandbox_id_domain")),
    )
    op.create_table(
        "timers",
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "fired", "failed", "canceled", name="timerstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fired_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_timers_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_timers")),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index("ix_timers_due", ["sandbox_id", "status", "due_at"], unique=False)

    op.create_table(
        "app_registrations",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_app_registrations_sandbox_id_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_app_registrations_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_app_registrations")),
        sa.UniqueConstraint("client_id", name=op.f("uq_app_registrations_client_id")),
    )
    op.create_table(
        "customer_agreements",
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("PartnerAttestation", "AdminCenter", name="acceptancechannel", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("agreement_type", sa.String(length=60), nullable=False),
        sa.Column("contact_first_name", sa.String(length=100), nullable=False),
        sa.Column("contact_last_name", sa.String(length=100), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("date_agreed", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=320), nullable=False),
        sa.Column("recorded_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_customer_agreements_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_customer_agreements_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_customer_agreements")),
    )
    with op.batch_alter_table("customer_agreements", schema=None) as batch_op:
        batch_op.create_index("ix_customer_agreements_customer", ["sandbox_id", "customer_tenant_id"], unique=False)

    op.create_table(
        "customer_relationships",
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "DirectBill",
                "IndirectReseller",
                "IndirectProvider",
                name="relationshipkind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "origin",
            sa.Enum("Created", "Invitation", "Extension", name="relationshiporigin", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("counterpart_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("admin_privileges", sa.Boolean(), nullable=False),
        sa.Column("billing_profile", sa.JSON(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_customer_relationships_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_customer_relationships_sandbox_id_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_customer_relationships_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_customer_relationships")),
        sa.UniqueConstraint(
            "sandbox_id",
            "customer_tenant_id",
            "partner_tenant_id",
            "kind",
            name=op.f("uq_customer_relationships_sandbox_id_customer_tenant_id_partner_tenant_id_kind"),
        ),
    )
    with op.batch_alter_table("customer_relationships", schema=None) as batch_op:
        batch_op.create_index("ix_customer_relationships_partner", ["sandbox_id", "partner_tenant_id"], unique=False)

    op.create_table(
        "enrollments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "program",
            sa.Enum("DirectBill", "IndirectReseller", "IndirectProvider", name="program", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "Pending",
                "Approved",
                "Active",
                "Restricted",
                "Rejected",
                "Overridden",
                name="enrollmentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("primary_contact_email", sa.String(length=320), nullable=False),
        sa.Column("acknowledged_indirect_override", sa.Boolean(), nullable=False),
        sa.Column("on_restricted_direct_bill", sa.Boolean(), nullable=False),
        sa.Column("submitted_by", sa.String(length=320), nullable=False),
        sa.Column("submitted_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("approved_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("restricted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejected_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overridden_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_enrollments_sandbox_id_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_enrollments_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_enrollments")),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index("ix_enrollments_tenant", ["sandbox_id", "tenant_id", "program"], unique=False)

    op.create_table(
        "partner_profiles",
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.String(length=20), nullable=True),
        sa.Column("legal_name", sa.String(length=256), nullable=True),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("primary_contact_email", sa.String(length=320), nullable=True),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_partner_profiles_sandbox_id_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "tenant_id", name=op.f("pk_partner_profiles")),
        sa.UniqueConstraint("sandbox_id", "partner_id", name=op.f("uq_partner_profiles_sandbox_id_partner_id")),
    )
    op.create_table(
        "partnerships",
        sa.Column("provider_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("reseller_tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("Invited", "Active", name="partnershipstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("invited_by", sa.String(length=320), nullable=False),
        sa.Column("invited_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("active_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(length=320), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "provider_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_partnerships_sandbox_id_provider_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "reseller_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_partnerships_sandbox_id_reseller_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_partnerships_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_partnerships")),
        sa.UniqueConstraint(
            "sandbox_id",
            "provider_tenant_id",
            "reseller_tenant_id",
            name=op.f("uq_partnerships_sandbox_id_provider_tenant_id_reseller_tenant_id"),
        ),
    )
    op.create_table(
        "relationship_invitations",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("ResellerRelationship", "IndirectReseller", name="invitationkind", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("Pending", "Accepted", name="invitationstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "relationship_kind",
            sa.Enum(
                "DirectBill",
                "IndirectReseller",
                "IndirectProvider",
                name="relationshipkind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("indirect_provider_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("reusable", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(length=320), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_relationship_invitations_sandbox_id_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_relationship_invitations_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_relationship_invitations")),
        sa.UniqueConstraint("code", name=op.f("uq_relationship_invitations_code")),
    )
    op.create_table(
        "revenue_months",
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("amount_usd", app.models.base.Money(scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_revenue_months_sandbox_id_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "tenant_id", "month", name=op.f("pk_revenue_months")),
    )
    op.create_table(
        "service_requests",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "category",
            sa.Enum("DirectBillRestriction", "General", name="servicerequestcategory", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("Open", "Resolved", name="servicerequeststatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_service_requests_sandbox_id_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_service_requests_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_service_requests")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("CSP", "Direct", "Advisor", name="subscriptionchannel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("offer_id", sa.String(length=200), nullable=False),
        sa.Column("offer_name", sa.String(length=256), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("term_duration", sa.String(length=10), nullable=True),
        sa.Column("billing_cycle", sa.String(length=20), nullable=True),
        sa.Column("commitment_end_date", sa.Date(), nullable=True),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("partner_of_record", sa.String(length=20), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_subscriptions_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_subscriptions_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_subscriptions")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index("ix_subscriptions_customer", ["sandbox_id", "customer_tenant_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_principal_name", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_users_sandbox_id_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_users_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint("sandbox_id", "user_principal_name", name=op.f("uq_users_sandbox_id_user_principal_name")),
    )
    op.create_table(
        "partner_agreements",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("agreement_type", sa.String(length=60), nullable=False),
        sa.Column(
            "status",
            sa.Enum("Pending", "Accepted", name="agreementstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(length=320), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "enrollment_id"],
            ["enrollments.sandbox_id", "enrollments.id"],
            name=op.f("fk_partner_agreements_sandbox_id_enrollment_id_enrollments"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_partner_agreements_sandbox_id_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_partner_agreements_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_partner_agreements")),
    )


def downgrade() -> None:
    op.drop_table("partner_agreements")
    op.drop_table("users")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriptions_customer")

    op.drop_table("subscriptions")
    op.drop_table("service_requests")
    op.drop_table("revenue_months")
    op.drop_table("relationship_invitations")
    op.drop_table("partnerships")
    op.drop_table("partner_profiles")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollments_tenant")

    op.drop_table("enrollments")
    with op.batch_alter_table("customer_relationships", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_relationships_partner")

    op.drop_table("customer_relationships")
    with op.batch_alter_table("customer_agreements", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_agreements_customer")

    op.drop_table("customer_agreements")
    op.drop_table("app_registrations")
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_due")

    op.drop_table("timers")
    op.drop_table("tenants")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_to")
        batch_op.drop_index("ix_notifications_tenant")

    op.drop_table("notifications")
    op.drop_table("idempotency_records")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_seq")

    op.drop_table("events")
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_records_tenant")

    op.drop_table("audit_records")
    op.drop_table("signing_keys")
    op.drop_table("sandboxes")
