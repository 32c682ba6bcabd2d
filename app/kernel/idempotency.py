"""MS-RequestId as Partner Center's idempotency key.

A POST, PUT or PATCH repeated by the same caller with the same MS-RequestId answers the first response and changes
nothing. The first request claims the key (a row, unique per sandbox, caller and id, inserted unless it is there
already) before its handler runs; the route stores the answer in the same transaction as the change. A concurrent
repeat waits on the unique index and then replays; a repeat with a different method, path or body is refused (409).
Only successful answers are kept: a refused request changed nothing, so trying it again is safe anyway. Answers are
kept for the sandbox's `idempotencyRetentionHours`, on the sandbox clock.
"""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, cast

from fastapi import Depends, Request, Response
from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel.context import SandboxContext, random_id
from app.kernel.errors import Conflict
from app.kernel.statements import Write, add_now
from app.models import IdempotencyRecord

MUTATING = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: bytes
    content_type: str | None
    location: str | None


class Replay(Exception):
    """Not an error: the stored first answer, rendered after the transaction is gone."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.request_id)
        self.answer = StoredAnswer(
            status_code=record.status_code or 200,
            body=record.body or b"",
            content_type=record.content_type,
            location=record.location,
        )


async def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    digest.update(await request.body())
    return digest.hexdigest()


async def _existing(ctx: SandboxContext, caller: str, request_id: str) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.sandbox_id == ctx.sandbox_id,
        IdempotencyRecord.caller == caller,
        IdempotencyRecord.request_id == request_id,
    )
    return (await ctx.session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


def _check(record: IdempotencyRecord, fingerprint: str) -> None:
    if record.fingerprint != fingerprint:
        raise Conflict(
            f"MS-RequestId {record.request_id} was already used for a different request; "
            "send a new MS-RequestId for a new request."
        )
    raise Replay(record)


# The claim: the key's row, unless the key is held already (by a kept answer, or by a concurrent first request,
# whose commit the insert waits for). One statement where a read, a savepoint, the insert and its release were four.
_RECORDS = cast(Table, IdempotencyRecord.__table__)
_KEY = ("sandbox_id", "caller", "request_id")
_CLAIM = {
    name: Write.insert(_RECORDS, into=dialect.insert, unless_taken=_KEY)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}

# The answer kept on the claim's row, by its key: an UPDATE of four columns, where a change of the session's record
# was a flush of the unit of work at the commit.
_ANSWER = ("status_code", "body", "content_type", "location")
_KEEP = Write(
    update(_RECORDS)
    .where(
        _RECORDS.c.sandbox_id == bindparam("kept_sandbox_id", type_=_RECORDS.c.sandbox_id.type),
        _RECORDS.c.id == bindparam("kept_id", type_=_RECORDS.c.id.type),
    )
    .values({name: bindparam(name, type_=_RECORDS.c[name].type) for name in _ANSWER}),
    waits=True,  # goes with the request's last inserts, at its commit
)


async def claim(request: Request, ctx: SandboxContext) -> None:
    request_id = request.headers.get("MS-RequestId", "").strip()[:128]
    if request.method not in MUTATING or not request_id:
        return
    caller, fingerprint = ctx.actor.caller_key, await _fingerprint(request)
    write = _CLAIM[ctx.session.get_bind().dialect.name]
    record = IdempotencyRecord(  # a random id: replays are bookkeeping, not part of the seeded world
        sandbox_id=ctx.sandbox_id,
        id=random_id(),
        caller=caller,
        request_id=request_id,
        fingerprint=fingerprint,
        created_at=ctx.now,
    )
    if not await add_now(ctx.session, record, write=write):
        held = await _existing(ctx, caller, request_id)
        if held is not None:
            retention = timedelta(hours=ctx.settings.idempotency_retention_hours)
            if held.status_code is not None and held.created_at + retention > ctx.now:
                _check(held, fingerprint)  # a repeat: replayed, or refused if it is another request
            await ctx.session.execute(  # an answer past its retention: the key is free again
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.sandbox_id == held.sandbox_id, IdempotencyRecord.id == held.id
                )
            )
        if not await add_now(ctx.session, record, write=write):  # taken again meanwhile, by a concurrent repeat
            raise Conflict(f"MS-RequestId {request_id} is being answered right now; retry shortly.")
    request.state.idempotency = record


async def remember(request: Request, session: AsyncSession, response: Response) -> None:
    """Keep a successful answer for replay; forget the claim of anything else."""
    record: IdempotencyRecord | None = request.scope["state"].get("idempotency")  # request.state's own dict
    if record is None:
        return
    if not 200 <= response.status_code < 300 or not hasattr(response, "body"):
        await session.delete(record)
        return
    answer = {"status_code": response.status_code, "body": bytes(response.body)}
    answer |= {"content_type": response.headers.get("content-type"), "location": response.headers.get("location")}
    await _KEEP.run(session, {"kept_sandbox_id": record.sandbox_id, "kept_id": record.id} | answer)


def replay_response(answer: StoredAnswer) -> Response:
    headers = {"Location": answer.location} if answer.location else {}
    return Response(
        content=answer.body, status_code=answer.status_code, media_type=answer.content_type, headers=headers
    )


async def _replay_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    return replay_response(exc.answer)


ContextDependency = Callable[..., Awaitable[SandboxContext]]


def idempotency_guard(context: ContextDependency) -> Callable[..., Awaitable[None]]:
    """A router dependency: claim the MS-RequestId of the caller that `context` authenticates."""

    async def guard(request: Request, ctx: Annotated[SandboxContext, Depends(context)]) -> None:
        await claim(request, ctx)

    return guard


EXCEPTION_HANDLERS: dict[Any, Any] = {Replay: _replay_handler}
