"""billing

Revision ID: d84dcd4d2ff9
Revises: 2188f5e3159e
Create Date: 2026-12-03 11:29:09.509998
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "d84dcd4d2ff9"
down_revision: str | None = "2188f5e3159e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Billing (issue 15): invoices and their lines; the charge events learn the term they belong to.
    op.create_table(
        "invoices",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("billing_period_start", sa.Date(), nullable=False),
        sa.Column("billing_period_end", sa.Date(), nullable=False),
        sa.Column("invoice_date", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "invoice_type",
            sa.Enum("Recurring", "OneTime", name="invoicetype", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("subtotal", app.models.base.Money(scale=2), nullable=False),
        sa.Column("tax_total", app.models.base.Money(scale=2), nullable=False),
        sa.Column("total_charges", app.models.base.Money(scale=2), nullable=False),
        sa.Column("paid_amount", app.models.base.Money(scale=2), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_invoices_sandbox_id_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_invoices_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("sandbox_id", "number", name=op.f("uq_invoices_sandbox_id_number")),
        sa.UniqueConstraint(
            "sandbox_id",
            "partner_tenant_id",
            "country",
            "billing_period_start",
            "currency",
            "invoice_type",
            name="uq_invoices_period",
        ),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_partner", ["sandbox_id", "partner_tenant_id", "invoice_date"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("mpn_id", sa.String(length=20), nullable=True),
        sa.Column("reseller_mpn_id", sa.String(length=20), nullable=True),
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("customer_name", sa.String(length=256), nullable=False),
        sa.Column("customer_domain_name", sa.String(length=253), nullable=False),
        sa.Column("customer_country", sa.String(length=2), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("order_date", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_description", sa.String(length=256), nullable=True),
        sa.Column("subscription_start_date", sa.Date(), nullable=True),
        sa.Column("subscription_end_date", sa.Date(), nullable=True),
        sa.Column("product_id", sa.String(length=50), nullable=False),
        sa.Column("sku_id", sa.String(length=50), nullable=False),
        sa.Column("availability_id", sa.String(length=50), nullable=False),
        sa.Column("product_name", sa.String(length=256), nullable=False),
        sa.Column("sku_name", sa.String(length=256), nullable=False),
        sa.Column("product_type", sa.String(length=40), nullable=True),
        sa.Column("charge_type", sa.String(length=30), nullable=False),
        sa.Column("unit_price", app.models.base.Money(scale=2), nullable=False),
        sa.Column("effective_unit_price", app.models.base.Money(scale=2), nullable=False),
        sa.Column("unit_type", sa.String(length=30), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("billable_quantity", app.models.base.Money(scale=6), nullable=False),
        sa.Column("subtotal", app.models.base.Money(scale=2), nullable=False),
        sa.Column("tax_total", app.models.base.Money(scale=2), nullable=False),
        sa.Column("total", app.models.base.Money(scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("charge_start_date", sa.Date(), nullable=False),
        sa.Column("charge_end_date", sa.Date(), nullable=False),
        sa.Column("term_and_billing_cycle", sa.String(length=60), nullable=False),
        sa.Column("billing_frequency", sa.String(length=20), nullable=False),
        sa.Column("charge_id", sa.Uuid(), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "invoice_id"],
            ["invoices.sandbox_id", "invoices.id"],
            name=op.f("fk_invoice_lines_sandbox_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_invoice_lines_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index("ix_invoice_lines_invoice", ["sandbox_id", "invoice_id", "line_number"], unique=False)

    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("term_start", app.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Billing (issue 15): invoices and their lines; the charge events learn the term they belong to.
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.drop_column("term_start")

    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_lines_invoice")

    op.drop_table("invoice_lines")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_partner")

    op.drop_table("invoices")
