import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ThrottleWindow(Base):
    """One throttled family's current one-minute window for one caller (and customer): opened at its first call,
    counting the calls since. In the database, so every worker and replica counts the same calls."""

    __tablename__ = "throttle_windows"

    sandbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sandboxes.id"), primary_key=True)
    family: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The customer the path names, lower-cased; empty for a partner-wide family.
    customer: Mapped[str] = mapped_column(String(64), primary_key=True)
    opened_at: Mapped[datetime]
    calls: Mapped[int]
