"""Reminders: timers a test suite schedules itself, to watch the clock and the outbox work.

A reminder fires at its due time on the sandbox clock, writes a `simulator-reminder`
event and, when asked, sends a mail (to the mailbox, and to a partner's
notifications when a tenant is named).
"""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from app.events.service import Happening, notify, record_events
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


def _happening(timer: timers.Due, at: datetime) -> Happening:
    tenant = timer.payload.get("tenantId")
    return Happening(
        at=at,
        name="simulator-reminder",
        resource_type="Reminder",
        resource_id=timer.ref,
        tenant_ids=[uuid.UUID(tenant)] if tenant else [],
        data={"label": timer.payload.get("label", "")},
    )


async def _mail(ctx: SandboxContext, timer: timers.Due) -> None:
    if to := timer.payload.get("notifyTo"):
        label = timer.payload.get("label", "")
        tenant = timer.payload.get("tenantId")
        await notify(
            ctx,
            to=to,
            kind="reminder",
            subject=f"Reminder: {label}",
            body=f"The reminder '{label}' fell due at {ctx.now.isoformat()}.",
            tenant_id=uuid.UUID(tenant) if tenant else None,
        )


@timers.on_timer(KIND)
async def _fire(ctx: SandboxContext, timer: timers.Due) -> None:
    await record_events(ctx, [_happening(timer, ctx.now)])
    await _mail(ctx, timer)


@timers.on_timers(KIND)
async def _fire_all(ctx: SandboxContext, due: Sequence[timers.Due]) -> None:
    # Reminders read nothing and schedule nothing: a run of them is one bulk insert of their events (and their mails).
    await record_events(ctx, [_happening(t, t.due_at) for t in due])
    for timer in due:
        if timer.payload.get("notifyTo"):
            await _mail(ctx.at(timer.due_at), timer)
