"""Reminders: timers a test suite schedules itself, to watch the clock and the outbox work.

A reminder fires at its due time on the sandbox clock, writes a `simulator-reminder`
event and, when asked, sends a mail (to the mailbox, and to a partner's
notifications when a tenant is named).
"""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from app.events.service import notify, record_event
from app.kernel import timers
from app.kernel.clock import add_business_days
from app.kernel.context import SandboxContext
from app.kernel.errors import BadRequest
from app.models import Timer

KIND = "sim.reminder"


async def schedule_reminder(
    ctx: SandboxContext,
    *,
    label: str,
    due_at: datetime | None,
    after_hours: float | None,
    after_business_days: int | None,
    notify_to: str | None,
    tenant_id: uuid.UUID | None,
) -> Timer:
    """Schedule a reminder at `due_at`, or after some hours or business days on the sandbox clock."""
    given = sum(v is not None for v in (due_at, after_hours, after_business_days))
    if after_hours is not None:
        due_at = ctx.now + timedelta(hours=after_hours)
    elif after_business_days is not None:
        due_at = add_business_days(ctx.now, after_business_days)
    if given != 1 or due_at is None:
        raise BadRequest("Give exactly one of dueAt, afterHours or afterBusinessDays.")
    ref = await ctx.new_id()
    return await timers.schedule(
        ctx,
        kind=KIND,
        ref=ref,
        due_at=due_at,
        payload={"label": label, "notifyTo": notify_to, "tenantId": str(tenant_id) if tenant_id else None},
    )


@timers.on_timer(KIND)
async def _fire(ctx: SandboxContext, timer: Timer) -> None:
    label = timer.payload.get("label", "")
    tenant = timer.payload.get("tenantId")
    tenant_id = uuid.UUID(tenant) if tenant else None
    await record_event(
        ctx,
        name="simulator-reminder",
        resource_type="Reminder",
        resource_id=timer.ref,
        tenant_ids=[tenant_id] if tenant_id else [],
        data={"label": label},
    )
    if to := timer.payload.get("notifyTo"):
        await notify(
            ctx,
            to=to,
            kind="reminder",
            subject=f"Reminder: {label}",
            body=f"The reminder '{label}' fell due at {ctx.now.isoformat()}.",
            tenant_id=tenant_id,
        )


@timers.on_timers(KIND)
async def _fire_all(ctx: SandboxContext, due: Sequence[Timer]) -> None:
    # A reminder reads nothing and schedules nothing: a run of them is their events and mails, written in one flush.
    for timer in due:
        await _fire(ctx.at(timer.due_at), timer)
