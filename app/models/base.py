"""Declarative base, naming convention and the column types every model shares.

Every row belongs to a sandbox: `sandbox_id` leads every primary key, unique
constraint and foreign key, so no row can point into another sandbox, a sandbox
can be copied with the same ids, and the schema can be distributed by sandbox.
"""

import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import DateTime, Dialect, Enum, ForeignKey, MetaData, Numeric, String, TypeDecorator, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, on SQLite (which stores naive text) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:  # keyset pagination decodes continuation tokens by it
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """Exact decimal money at a fixed scale (cents by default), the same on every database:
    text on SQLite (which has no decimal type), NUMERIC elsewhere."""

    impl = String(40)
    cache_ok = True

    def __init__(self, scale: int = 2) -> None:
        super().__init__()
        self.scale = scale
        self.quantum = Decimal(1).scaleb(-scale)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    def __repr__(self) -> str:  # what Alembic writes into a migration
        return f"Money(scale={self.scale})"

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(String(40) if dialect.name == "sqlite" else Numeric(20, self.scale))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value).quantize(self.quantum)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(self.quantum)


_last_seq = 0


def next_seq() -> int:
    """A process-monotonic ordering key (nanoseconds since the epoch, never repeating here).

    Listings that must follow the order things happened (events, mails, audit)
    page on (seq, id): the sandbox clock can be frozen, so its time alone ties.
    """
    global _last_seq
    _last_seq = max(_last_seq + 1, time.time_ns())
    return _last_seq


def enum_column(kind: type[StrEnum], length: int = 30) -> Enum:
    """A status or kind column storing the enum's wire values ("DirectBill"), portable to every database."""
    return Enum(
        kind,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), uuid.UUID: Uuid(), Decimal: Money()}


class SandboxScoped:
    """Mixin: the (sandbox_id, id) primary key every sandbox row has."""

    sandbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sandboxes.id"), primary_key=True)
    # No default: every id comes from SandboxContext.new_id(), which a seeded sandbox makes deterministic.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
