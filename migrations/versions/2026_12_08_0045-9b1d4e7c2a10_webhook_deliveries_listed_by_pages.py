"""webhook deliveries listed by pages

Revision ID: 9b1d4e7c2a10
Revises: 56f8b18dd335
Create Date: 2026-12-08 00:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9b1d4e7c2a10"
down_revision: str | None = "56f8b18dd335"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_listed", ["sandbox_id", "created_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_listed")
