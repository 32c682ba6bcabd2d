"""unsettled copies: what a fork or seed wrote beside a request that may not commit

Revision ID: 5c30fd36ae7e
Revises: 9b1d4e7c2a10
Create Date: 2026-12-08 01:38:05.074922
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "5c30fd36ae7e"
down_revision: str | None = "9b1d4e7c2a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unsettled_copies",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("undo", sa.JSON(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unsettled_copies")),
    )


def downgrade() -> None:
    op.drop_table("unsettled_copies")
