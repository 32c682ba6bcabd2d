"""Timers: what must happen later, fired in due-time order on the sandbox clock.

A domain registers a handler per kind (`@on_timer("enrollment.approve")`) and
schedules rows with `schedule(ctx, ...)`. `run_due` fires every pending timer
whose due time has come, oldest first; each runs in its own savepoint, seeing
the clock at its due time, so one failing timer is recorded as failed and the
others go on. Rows are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL;
the sandbox row is locked by the caller, so one runner works a sandbox at a time.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from app.kernel import metrics
from app.kernel.context import SandboxContext
from app.models import Timer, TimerStatus
from app.models.base import next_seq

log = logging.getLogger("cspsim.timers")

TimerHandler = Callable[[SandboxContext, Timer], Awaitable[None]]
_handlers: dict[str, TimerHandler] = {}


def on_timer(kind: str) -> Callable[[TimerHandler], TimerHandler]:
    def register(handler: TimerHandler) -> TimerHandler:
        if kind in _handlers:
            raise RuntimeError(f"two handlers for timer kind {kind}")
        _handlers[kind] = handler
        return handler

    return register


def known_kinds() -> list[str]:
    return sorted(_handlers)


@dataclass(frozen=True)
class Fired:
    kind: str
    ref: str
    due_at: datetime
    status: TimerStatus
    error: str | None = None


async def schedule(
    ctx: SandboxContext, *, kind: str, ref: object, due_at: datetime, payload: dict[str, Any] | None = None
) -> Timer:
    if kind not in _handlers:
        raise RuntimeError(f"no handler for timer kind {kind}")
    timer = Timer(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        kind=kind,
        ref=str(ref),
        payload=payload or {},
        due_at=due_at,
        seq=next_seq(),
        status=TimerStatus.PENDING,
        created_at=ctx.now,
    )
    ctx.session.add(timer)
    return timer


async def cancel(ctx: SandboxContext, *, kind: str, ref: object) -> None:
    """Cancel the pending timers of `kind` for `ref` (e.g. an approval decided early by hand)."""
    await ctx.session.execute(
        update(Timer)
        .where(
            Timer.sandbox_id == ctx.sandbox_id,
            Timer.kind == kind,
            Timer.ref == str(ref),
            Timer.status == TimerStatus.PENDING,
        )
        .values(status=TimerStatus.CANCELED, fired_at=ctx.now)
    )


async def is_pending(ctx: SandboxContext, *, kind: str, ref: object) -> bool:
    """Whether a timer of `kind` for `ref` waits to fire (a chain of runs need not be started twice)."""
    stmt = select(Timer.id).where(
        Timer.sandbox_id == ctx.sandbox_id,
        Timer.kind == kind,
        Timer.ref == str(ref),
        Timer.status == TimerStatus.PENDING,
    )
    return (await ctx.session.execute(stmt.limit(1))).first() is not None


async def _claim_next(ctx: SandboxContext) -> Timer | None:
    stmt = (
        select(Timer)
        .where(Timer.sandbox_id == ctx.sandbox_id, Timer.status == TimerStatus.PENDING, Timer.due_at <= ctx.now)
        .order_by(Timer.due_at, Timer.seq)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await ctx.session.execute(stmt)).scalar_one_or_none()


async def run_due(ctx: SandboxContext) -> list[Fired]:
    """Fire every timer due at `ctx.now`, in due order, including those the fired ones schedule."""
    fired: list[Fired] = []
    await ctx.session.flush()
    while (timer := await _claim_next(ctx)) is not None:
        kind, ref, due_at, key = timer.kind, timer.ref, timer.due_at, (timer.sandbox_id, timer.id)
        error: str | None = None
        try:
            async with ctx.session.begin_nested():
                await _handlers[kind](ctx.at(due_at), timer)
        except Exception as exc:  # a broken timer must not stop the clock: it is recorded as failed
            log.exception("timer %s %s failed", kind, ref)
            error = f"{type(exc).__name__}: {exc}"
        status = TimerStatus.FAILED if error else TimerStatus.FIRED
        await ctx.session.execute(
            update(Timer)
            .where(Timer.sandbox_id == key[0], Timer.id == key[1])
            .values(status=status, fired_at=due_at, error=error)
            .execution_options(synchronize_session=False)
        )
        fired.append(Fired(kind=kind, ref=ref, due_at=due_at, status=status, error=error))
        metrics.TIMERS.labels(kind=kind, status=status.value).inc()
    return fired


async def list_timers(ctx: SandboxContext, *, status: TimerStatus | None) -> list[Timer]:
    stmt = select(Timer).where(Timer.sandbox_id == ctx.sandbox_id)
    if status:
        stmt = stmt.where(Timer.status == status)
    return list((await ctx.session.execute(stmt.order_by(Timer.due_at, Timer.seq).limit(1000))).scalars())
