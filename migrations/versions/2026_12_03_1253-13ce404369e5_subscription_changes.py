"""subscription changes: transitions, migrations to new commerce, add-ons, scheduled offer changes (issue 14)

Revision ID: 13ce404369e5
Revises: c8268c5f1170
Create Date: 2026-12-03 12:53:45.821256
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "13ce404369e5"
down_revision: str | None = "c8268c5f1170"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "new_commerce_migrations",
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("current_subscription_id", sa.Uuid(), nullable=False),
        sa.Column("new_commerce_subscription_id", sa.Uuid(), nullable=True),
        sa.Column("new_commerce_order_id", sa.Uuid(), nullable=True),
        sa.Column("catalog_item_id", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("term_duration", sa.String(length=10), nullable=False),
        sa.Column("billing_cycle", sa.String(length=20), nullable=False),
        sa.Column("purchase_full_term", sa.Boolean(), nullable=False),
        sa.Column("external_reference_id", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum("Processing", "Completed", "Failed", name="migrationstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("started_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("subscription_end_date", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_new_commerce_migrations_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_new_commerce_migrations_sandbox_id_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_new_commerce_migrations_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_new_commerce_migrations")),
    )
    with op.batch_alter_table("new_commerce_migrations", schema=None) as batch_op:
        batch_op.create_index("ix_new_commerce_migrations_customer", ["sandbox_id", "customer_tenant_id"], unique=False)

    op.create_table(
        "subscription_transitions",
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("from_subscription_id", sa.Uuid(), nullable=False),
        sa.Column("to_subscription_id", sa.Uuid(), nullable=False),
        sa.Column("from_catalog_item_id", sa.String(length=200), nullable=False),
        sa.Column("to_catalog_item_id", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("transition_type", sa.String(length=60), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "completed", name="transitionstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_subscription_transitions_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_subscription_transitions_sandbox_id_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_subscription_transitions_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_subscription_transitions")),
    )
    with op.batch_alter_table("subscription_transitions", schema=None) as batch_op:
        batch_op.create_index("ix_subscription_transitions_from", ["sandbox_id", "from_subscription_id"], unique=False)

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheduled_catalog_item_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("scheduled_term_duration", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("scheduled_billing_cycle", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("parent_subscription_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("parent_subscription_id")
        batch_op.drop_column("scheduled_billing_cycle")
        batch_op.drop_column("scheduled_term_duration")
        batch_op.drop_column("scheduled_catalog_item_id")

    with op.batch_alter_table("subscription_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscription_transitions_from")

    op.drop_table("subscription_transitions")
    with op.batch_alter_table("new_commerce_migrations", schema=None) as batch_op:
        batch_op.drop_index("ix_new_commerce_migrations_customer")

    op.drop_table("new_commerce_migrations")
