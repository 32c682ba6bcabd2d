"""The control surface for sandboxes: create, read, delete, reset, settings, clock, timers."""

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel import timers
from app.kernel.context import OPERATOR, SandboxContext
from app.kernel.db import TransactionalRoute, get_session, keep_on_rollback
from app.kernel.pagination import Collection, PageRequest, collection, page_request
from app.kernel.pipeline import Operator, control_router
from app.kernel.settings import SandboxSettings
from app.models import Sandbox, TimerStatus
from app.sandboxes import fork, reminders, service
from app.sandboxes.fork import ForkCreate, ForkCreated
from app.sandboxes.schemas import (
    Clock,
    ClockAdvance,
    ClockAdvanced,
    ClockFreeze,
    FiredTimer,
    ReminderCreate,
    SandboxCreate,
    SandboxCreated,
    SandboxOut,
    TimerOut,
)

TAG = "control: sandboxes"


open_router = APIRouter(prefix="/sim/v1/sandboxes", tags=[TAG], route_class=TransactionalRoute)
router = control_router(tags=[TAG])


def _clock(ctx: SandboxContext) -> Clock:
    return Clock(now=ctx.now, frozen=ctx.sandbox.frozen_at is not None)


def _sandbox(ctx: SandboxContext, sandbox: Sandbox) -> dict[str, Any]:
    return {
        "id": sandbox.id,
        "name": sandbox.name,
        "seed": sandbox.seed,
        "settings": sandbox.settings,
        "clock": _clock(ctx),
        "created_at": sandbox.created_at,
    }


@open_router.post("", status_code=status.HTTP_201_CREATED, response_model=SandboxCreated, summary="Create a sandbox")
async def create_sandbox(body: SandboxCreate, session: Annotated[AsyncSession, Depends(get_session)]) -> Any:
    """Create an isolated world with its own settings, clock and data. The admin key is shown once."""
    sandbox, admin_key = await service.create_sandbox(session, name=body.name, seed=body.seed, settings=body.settings)
    ctx = SandboxContext.of(session, sandbox, actor=OPERATOR)
    return {**_sandbox(ctx, sandbox), "admin_key": admin_key}


@router.get("", response_model=SandboxOut, summary="Read a sandbox")
async def read_sandbox(ctx: Operator) -> Any:
    return _sandbox(ctx, await service.sandbox_row(ctx))


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a sandbox and everything in it")
async def delete_sandbox(ctx: Operator) -> Response:
    await service.delete_sandbox(ctx)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/reset", response_model=SandboxOut, summary="Empty a sandbox, keeping its id, key and settings")
async def reset_sandbox(ctx: Operator) -> Any:
    """Every tenant, timer, event and record goes; the clock is real time again."""
    sandbox = await service.reset_sandbox(ctx)
    return _sandbox(SandboxContext.of(ctx.session, sandbox, ctx.actor), sandbox)


@router.get("/settings", response_model=SandboxSettings, summary="Read the sandbox's settings")
async def read_settings(ctx: Operator) -> Any:
    return ctx.settings


@router.patch("/settings", response_model=SandboxSettings, summary="Change some of the sandbox's settings")
async def update_settings(ctx: Operator, patch: Annotated[dict[str, Any], Body()]) -> Any:
    """Only the named settings change; `billingPeriodStartDay` merges by country. Unknown names are refused."""
    return await service.update_settings(ctx, patch)


@router.get("/clock", response_model=Clock, summary="Read the sandbox clock")
async def read_clock(ctx: Operator) -> Any:
    return _clock(ctx)


def _advanced(ctx: SandboxContext, advanced: service.Advanced, *, frozen: bool | None = None) -> ClockAdvanced:
    fired = advanced.fired
    return ClockAdvanced(
        now=ctx.now,
        frozen=ctx.sandbox.frozen_at is not None if frozen is None else frozen,
        fired=[FiredTimer(kind=f.kind, ref=f.ref, due_at=f.due_at, status=f.status, error=f.error) for f in fired],
        fired_count=len(fired),
        complete=advanced.complete,
        continue_to=None if advanced.complete else advanced.target,
    )


