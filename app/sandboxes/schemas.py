import uuid
from datetime import datetime, timedelta
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


# One call moves the clock at most this far: a span past it would overflow Python's datetime (a 500) or hold the
# sandbox row while decades of recurring timers fire. Longer journeys are several calls.
MAX_ADVANCE_DAYS = 3653
MAX_ADVANCE = timedelta(days=MAX_ADVANCE_DAYS)
_SPAN = f"at most {MAX_ADVANCE_DAYS} days (ten years) per call"


class ClockAdvance(Request):
    days: float | None = Field(None, ge=0, le=MAX_ADVANCE_DAYS, allow_inf_nan=False, description=_SPAN)
    hours: float | None = Field(None, ge=0, le=MAX_ADVANCE_DAYS * 24, allow_inf_nan=False, description=_SPAN)
    minutes: float | None = Field(None, ge=0, le=MAX_ADVANCE_DAYS * 24 * 60, allow_inf_nan=False, description=_SPAN)
    seconds: float | None = Field(None, ge=0, le=MAX_ADVANCE_DAYS * 24 * 3600, allow_inf_nan=False, description=_SPAN)
    business_days: int | None = Field(None, ge=0, le=2609, description="At most 2609 (ten years of weekdays).")
    to: AwareDatetime | None = Field(None, description=f"No later than {MAX_ADVANCE_DAYS} days (ten years) from now.")


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
    fired_count: int = Field(description="How many timers this call fired.")
    complete: bool = Field(
        description="False when the call stopped after firing its share of timers (the `timersPerAdvance` setting): "
        '`now` is where it got to; call again with `{"to": continueTo}` to go on.'
    )
    continue_to: datetime | None = Field(None, description="Where the clock was asked to go, when `complete` is false.")


class ReminderCreate(Request):
    label: str = Field(min_length=1, max_length=200)
    due_at: AwareDatetime | None = None
    after_hours: float | None = Field(
        None, ge=0, le=MAX_ADVANCE_DAYS * 24, allow_inf_nan=False, description="At most ten years of hours."
    )
    after_business_days: int | None = Field(None, ge=0, le=2609, description="At most 2609 (ten years of weekdays).")
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
