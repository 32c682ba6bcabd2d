import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, EmailStr, Field

from app.models import TimerStatus
from app.wire import Request, Schema


class SandboxCreate(Request):
    name: str = Field("sandbox", min_length=1, max_length=200)
    seed: int | None = Field(None, description="Ids generated from this seed are the same in every sandbox.")
    settings: dict[str, Any] = Field(default_factory=dict, description="Settings that differ from the defaults.")


class Clock(Schema):
    now: datetime
    frozen: bool


class SandboxOut(Schema):
    id: uuid.UUID
    name: str
    seed: int | None
    settings: dict[str, Any]
    clock: Clock
    created_at: datetime


class SandboxCreated(SandboxOut):
    admin_key: str = Field(description="Shown once: send it as `Authorization: Bearer <adminKey>`.")


class ClockAdvance(Request):
    days: float | None = Field(None, ge=0)
    hours: float | None = Field(None, ge=0)
    minutes: float | None = Field(None, ge=0)
    seconds: float | None = Field(None, ge=0)
    business_days: int | None = Field(None, ge=0, le=3650)
    to: AwareDatetime | None = None


class ClockFreeze(Request):
    at: AwareDatetime | None = Field(None, description="Freeze at this later instant (firing what falls due).")


class FiredTimer(Schema):
    kind: str
    ref: str
    due_at: datetime
    status: TimerStatus
    error: str | None = None


class ClockAdvanced(Clock):
    fired: list[FiredTimer]


class ReminderCreate(Request):
    label: str = Field(min_length=1, max_length=200)
    due_at: AwareDatetime | None = None
    after_hours: float | None = Field(None, ge=0)
    after_business_days: int | None = Field(None, ge=0, le=3650)
    notify_to: EmailStr | None = None
    tenant_id: uuid.UUID | None = None


class TimerOut(Schema):
    id: uuid.UUID
    kind: str
    ref: str
    due_at: datetime
    status: TimerStatus
    fired_at: datetime | None
    error: str | None
    payload: dict[str, Any]


class TimerList(Schema):
    items: list[TimerOut]