@router.post("/clock/advance", response_model=ClockAdvanced, summary="Move the clock forward and fire due timers")
async def advance_clock(ctx: Operator, body: ClockAdvance) -> Any:
    """Give one of `days`, `hours`, `minutes`, `seconds`, `businessDays` or `to`. The clock never moves back, and
    one call moves it at most 3653 days (ten years) (400). Every timer that falls due fires in due-time order, each
    seeing the clock at its due time; after `timersPerAdvance` of them (a setting, 1000 unless changed) the call stops
    at the last instant that fired and answers `complete: false` with `continueTo`: call again to go on."""
    advanced = await service.advance_clock(
        ctx,
        days=body.days,
        hours=body.hours,
        minutes=body.minutes,
        seconds=body.seconds,
        business_days=body.business_days,
        to=body.to,
    )
    return _advanced(ctx, advanced)


@router.post("/clock/freeze", response_model=ClockAdvanced, summary="Hold the clock")
async def freeze_clock(ctx: Operator, body: Annotated[ClockFreeze | None, Body()] = None) -> Any:
    advanced = await service.freeze_clock(ctx, at=body.at if body else None)
    return _advanced(ctx, advanced, frozen=True)


@router.post("/clock/resume", response_model=Clock, summary="Let a frozen clock run again")
async def resume_clock(ctx: Operator) -> Any:
    await service.resume_clock(ctx)
    return Clock(now=ctx.now, frozen=False)


@router.get(
    "/timers", response_model=Collection[TimerOut], summary="List timers (what will happen, and what did), in due order"
)
async def list_timers(
    ctx: Operator,
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    timer_status: Annotated[TimerStatus | None, Query(alias="status")] = None,
) -> Any:
    found = await timers.list_timers(ctx, page, status=timer_status)
    return collection(request, found, [TimerOut.model_validate(t) for t in found.items])


@router.post("/timers", status_code=status.HTTP_201_CREATED, response_model=TimerOut, summary="Schedule a reminder")
async def schedule_reminder(ctx: Operator, body: ReminderCreate) -> Any:
    """A reminder fires on the sandbox clock: it writes a `simulator-reminder` event and, with `notifyTo`,
    sends a mail. Give one of `dueAt`, `afterHours` or `afterBusinessDays`."""
    timer = await reminders.schedule_reminder(
        ctx,
        label=body.label,
        due_at=body.due_at,
        after_hours=body.after_hours,
        after_business_days=body.after_business_days,
        notify_to=str(body.notify_to) if body.notify_to else None,
        tenant_id=body.tenant_id,
    )
    await ctx.session.flush()
    return TimerOut.model_validate(timer)


@router.post("/timers/run", response_model=ClockAdvanced, summary="Fire the timers already due")
async def run_timers(ctx: Operator) -> Any:
    """What the background loop does every second, on demand: fire every timer due at the clock's now, at most
    200 per call (`complete: false` says more are due)."""
    advanced = await service.run_due_timers(ctx)
    return _advanced(ctx, advanced)


@router.post(
    "/fork",
    status_code=status.HTTP_201_CREATED,
    response_model=ForkCreated,
    summary="Copy a sandbox into a new one, with the same ids",
)
async def fork_sandbox(ctx: Operator, request: Request, body: Annotated[ForkCreate | None, Body()] = None) -> Any:
    """Every row, the same ids, the clock and settings, all or nothing; the fork then lives on its own. Its
    admin key is shown once. Globally unique credentials are reissued: each app's new client id and secret are
    answered by its original client id, each invitation link's new code by its original code."""
    forked = await fork.fork_sandbox(
        ctx, name=body.name if body else None, if_rolled_back=functools.partial(keep_on_rollback, request)
    )
    copy = SandboxContext.of(ctx.session, forked.sandbox, OPERATOR)
    return {
        **_sandbox(copy, forked.sandbox),
        "admin_key": forked.admin_key,
        "origin_id": ctx.sandbox_id,
        "apps": {str(old): {"client_id": new, "client_secret": secret} for old, (new, secret) in forked.apps.items()},
        "invitation_codes": forked.invitation_codes,
    }
