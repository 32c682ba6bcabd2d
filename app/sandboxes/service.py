"""Sandboxes, their settings and their clock."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel import timers
from app.kernel.bulk import foreign_keys_unchecked, sandbox_tables
from app.kernel.clock import add_business_days, real_now, sandbox_now
from app.kernel.context import SandboxContext, random_id
from app.kernel.credentials import digest, new_secret
from app.kernel.errors import BadRequest
from app.kernel.settings import SandboxSettings
from app.kernel.statements import add_now
from app.models import Sandbox, Timer, TimerStatus
from app.sandboxes.schemas import MAX_ADVANCE, MAX_ADVANCE_DAYS


def _settings_or_400(build: Any, *args: Any) -> SandboxSettings:
    try:
        settings: SandboxSettings = build(*args)
    except ValidationError as exc:
        problems = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        raise BadRequest(
            "The settings are not valid: " + "; ".join(f"{p['field']}: {p['message']}" for p in problems), data=problems
        ) from exc
    return settings


async def create_sandbox(
    session: AsyncSession, *, name: str, seed: int | None, settings: dict[str, Any]
) -> tuple[Sandbox, str]:
    """Create an isolated world; answer it with its admin key (stored only as a digest)."""
    valid = _settings_or_400(SandboxSettings().merged, settings)
    admin_key = new_secret("csk_")
    sandbox = Sandbox(
        id=random_id(),
        name=name,
        seed=seed,
        admin_key_hash=digest(admin_key),
        settings=valid.stored(),
        clock_offset_us=0,
        frozen_at=None,
        created_at=real_now(),
    )
    await add_now(session, sandbox)
    return sandbox, admin_key


async def sandbox_row(ctx: SandboxContext) -> Sandbox:
    """The sandbox's row, to show or change: an operator's call holds it already (its admin key was checked on it)."""
    return await ctx.session.get_one(Sandbox, ctx.sandbox_id)


async def _lock(ctx: SandboxContext) -> Sandbox:
    """Lock the sandbox row and re-read the clock: clock moves and timer runs serialize here. Answers the row, which
    the caller changes."""
    stmt = (
        select(Sandbox).where(Sandbox.id == ctx.sandbox_id).with_for_update().execution_options(populate_existing=True)
    )
    sandbox = (await ctx.session.execute(stmt)).scalar_one()
    fresh = SandboxContext.of(ctx.session, sandbox, ctx.actor)
    ctx.sandbox, ctx.now = sandbox, fresh.now
    return sandbox


async def delete_sandbox(ctx: SandboxContext) -> None:
    """Remove the sandbox and everything in it."""
    await _empty(ctx, remove=True)


async def _empty(ctx: SandboxContext, *, remove: bool) -> Sandbox:
    """Delete every row of the sandbox, children first, and with `remove` the sandbox's own row, under
    `foreign_keys_unchecked`: every row goes, so no key is left dangling, and PostgreSQL's check of each deleted row's
    referencing rows was the whole cost of emptying a large sandbox (100,000 customers: 233 s, 219 of them the
    tenants' delete, each deleted tenant looked for in every column that names a tenant, some led by no index; 5 s
    without the checks)."""
    sandbox = await _lock(ctx)
    async with foreign_keys_unchecked(ctx.session):
        for table in reversed(sandbox_tables()):  # children first
            await ctx.session.execute(delete(table).where(table.c.sandbox_id == ctx.sandbox_id))
        if remove:
            await ctx.session.execute(delete(Sandbox).where(Sandbox.id == ctx.sandbox_id))
    return sandbox


async def reset_sandbox(ctx: SandboxContext) -> Sandbox:
    """Empty the sandbox: its data goes, its id, admin key and settings stay, its clock is real time again."""
    sandbox = await _empty(ctx, remove=False)
    sandbox.clock_offset_us = 0
    sandbox.frozen_at = None
    return sandbox


async def update_settings(ctx: SandboxContext, patch: dict[str, Any]) -> SandboxSettings:
    valid = _settings_or_400(ctx.settings.merged, patch)
    sandbox = await sandbox_row(ctx)
    sandbox.settings = valid.stored()
    return valid


@dataclass(frozen=True)
class Advanced:
    """What one call did: the timers fired, and whether the clock reached `target` (else call again with it)."""

    fired: list[timers.Fired]
    target: datetime
    complete: bool


async def advance_clock(
    ctx: SandboxContext,
    *,
    days: float | None = None,
    hours: float | None = None,
    minutes: float | None = None,
    seconds: float | None = None,
    business_days: int | None = None,
    to: datetime | None = None,
) -> Advanced:
    """Move the clock forward (never back, at most MAX_ADVANCE per call) and fire every timer that fell due, in due
    order; past the sandbox's `timers_per_advance` timers the clock stops where the last one fired and the answer
    says so."""
    sandbox = await _lock(ctx)
    given = [v for v in (days, hours, minutes, seconds, business_days, to) if v is not None]
    if len(given) != 1:
        raise BadRequest("Give exactly one of days, hours, minutes, seconds, businessDays or to.")
    if to is not None:
        target = to
    elif business_days is not None:
        target = add_business_days(ctx.now, business_days)
    else:
        target = ctx.now + timedelta(days=days or 0, hours=hours or 0, minutes=minutes or 0, seconds=seconds or 0)
    if target < ctx.now:
        raise BadRequest(
            f"The clock never moves backwards: it is {ctx.now.isoformat()}, and {target.isoformat()} "
            "is earlier. Create a new sandbox (or reset this one) to start from real time again."
        )
    if target - ctx.now > MAX_ADVANCE:
        raise BadRequest(
            f"One call moves the clock at most {MAX_ADVANCE_DAYS} days (ten years): it is {ctx.now.isoformat()}, "
            f"and {target.isoformat()} is further. Advance in several calls."
        )
    return await _fire_until(ctx, sandbox, target)


async def _fire_until(ctx: SandboxContext, sandbox: Sandbox, target: datetime) -> Advanced:
    """Fire what falls due up to `target`, in due order, each timer seeing the clock at its own due time. Past
    `timers_per_advance` timers (a setting: a recurring timer over a long span would otherwise hold the sandbox row,
    and every request of the sandbox waiting on it, for minutes) the call stops once the instant of the last one
    fired is done, its clock there, and a later call goes on from there. The row is written once."""
    fired, complete = await timers.fire_due(ctx, until=target, budget=ctx.settings.timers_per_advance)
    if complete:
        _set_now(ctx, sandbox, target)
    elif fired:
        _set_now(ctx, sandbox, max(fired[-1].due_at, ctx.now))
    return Advanced(fired=fired, target=target, complete=complete)


def _set_now(ctx: SandboxContext, sandbox: Sandbox, target: datetime) -> None:
    if sandbox.frozen_at is not None:
        sandbox.frozen_at = target
    else:
        sandbox.clock_offset_us += int((target - ctx.now) / timedelta(microseconds=1))
    ctx.now = target


async def freeze_clock(ctx: SandboxContext, *, at: datetime | None = None) -> Advanced:
    """Hold the clock at its current reading, or at a later instant `at` (firing what falls due; where more than
    `timers_per_advance` fall due, it holds where the last one fired)."""
    if at is not None:
        advanced = await advance_clock(ctx, to=at)
        sandbox = await sandbox_row(ctx)  # locked by the advance
    else:
        sandbox = await _lock(ctx)
        advanced = Advanced(fired=[], target=ctx.now, complete=True)
    sandbox.frozen_at = ctx.now
    return advanced


async def resume_clock(ctx: SandboxContext) -> None:
    """Let a frozen clock run again from where it stands."""
    sandbox = await _lock(ctx)
    if sandbox.frozen_at is None:
        return
    sandbox.clock_offset_us = int((sandbox.frozen_at - real_now()) / timedelta(microseconds=1))
    sandbox.frozen_at = None


async def run_due_timers(ctx: SandboxContext) -> Advanced:
    """Fire the timers due at the clock's now, at most `timers_per_advance` of them (the rest on the next call)."""
    sandbox = await _lock(ctx)
    return await _fire_until(ctx, sandbox, ctx.now)


async def sandboxes_with_due_timers(session: AsyncSession) -> list[uuid.UUID]:
    """The sandboxes whose earliest pending timer is due on their own clock (for the background loop). Each
    sandbox's earliest is one probe of the timers' due index: a GROUP BY over every pending timer (every
    subscription has its renewal pending) ran every second and grew with the data."""
    earliest = (
        select(func.min(Timer.due_at))
        .where(Timer.sandbox_id == Sandbox.id, Timer.status == TimerStatus.PENDING)
        .scalar_subquery()
    )
    stmt = select(Sandbox.id, Sandbox.clock_offset_us, Sandbox.frozen_at, earliest)
    rows = (await session.execute(stmt)).all()
    return [
        sandbox_id
        for sandbox_id, offset, frozen_at, first in rows
        if first is not None and first <= sandbox_now(offset_us=offset, frozen_at=frozen_at)
    ]
