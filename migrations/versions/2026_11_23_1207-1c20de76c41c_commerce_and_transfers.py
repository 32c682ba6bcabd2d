"""commerce and transfers

Revision ID: 1c20de76c41c
Revises: be431b92d084
Create Date: 2026-11-23 12:07:08.677243
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "1c20de76c41c"
down_revision: str | None = "be431b92d084"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "charges",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("quantity_after", sa.Integer(), nullable=False),
        sa.Column("unit_price", app.models.base.Money(scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("term_duration", sa.String(length=10), nullable=True),
        sa.Column("billing_cycle", sa.String(length=20), nullable=True),
        sa.Column("reseller_mpn_id", sa.String(length=20), nullable=True),
        sa.Column("occurred_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_charges_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_charges")),
    )
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.create_index("ix_charges_partner", ["sandbox_id", "partner_tenant_id", "seq"], unique=False)

    op.create_table(
        "order_requests",
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("reseller_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("provider_tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("Pending", "Fulfilled", "Rejected", name="orderrequeststatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("line_items", sa.JSON(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fulfilled_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejected_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_order_requests_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "provider_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_order_requests_sandbox_id_provider_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "reseller_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_order_requests_sandbox_id_reseller_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_order_requests_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_order_requests")),
    )
    op.create_table(
        "orders",
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Enum("completed", name="orderstatus", native_enum=False, length=20), nullable=False),
        sa.Column("transaction_type", sa.String(length=30), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("line_items", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_orders_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_orders_sandbox_id_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_orders_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_customer", ["sandbox_id", "customer_tenant_id", "partner_tenant_id"], unique=False
        )

    op.create_table(
        "transfers",
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("source_partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("target_partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("customer_email", sa.String(length=320), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "Active",
                "Complete",
                "Expired",
                "Canceled",
                "Failed",
                name="transferstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("transfer_type", sa.Integer(), nullable=False),
        sa.Column("target_product_types", sa.JSON(), nullable=True),
        sa.Column("partner_on_record", sa.String(length=20), nullable=True),
        sa.Column("line_items", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_modified_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("complete_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("canceled_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_transfers_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "source_partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_transfers_sandbox_id_source_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "target_partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_transfers_sandbox_id_target_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_transfers_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_transfers")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index("ix_transfers_customer", ["sandbox_id", "customer_tenant_id"], unique=False)

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("friendly_name", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("product_type", sa.String(length=40), nullable=True))
        # Rows that predate commerce were bought outside it: not new commerce, no refund tranches.
        batch_op.add_column(sa.Column("is_new_commerce", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("unit_price", app.models.base.Money(scale=2), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch_op.add_column(
            sa.Column("effective_start_date", app.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("cancellation_allowed_until", app.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("refundable_tranches", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("scheduled_quantity", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("scheduled_quantity")
        batch_op.drop_column("refundable_tranches")
        batch_op.drop_column("cancellation_allowed_until")
        batch_op.drop_column("effective_start_date")
        batch_op.drop_column("currency")
        batch_op.drop_column("unit_price")
        batch_op.drop_column("is_new_commerce")
        batch_op.drop_column("product_type")
        batch_op.drop_column("friendly_name")
        batch_op.drop_column("order_id")

    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_transfers_customer")

    op.drop_table("transfers")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_customer")

    op.drop_table("orders")
    op.drop_table("order_requests")
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.drop_index("ix_charges_partner")

    op.drop_table("charges")
