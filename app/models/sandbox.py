import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Sandbox(Base):
    """An isolated world: its settings, its clock, and (through sandbox_id) all its data."""

    __tablename__ = "sandboxes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    admin_key_hash: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int | None] = mapped_column(BigInteger)
    # How many ids the seed has given (SandboxContext.new_id); copied by a fork, so the fork goes on alike.
    id_counter: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The clock: real time plus the offset, unless frozen at an instant.
    clock_offset_us: Mapped[int] = mapped_column(BigInteger, default=0)
    frozen_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    @property
    def stored_settings(self) -> str:
        """The settings as one text: what their validated form is cached by (`SandboxContext.settings`)."""
        return json.dumps(self.settings, sort_keys=True, default=str)
