"""Timers: what must happen later, fired in due-time order on the sandbox clock.

A domain registers a handler per kind (`@on_timer("enrollment.approve")`) and schedules rows with
`schedule(ctx, ...)`. `fire_due` fires the pending timers due by an instant, oldest first (due time, then the order
they were scheduled), each seeing the clock at its own due time; one failing timer is recorded as failed and the
others go on.

Timers are claimed in batches, in due order, with `FOR UPDATE SKIP LOCKED` on PostgreSQL (the sandbox row is
locked by the caller, so one runner works a sandbox at a time). A kind may also register a batch handler
(`@on_timers(kind)`) that does the work of a run of consecutive timers of that kind at once, set-based: it must do
exactly what the one-by-one handler does for each timer in turn, stamping each timer's work at its own due time.
Kinds without one fire one by one, each in its own savepoint. A batch fails as a whole: its savepoint is rolled
back and its timers fire one by one, so the broken one is found and recorded. Fired timers are marked done in one
statement per batch.

Due order holds across batches: a handler that schedules a timer due before the last one claimed, or cancels any
timer, ends the claim there, and the next claim sees the change (a batch handler whose run would jump over a timer
it scheduled is rolled back and its run fires one by one). Until the claim's fired timers are marked, `is_pending`
does not count them.
"""

import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    Update,
    and_,
    bindparam,
    event,
    exists,
    func,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.orm import Session, SessionTransaction

from app.kernel import metrics
from app.kernel.analyze import analyze_before_batch
from app.kernel.context import SandboxContext
from app.kernel.pagination import Page, PageRequest, position_of, token_of
from app.kernel.statements import Read, add_now, among
from app.models import Timer, TimerStatus
from app.models.base import next_seq

log = logging.getLogger("cspsim.timers")


@dataclass(frozen=True, slots=True)
class Due:
    """A timer that fell due, as its handler sees it: read at the claim, never changed by the handler (the runner
    marks it fired or failed)."""

    id: uuid.UUID
    kind: str
    ref: str
    payload: dict[str, Any]
    due_at: datetime


TimerHandler = Callable[[SandboxContext, Due], Awaitable[None]]
BatchHandler = Callable[[SandboxContext, Sequence[Due]], Awaitable[None]]
_handlers: dict[str, TimerHandler] = {}
_batch_handlers: dict[str, BatchHandler] = {}

# Timers claimed by one query: as many as a call fires by default (`timersPerAdvance`), so a batch handler's run is
# one bulk insert and the claim one statement to mark; a claim of 200 cost a 30-day advance over 100,000 reminders
# a fifth more (four more claims, savepoints, copies and marks a call).
CLAIM = 1000
# What the handlers of the current run did to the timers table (kept on the session: schedule and cancel see it).
_EARLIEST_SCHEDULED = "cspsim.timers.earliest_scheduled"
_CANCELED = "cspsim.timers.canceled"
_UNMARKED = "cspsim.timers.unmarked"
# Whether a timer of (kind, ref) waits, as this transaction last learned it (`is_pending`, `known_pending`,
# `schedule`): forgotten by a cancel, before each handler of a claim and at the end of any transaction, a savepoint's
# included (what a savepoint scheduled may have been rolled back).
_KNOWN = "cspsim.timers.known_pending"


def on_timer(kind: str) -> Callable[[TimerHandler], TimerHandler]:
    def register(handler: TimerHandler) -> TimerHandler:
        if kind in _handlers:
            raise RuntimeError(f"two handlers for timer kind {kind}")
        _handlers[kind] = handler
        return handler

    return register


def on_timers(kind: str) -> Callable[[BatchHandler], BatchHandler]:
    """Register the batch handler of a kind that has its one-by-one handler (`on_timer`): it gets the context at
    the last timer's due time and the timers in due order, and must stamp each timer's work at `timer.due_at`."""

    def register(handler: BatchHandler) -> BatchHandler:
        if kind not in _handlers:
            raise RuntimeError(f"timer kind {kind} needs its one-by-one handler before its batch handler")
        if kind in _batch_handlers:
            raise RuntimeError(f"two batch handlers for timer kind {kind}")
        _batch_handlers[kind] = handler
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
    await add_now(ctx.session, timer)
    ctx.session.info.setdefault(_KNOWN, {})[(kind, timer.ref)] = True
    earliest = ctx.session.info.get(_EARLIEST_SCHEDULED)
    if earliest is None or due_at < earliest:
        ctx.session.info[_EARLIEST_SCHEDULED] = due_at
    return timer


