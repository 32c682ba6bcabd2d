from datetime import datetime

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped, enum_column
from app.wire import WireEnum


class FaultKind(WireEnum):
    THROTTLE = "throttle"
    ERROR = "error"
    LATENCY = "latency"


class FaultRule(SandboxScoped, Base):
    """A misbehaviour the sandbox's operator asked for: matched by method and path prefix."""

    __tablename__ = "fault_rules"

    kind: Mapped[FaultKind] = mapped_column(enum_column(FaultKind, 20))
    method: Mapped[str] = mapped_column(String(10))  # "*" or GET, POST, ...
    path_prefix: Mapped[str] = mapped_column(String(500))
    probability: Mapped[float | None] = mapped_column(Float)
    remaining: Mapped[int | None]  # the next N matching calls, when not a probability
    status_code: Mapped[int | None]
    error_code: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(String(1000))
    retry_after_seconds: Mapped[int | None]
    latency_ms: Mapped[int | None]
    hits: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
