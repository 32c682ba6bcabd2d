"""Fault injection: a sandbox misbehaves on purpose, as the real platform sometimes does.

A rule matches by method and path prefix (never `/sim`: the control surface always answers) and is applied
with a probability or to the next N matching calls:

    throttle  429 with Retry-After and the API gateway's own body (Partner Center's throttling shape)
    error     the given status, in the surface's error shape
    latency   the answer leaves that many milliseconds later (after the transaction, holding no lock)

Faults are struck by the principal dependencies, before any work; a fired throttle or error ends the request
with its answer while the transaction still commits, so a count rule's spent calls stay spent.
"""

import random
import uuid

from fastapi import Request
from sqlalchemy import delete, func, select, update

from app.kernel.context import SandboxContext
from app.kernel.errors import BadRequest, Conflict, InjectedFault, NotFound
from app.kernel.statements import add_now
from app.models import FaultKind, FaultRule

_rng = random.SystemRandom()
# The most rules a sandbox keeps: every call it answers reads them all (`strike`). With ten thousand, a profile read
# of that sandbox took 350 to 390 ms (in process, both databases; 6 ms with none, 7 to 9 ms with a hundred), most of
# it the worker's CPU, which every other sandbox's calls wait on.
MOST_RULES = 100


async def add_rule(
    ctx: SandboxContext,
    *,
    kind: FaultKind,
    method: str,
    path_prefix: str,
    probability: float | None,
    count: int | None,
    status_code: int | None,
    error_code: int | None,
    message: str | None,
    retry_after_seconds: int | None,
    latency_ms: int | None,
) -> FaultRule:
    """A new rule; exactly one of probability or count says when it applies."""
    if (probability is None) == (count is None):
        raise BadRequest("Give a probability (0 to 1) or a count (the next N matching calls), not both.")
    if not path_prefix.startswith("/") or path_prefix.startswith("/sim"):
        raise BadRequest("A fault matches a path of the platform (/v1, /v1.0, /admin, ...); /sim always answers.")
    if kind is FaultKind.ERROR and not (status_code and 400 <= status_code <= 599):
        raise BadRequest("An error fault names the status to answer, 400 to 599.")
    if kind is FaultKind.LATENCY and not latency_ms:
        raise BadRequest("A latency fault names latencyMs.")
    # The rule itself first: a bad one is named as such, a full sandbox or not.
    held = select(func.count()).select_from(FaultRule).where(FaultRule.sandbox_id == ctx.sandbox_id)
    if (await ctx.session.execute(held)).scalar_one() >= MOST_RULES:
        raise Conflict(
            f"This sandbox holds {MOST_RULES} fault rules, the most it keeps (every call it answers reads them): "
            "remove one first (DELETE .../faults/{faultId}), a spent count rule included."
        )
    rule = FaultRule(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        kind=kind,
        method=method.upper(),
        path_prefix=path_prefix,
        probability=probability,
        remaining=count,
        status_code=status_code if kind is FaultKind.ERROR else 429 if kind is FaultKind.THROTTLE else None,
        error_code=error_code,
        message=message,
        retry_after_seconds=retry_after_seconds if kind is FaultKind.THROTTLE else None,
        latency_ms=latency_ms if kind is FaultKind.LATENCY else None,
        hits=0,
        created_at=ctx.now,
    )
    await add_now(ctx.session, rule)
    return rule


async def list_rules(ctx: SandboxContext) -> list[FaultRule]:
    return list(
        (
            await ctx.session.execute(
                select(FaultRule)
                .where(FaultRule.sandbox_id == ctx.sandbox_id)
                .order_by(FaultRule.created_at, FaultRule.id)
            )
        ).scalars()
    )


async def remove_rule(ctx: SandboxContext, rule_id: uuid.UUID) -> None:
    gone = await ctx.session.execute(
        delete(FaultRule).where(FaultRule.sandbox_id == ctx.sandbox_id, FaultRule.id == rule_id)
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        raise NotFound("Fault rule", rule_id)


async def _fires(ctx: SandboxContext, rule: FaultRule) -> bool:
    if rule.probability is not None:
        fired = _rng.random() < rule.probability
    else:  # spend one of the next N calls, atomically: two racing calls never spend the same one
        spent = await ctx.session.execute(
            update(FaultRule)
            .where(FaultRule.sandbox_id == rule.sandbox_id, FaultRule.id == rule.id, FaultRule.remaining > 0)
            .values(remaining=FaultRule.remaining - 1)
        )
        fired = bool(spent.rowcount)  # type: ignore[attr-defined]
    if fired:
        await ctx.session.execute(
            update(FaultRule)
            .where(FaultRule.sandbox_id == rule.sandbox_id, FaultRule.id == rule.id)
            .values(hits=FaultRule.hits + 1)
        )
    return fired


async def strike(ctx: SandboxContext, request: Request) -> None:
    """Apply the sandbox's matching rules to this call: delay it, or end it with the injected answer."""
    method, path = request.method.upper(), request.url.path
    for rule in await list_rules(ctx):
        if rule.method not in ("*", method) or not path.startswith(rule.path_prefix):
            continue
        if not await _fires(ctx, rule):
            continue
        if rule.kind is FaultKind.LATENCY:
            request.state.fault_latency_ms = getattr(request.state, "fault_latency_ms", 0) + (rule.latency_ms or 0)
            continue
        raise InjectedFault(
            kind=rule.kind.value,
            status_code=rule.status_code or 500,
            code=rule.error_code,
            message=rule.message,
            retry_after_seconds=rule.retry_after_seconds or 60,
        )
