"""webhook deliveries by event

Revision ID: 4a5f0398e265
Revises: 5c30fd36ae7e
Create Date: 2026-12-08 01:47:10.800513
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4a5f0398e265"
down_revision: str | None = "5c30fd36ae7e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_event", ["sandbox_id", "event_id", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_event")
