"""resale price books support plans invoices

Revision ID: c8268c5f1170
Revises: 42b45a51a1fc
Create Date: 2026-12-03 12:58:55.391695
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "c8268c5f1170"
down_revision: str | None = "42b45a51a1fc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "price_books",
        sa.Column("provider_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("markup_percent", app.models.base.Money(scale=4), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "provider_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_price_books_sandbox_id_provider_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_price_books_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_price_books")),
    )
    with op.batch_alter_table("price_books", schema=None) as batch_op:
        batch_op.create_index("ix_price_books_provider", ["sandbox_id", "provider_tenant_id"], unique=False)

    op.create_table(
        "resale_billing_settings",
        sa.Column("provider_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("reseller_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_per_end_customer", sa.Boolean(), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "provider_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_resale_billing_settings_sandbox_id_provider_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "reseller_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_resale_billing_settings_sandbox_id_reseller_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_resale_billing_settings_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_resale_billing_settings")),
        sa.UniqueConstraint(
            "sandbox_id",
            "provider_tenant_id",
            "reseller_tenant_id",
            name=op.f("uq_resale_billing_settings_sandbox_id_provider_tenant_id_reseller_tenant_id"),
        ),
    )
    op.create_table(
        "resale_invoices",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("provider_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("reseller_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("end_customer_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("billing_period_start", sa.Date(), nullable=False),
        sa.Column("billing_period_end", sa.Date(), nullable=False),
        sa.Column("invoice_date", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("seller_cost", app.models.base.Money(scale=2), nullable=False),
        sa.Column("customer_cost", app.models.base.Money(scale=2), nullable=False),
        sa.Column("support_total", app.models.base.Money(scale=2), nullable=False),
        sa.Column("margin", app.models.base.Money(scale=2), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "end_customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_resale_invoices_sandbox_id_end_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "provider_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_resale_invoices_sandbox_id_provider_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "reseller_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_resale_invoices_sandbox_id_reseller_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_resale_invoices_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_resale_invoices")),
        sa.UniqueConstraint("sandbox_id", "number", name=op.f("uq_resale_invoices_sandbox_id_number")),
    )
    with op.batch_alter_table("resale_invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resale_invoices_reseller",
            ["sandbox_id", "provider_tenant_id", "reseller_tenant_id", "invoice_date"],
            unique=False,
        )

    op.create_table(
        "support_plans",
        sa.Column("provider_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("reseller_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind", sa.Enum("percentage", "fixed", name="supportplankind", native_enum=False, length=20), nullable=False
        ),
        sa.Column("percent", app.models.base.Money(scale=4), nullable=True),
        sa.Column("minimum", app.models.base.Money(scale=2), nullable=True),
        sa.Column("amount", app.models.base.Money(scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_support_plans_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "provider_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_support_plans_sandbox_id_provider_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "reseller_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_support_plans_sandbox_id_reseller_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_support_plans_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_support_plans")),
        sa.UniqueConstraint(
            "sandbox_id",
            "provider_tenant_id",
            "customer_tenant_id",
            name=op.f("uq_support_plans_sandbox_id_provider_tenant_id_customer_tenant_id"),
        ),
    )
    op.create_table(
        "price_book_assignments",
        sa.Column("provider_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("reseller_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("price_book_id", sa.Uuid(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("assigned_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(length=320), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "price_book_id"],
            ["price_books.sandbox_id", "price_books.id"],
            name=op.f("fk_price_book_assignments_sandbox_id_price_book_id_price_books"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "provider_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_price_book_assignments_sandbox_id_provider_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "reseller_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_price_book_assignments_sandbox_id_reseller_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_price_book_assignments_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_price_book_assignments")),
        sa.UniqueConstraint(
            "sandbox_id",
            "provider_tenant_id",
            "reseller_tenant_id",
            "effective_from",
            name=op.f("uq_price_book_assignments_sandbox_id_provider_tenant_id_reseller_tenant_id_effective_from"),
        ),
    )
    op.create_table(
        "price_overrides",
        sa.Column("price_book_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.String(length=50), nullable=False),
        sa.Column("sku_id", sa.String(length=50), nullable=True),
        sa.Column("unit_price", app.models.base.Money(scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "price_book_id"],
            ["price_books.sandbox_id", "price_books.id"],
            name=op.f("fk_price_overrides_sandbox_id_price_book_id_price_books"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_price_overrides_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_price_overrides")),
    )
    with op.batch_alter_table("price_overrides", schema=None) as batch_op:
        batch_op.create_index("ix_price_overrides_book", ["sandbox_id", "price_book_id"], unique=False)

    op.create_table(
        "resale_invoice_lines",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column(
            "line_type",
            sa.Enum("charge", "supportPlan", name="resalelinetype", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("customer_name", sa.String(length=256), nullable=False),
        sa.Column("source_invoice_number", sa.String(length=20), nullable=True),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("product_id", sa.String(length=50), nullable=False),
        sa.Column("sku_id", sa.String(length=50), nullable=False),
        sa.Column("product_name", sa.String(length=256), nullable=False),
        sa.Column("charge_type", sa.String(length=30), nullable=False),
        sa.Column("charge_start_date", sa.Date(), nullable=False),
        sa.Column("charge_end_date", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("billable_quantity", app.models.base.Money(scale=6), nullable=False),
        sa.Column("price_book_id", sa.Uuid(), nullable=True),
        sa.Column("list_unit_price", app.models.base.Money(scale=2), nullable=False),
        sa.Column("reseller_unit_cost", app.models.base.Money(scale=2), nullable=False),
        sa.Column("customer_unit_price", app.models.base.Money(scale=2), nullable=False),
        sa.Column("seller_cost", app.models.base.Money(scale=2), nullable=False),
        sa.Column("customer_cost", app.models.base.Money(scale=2), nullable=False),
        sa.Column("margin", app.models.base.Money(scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "invoice_id"],
            ["resale_invoices.sandbox_id", "resale_invoices.id"],
            name=op.f("fk_resale_invoice_lines_sandbox_id_invoice_id_resale_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id"], ["sandboxes.id"], name=op.f("fk_resale_invoice_lines_sandbox_id_sandboxes")
        ),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_resale_invoice_lines")),
    )
    with op.batch_alter_table("resale_invoice_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resale_invoice_lines_invoice", ["sandbox_id", "invoice_id", "line_number"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("resale_invoice_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_resale_invoice_lines_invoice")

    op.drop_table("resale_invoice_lines")
    with op.batch_alter_table("price_overrides", schema=None) as batch_op:
        batch_op.drop_index("ix_price_overrides_book")

    op.drop_table("price_overrides")
    op.drop_table("price_book_assignments")
    op.drop_table("support_plans")
    with op.batch_alter_table("resale_invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_resale_invoices_reseller")

    op.drop_table("resale_invoices")
    op.drop_table("resale_billing_settings")
    with op.batch_alter_table("price_books", schema=None) as batch_op:
        batch_op.drop_index("ix_price_books_provider")

    op.drop_table("price_books")
