"""carts

Revision ID: a98176a3e709
Revises: 94cd0f4e8e0e
Create Date: 2026-12-03 13:02:19.337540
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "a98176a3e709"
down_revision: str | None = "94cd0f4e8e0e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "carts",
        sa.Column("customer_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("Active", "Ordered", "Expired", name="cartstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("line_items", sa.JSON(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_modified_user", sa.String(length=320), nullable=False),
        sa.Column("checkout", sa.JSON(), nullable=True),
        sa.Column("ordered_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "customer_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_carts_sandbox_id_customer_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_carts_sandbox_id_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_carts_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "id", name=op.f("pk_carts")),
    )
    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_carts_customer", ["sandbox_id", "customer_tenant_id", "partner_tenant_id"], unique=False
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("completed_at", app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", app.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("completed_at")

    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.drop_index("ix_carts_customer")

    op.drop_table("carts")