async def cancel(ctx: SandboxContext, *, kind: str, ref: object) -> None:
    """Cancel the pending timers of `kind` for `ref` (e.g. an approval decided early by hand)."""
    ctx.session.info[_CANCELED] = True
    ctx.session.info.pop(_KNOWN, None)
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
    """Whether a timer of `kind` for `ref` waits to fire (a chain of runs need not be started twice). Asked once
    per transaction: an order of many lines (a charge each) reads it for its first, and not at all when the request
    read it beside its own rows (`known_pending`)."""
    key = (kind, str(ref))
    known: dict[tuple[str, str], bool] = ctx.session.info.setdefault(_KNOWN, {})
    if key not in known:
        # A timer fired earlier in the batch being fired is still marked pending until the batch ends.
        fired = ctx.session.info.get(_UNMARKED) or set()
        found = await _PENDING.all(ctx.session, {"sandbox_id": ctx.sandbox_id, "kind": kind, "ref": key[1]})
        known[key] = any(i not in fired for (i,) in found)
    return known[key]


def known_pending(ctx: SandboxContext, *, kind: str, ref: object, pending: bool) -> None:
    """What a statement of the request found about a timer of `kind` for `ref` (a column beside its own rows, as
    `pending_column` spells it), for `is_pending` to answer without asking again."""
    ctx.session.info.setdefault(_KNOWN, {})[(kind, str(ref))] = bool(pending)


def pending_column(kind: str, ref: ColumnElement[str]) -> ColumnElement[bool]:
    """`is_pending` as a column of another statement (`ref` an expression of its row; `:sandbox_id` its parameter)."""
    return exists().where(
        Timer.sandbox_id == bindparam("sandbox_id"),
        Timer.kind == kind,
        Timer.ref == ref,
        Timer.status == TimerStatus.PENDING,
    )


@event.listens_for(Session, "after_transaction_end")
def _forget_known(session: Session, _: SessionTransaction) -> None:
    session.info.pop(_KNOWN, None)


# Asked at every charge (whether its partner's billing run waits): built once, read through the driver.
_PENDING = Read(
    select(Timer.id).where(
        Timer.sandbox_id == bindparam("sandbox_id"),
        Timer.kind == bindparam("kind"),
        Timer.ref == bindparam("ref"),
        Timer.status == TimerStatus.PENDING,
    )
)


_TIMER_TABLE = cast(Table, Timer.__table__)
_TIMERS = _TIMER_TABLE.c


