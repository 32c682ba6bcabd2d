"""customer counts: a partner's listing counts its customers from a few rows, kept as relationships come and go

Revision ID: 6000ac36b6e9
Revises: cc75ae621010
Create Date: 2026-12-05 21:05:03.578714
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6000ac36b6e9"
down_revision: str | None = "cc75ae621010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_counts",
        sa.Column("sandbox_id", sa.Uuid(), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sandbox_id", "partner_tenant_id"],
            ["tenants.sandbox_id", "tenants.id"],
            name=op.f("fk_customer_counts_sandbox_id_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(["sandbox_id"], ["sandboxes.id"], name=op.f("fk_customer_counts_sandbox_id_sandboxes")),
        sa.PrimaryKeyConstraint("sandbox_id", "partner_tenant_id", "slot", name=op.f("pk_customer_counts")),
    )
    # The partners' customers as they stand, each partner's in its first slot.
    op.execute(
        "INSERT INTO customer_counts (sandbox_id, partner_tenant_id, slot, customers) "
        "SELECT sandbox_id, partner_tenant_id, 0, COUNT(DISTINCT customer_tenant_id) "
        "FROM customer_relationships GROUP BY sandbox_id, partner_tenant_id"
    )


def downgrade() -> None:
    op.drop_table("customer_counts")
