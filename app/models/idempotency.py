from datetime import datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SandboxScoped


class IdempotencyRecord(SandboxScoped, Base):
    """The first answer to a POST/PATCH/PUT carrying an MS-RequestId, replayed to repeats."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("sandbox_id", "caller", "request_id"),)

    caller: Mapped[str] = mapped_column(String(200))
    request_id: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(1000))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
