from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class UnsettledCopies(Base):
    """Rows committed on connections of their own (`kernel.bulk.Alongside`: a fork's copies, a bulk seed's) before
    their request's transaction, which deletes this record as it commits. A record still here once that transaction
    is over (its advisory lock, keyed by `id`, is free) lost its request between the two commits, to a killed worker
    or a dropped connection: `undo` (what deletes those rows, as data) is run then (`kernel.bulk.undo_abandoned`).
    Not sandbox data, so no fork copies it: the service's own bookkeeping, like the signing keys."""

    __tablename__ = "unsettled_copies"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    undo: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime]
