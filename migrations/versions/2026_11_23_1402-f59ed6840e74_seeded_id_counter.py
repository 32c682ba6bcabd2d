"""seeded id counter

Revision ID: f59ed6840e74
Revises: 01f961ed45e9
Create Date: 2026-11-23 14:02:47.105550
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f59ed6840e74"
down_revision: str | None = "01f961ed45e9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sandboxes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_counter", sa.BigInteger(), server_default="0", nullable=False))

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table("sandboxes", schema=None) as batch_op:
        batch_op.drop_column("id_counter")

    # ### end Alembic commands ###