async def _claim(ctx: SandboxContext, *, until: datetime, limit: int) -> list[Due]:
    # Plain rows, not ORM objects: loading a thousand Timer objects was a fifth of a clock advance's CPU.
    stmt = (
        select(_TIMERS.id, _TIMERS.kind, _TIMERS.ref, _TIMERS.payload, _TIMERS.due_at)
        .where(
            _TIMERS.sandbox_id == ctx.sandbox_id,
            _TIMERS.status == TimerStatus.PENDING,
            _TIMERS.due_at <= until,
        )
        .order_by(_TIMERS.due_at, _TIMERS.seq)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [Due(*row) for row in (await ctx.session.execute(stmt)).all()]


def _watch(ctx: SandboxContext) -> None:
    ctx.session.info.pop(_KNOWN, None)
    ctx.session.info[_EARLIEST_SCHEDULED] = None
    ctx.session.info[_CANCELED] = False


def _reordered(ctx: SandboxContext, last: datetime) -> bool:
    """Whether the handlers just run cancelled a timer (a claimed one may be among them), or scheduled one due
    before `last`, the due time of the last claimed timer still to fire: then the rest of the claim is stale or
    out of order, and must be claimed again."""
    if ctx.session.info.get(_CANCELED):
        return True
    earliest: datetime | None = ctx.session.info.get(_EARLIEST_SCHEDULED)
    return earliest is not None and earliest < last


class _Batch:
    """One claim being fired: what fired, in order, and the fired timers not yet marked so."""

    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        self.fired: list[Fired] = []
        self.done: list[uuid.UUID] = []

    def succeeded(self, run: Sequence[Due]) -> None:
        self.done += [d.id for d in run]
        self.fired += [Fired(kind=d.kind, ref=d.ref, due_at=d.due_at, status=TimerStatus.FIRED) for d in run]
        # Until they are marked, a later handler of the claim must not see them as pending.
        self.ctx.session.info.setdefault(_UNMARKED, set()).update(d.id for d in run)

    async def failed(self, due: Due, error: str) -> None:
        await self.ctx.session.execute(
            update(Timer)
            .where(Timer.sandbox_id == self.ctx.sandbox_id, Timer.id == due.id)
            .values(status=TimerStatus.FAILED, fired_at=due.due_at, error=error)
            .execution_options(synchronize_session=False)
        )
        self.fired.append(Fired(kind=due.kind, ref=due.ref, due_at=due.due_at, status=TimerStatus.FAILED, error=error))

    async def mark_fired(self) -> None:
        """One statement for every timer of the claim that fired."""
        if self.done:
            session = self.ctx.session
            mark = _MARK_FIRED_ANY if session.get_bind().dialect.name == "postgresql" else _MARK_FIRED_IN
            await session.execute(mark, {"of_sandbox": self.ctx.sandbox_id, "ids": self.done})
        self.ctx.session.info.pop(_UNMARKED, None)
        self.ctx.session.info.pop(_KNOWN, None)


def _mark_fired(criterion: Any) -> Update:
    return (
        update(_TIMER_TABLE)
        .where(_TIMERS.sandbox_id == bindparam("of_sandbox"), criterion)
        .values(status=TimerStatus.FIRED, fired_at=_TIMERS.due_at)
    )


# The fired timers of a claim (up to a thousand) as one array parameter on PostgreSQL (`statements.among`): an IN
# list rendered and bound per id on every execution was a tenth of a clock advance's CPU.
_MARK_FIRED_ANY = _mark_fired(among("ids", array=True)(_TIMERS.id))
_MARK_FIRED_IN = _mark_fired(among("ids", array=False)(_TIMERS.id))


async def _fire_one(batch: _Batch, due: Due) -> None:
    ctx = batch.ctx
    _watch(ctx)
    try:
        async with ctx.session.begin_nested():
            await _handlers[due.kind](ctx.at(due.due_at), due)
    except Exception as exc:  # a broken timer must not stop the clock: it is recorded as failed
        log.exception("timer %s %s failed", due.kind, due.ref)
        await batch.failed(due, f"{type(exc).__name__}: {exc}")
        return
    batch.succeeded([due])


async def _fire_run(batch: _Batch, run: Sequence[Due]) -> bool:
    """Fire consecutive timers of one kind with its batch handler, in one savepoint; False when they must fire one
    by one instead: the handler failed, cancelled a timer, or scheduled one due before the run's last."""
    ctx = batch.ctx
    savepoint = await ctx.session.begin_nested()
    _watch(ctx)
    try:
        await _batch_handlers[run[0].kind](ctx.at(run[-1].due_at), run)
        await ctx.session.flush()
    except Exception:
        log.warning("a batch of %d %s timers failed; firing them one by one", len(run), run[0].kind, exc_info=True)
        await savepoint.rollback()
        return False
    if _reordered(ctx, run[-1].due_at):
        await savepoint.rollback()
        return False
    await savepoint.commit()
    batch.succeeded(run)
    return True


def _runs(claimed: list[Due]) -> Iterator[list[Due]]:
    """The claim cut into runs: consecutive timers of a kind with a batch handler; any other timer alone."""
    at = 0
    while at < len(claimed):
        end = at + 1
        if claimed[at].kind in _batch_handlers:
            while end < len(claimed) and claimed[end].kind == claimed[at].kind:
                end += 1
        yield claimed[at:end]
        at = end


async def _fire_claim(ctx: SandboxContext, claimed: list[Due]) -> list[Fired]:
    """Fire a claim in order until a handler reorders what is due (the rest stay pending, to be claimed again)."""
    batch = _Batch(ctx)
    last = claimed[-1]
    for run in _runs(claimed):
        if len(run) > 1 and await _fire_run(batch, run):
            if run[-1] is not last and _reordered(ctx, last.due_at):
                break
            continue
        for due in run:
            await _fire_one(batch, due)
            if due is not last and _reordered(ctx, last.due_at):
                break
        else:
            continue
        break
    await batch.mark_fired()
    return batch.fired


async def _next_due(ctx: SandboxContext, until: datetime) -> datetime | None:
    stmt = select(func.min(Timer.due_at)).where(
        Timer.sandbox_id == ctx.sandbox_id, Timer.status == TimerStatus.PENDING, Timer.due_at <= until
    )
    return (await ctx.session.execute(stmt)).scalar_one_or_none()


async def fire_due(ctx: SandboxContext, *, until: datetime, budget: int) -> tuple[list[Fired], bool]:
    """Fire the timers due by `until` in due order, including those the fired ones schedule, each seeing the clock
    at its own due time. Past `budget` timers it only finishes the instant of the last one fired; it answers what
    fired and whether every timer due by `until` did (else the caller stops its clock at the last one)."""
    fired: list[Fired] = []
    await ctx.session.flush()
    await analyze_before_batch(ctx.session)  # the handlers' reads planned from fresh statistics
    while True:
        horizon = until
        if len(fired) >= budget:
            due = await _next_due(ctx, until)
            if due is None:
                return fired, True
            if due > fired[-1].due_at:
                return fired, False
            horizon = fired[-1].due_at
        claimed = await _claim(ctx, until=horizon, limit=min(max(budget - len(fired), 1), CLAIM))
        if not claimed:  # none due, or the rest held by another runner (SKIP LOCKED)
            return fired, horizon == until
        done = await _fire_claim(ctx, claimed)
        for (kind, status), count in Counter((f.kind, f.status) for f in done).items():
            metrics.TIMERS.labels(kind=kind, status=status.value).inc(count)
        fired += done


async def list_timers(ctx: SandboxContext, page: PageRequest, *, status: TimerStatus | None) -> Page[Timer]:
    """A page of the sandbox's timers (of one status) in due order, from the page token's position on. Each status's
    are read off `ix_timers_due` in that order from the position, a page's worth each, and the few merged, so a
    sandbox with millions of timers sorts none of them; `totalCount` is the sandbox's timers (of that status)."""
    after = position_of(page.token, [datetime, int]) if page.token else None
    firsts = []
    for each in [status] if status else list(TimerStatus):
        first = select(_TIMERS.id, _TIMERS.due_at, _TIMERS.seq).where(
            _TIMERS.sandbox_id == ctx.sandbox_id, _TIMERS.status == each
        )
        if after is not None:
            first = first.where(tuple_(_TIMERS.due_at, _TIMERS.seq) > tuple_(*after))
        firsts.append(first.order_by(_TIMERS.due_at, _TIMERS.seq).limit(page.size + 1).subquery())
    merged = union_all(*(select(first.c.id, first.c.due_at, first.c.seq) for first in firsts)).subquery()
    stmt = (
        select(Timer)
        .join(merged, and_(Timer.sandbox_id == ctx.sandbox_id, Timer.id == merged.c.id))
        .order_by(merged.c.due_at, merged.c.seq)
        .limit(page.size + 1)
    )
    found = list((await ctx.session.execute(stmt)).scalars())
    counted = select(func.count()).select_from(Timer).where(Timer.sandbox_id == ctx.sandbox_id)
    if status:
        counted = counted.where(Timer.status == status)
    total = (await ctx.session.execute(counted)).scalar_one()
    shown = found[: page.size]
    next_token = token_of([shown[-1].due_at, shown[-1].seq]) if len(found) > page.size else None
    return Page(items=shown, total=total, next_token=next_token)
