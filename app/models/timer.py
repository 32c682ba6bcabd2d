from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class TimerStatus(WireEnum):
    PENDING = "pending"
    FIRED = "fired"
    FAILED = "failed"
    CANCELED = "canceled"


class Timer(SandboxScoped, Base):
    """Something that must happen later, on the sandbox clock."""

    __tablename__ = "timers"
    __table_args__ = (
        # Due order is (due_at, seq): a claim and a listing read it off the index. Without seq, timers due at one
        # instant (a seeded batch's 25,000 renewals) were all read and sorted for each claim of 200.
        Index("ix_timers_due", "sandbox_id", "status", "due_at", "seq"),
        # is_pending and cancel find a thing's timers by kind and ref: without it they read every pending timer of the
        # sandbox (every subscription keeps its renewal pending).
        Index("ix_timers_ref", "sandbox_id", "kind", "ref"),
    )

    kind: Mapped[str] = mapped_column(String(100))
    ref: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime]
    # Ties on due_at fire in the order they were scheduled.
    seq: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[TimerStatus] = mapped_column(enum_column(TimerStatus, 20))
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
