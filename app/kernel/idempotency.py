"""MS-RequestId as Partner Center's idempotency key.

A POST, PUT or PATCH repeated by the same caller with the same MS-RequestId answers the first response and changes
nothing. The first request's answer is kept (a row, unique per sandbox, caller and id) in the same transaction as its
change; a repeat finds it before its handler runs and replays it, or is refused (409) if it is another request
(another method, path or body). A repeat sent while the first is still being answered finds nothing yet and does
the work again, but its change cannot commit: the kept answer's unique key (or any other its change shares with
the first's, a tenant's domain) makes it wait for the first's commit and then fails, and it answers the first's
answer instead (`settle_repeat`). Only successful answers are kept: a refused request changed nothing, so trying it
again is safe anyway. Answers are kept for the sandbox's `idempotencyRetentionHours`, on the sandbox clock.

On PostgreSQL the kept answer is read with the caller's principal (`KEPT_AHEAD`, the pipeline's read ahead of any
POST, PUT or PATCH that names an MS-RequestId and whose route reads nothing else ahead), and kept as one more insert
of the request's last statement: a create with an MS-RequestId, as Partner Center's SDK sends every call, is the
create's two round trips, where claiming the key first (an insert that answers whether it wrote) made it five with
its BEGIN and COMMIT.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from fastapi import Request, Response
from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel.context import Actor, ActorKind, SandboxContext, random_id
from app.kernel.errors import Conflict
from app.kernel.principals import Claims, ReadAhead
from app.kernel.statements import Read, add_now
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

    def __init__(self, request_id: str, answer: StoredAnswer) -> None:
        super().__init__(request_id)
        self.answer = answer


@dataclass(frozen=True)
class Claimed:
    """A first request's key, its answer to be kept under it (`remember`)."""

    sandbox_id: uuid.UUID
    caller: str
    request_id: str
    fingerprint: str
    at: datetime


async def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    digest.update(await request.body())
    return digest.hexdigest()


def _request_id(request: Request) -> str:
    return request.headers.get("MS-RequestId", "").strip()[:128]


@dataclass(frozen=True, slots=True)
class _Kept:
    """The answer kept for a key, as its row's values."""

    id: uuid.UUID
    fingerprint: str
    status_code: int | None
    body: bytes | None
    content_type: str | None
    location: str | None
    created_at: datetime


_RECORDS = cast(Table, IdempotencyRecord.__table__)
# The answer kept for a key, as values: built once, read through the driver.
_KEPT = Read(
    select(*(_RECORDS.c[name] for name in _Kept.__dataclass_fields__)).where(
        _RECORDS.c.sandbox_id == bindparam("sandbox_id"),
        _RECORDS.c.caller == bindparam("caller"),
        _RECORDS.c.request_id == bindparam("request_id"),
    )
)


def _kept_params(sandbox_id: uuid.UUID, caller: str, request_id: str) -> dict[str, Any]:
    return {"sandbox_id": sandbox_id, "caller": caller, "request_id": request_id}


def _ahead(claims: Claims, request: Request) -> dict[str, Any]:
    request_id = _request_id(request)
    if request.method not in MUTATING or not request_id:
        raise ValueError("no MS-RequestId: nothing kept to read")
    # The caller as its actor will be (`Actor.caller_key` reads only these): a user's token names the user.
    actor = Actor(
        ActorKind.APP if claims.is_app else ActorKind.USER,
        "",
        tenant_id=claims.tenant_id,
        user_id=None if claims.is_app else claims.object_id,
        client_id=claims.client_id,
    )
    return _kept_params(claims.sandbox_id, actor.caller_key, request_id)


KEPT_AHEAD = ReadAhead(_KEPT, _ahead)


async def _kept(session: AsyncSession, params: dict[str, Any]) -> _Kept | None:
    row = await _KEPT.one_or_none(session, params)
    return None if row is None else _Kept(*row)


def _replayed(request_id: str, kept: _Kept, fingerprint: str) -> Exception:
    if kept.fingerprint != fingerprint:
        return Conflict(
            f"MS-RequestId {request_id} was already used for a different request; "
            "send a new MS-RequestId for a new request."
        )
    answer = StoredAnswer(kept.status_code or 200, kept.body or b"", kept.content_type, kept.location)
    return Replay(request_id, answer)


async def claim(request: Request, ctx: SandboxContext) -> None:
    """A repeat of a kept answer is replayed (or refused: another request) before the handler runs; a first request
    is noted, to keep its answer at the end."""
    if request.method not in MUTATING:
        return
    request_id = _request_id(request)
    if not request_id:
        return
    caller, fingerprint = ctx.actor.caller_key, await _fingerprint(request)
    kept = await _kept(ctx.session, _kept_params(ctx.sandbox_id, caller, request_id))
    if kept is not None:
        retention = timedelta(hours=ctx.settings.idempotency_retention_hours)
        if kept.status_code is not None and kept.created_at + retention > ctx.now:
            raise _replayed(request_id, kept, fingerprint)
        await ctx.session.execute(  # an answer past its retention: the key is free again
            delete(IdempotencyRecord).where(
                IdempotencyRecord.sandbox_id == ctx.sandbox_id, IdempotencyRecord.id == kept.id
            )
        )
    request.state.idempotency = Claimed(ctx.sandbox_id, caller, request_id, fingerprint, ctx.now)


async def remember(request: Request, session: AsyncSession, response: Response) -> None:
    """Keep a successful answer for replay, with the request's change."""
    claimed: Claimed | None = request.scope["state"].get("idempotency")  # request.state's own dict
    if claimed is None or not 200 <= response.status_code < 300 or not hasattr(response, "body"):
        return
    record = IdempotencyRecord(  # a random id: replays are bookkeeping, not part of the seeded world
        sandbox_id=claimed.sandbox_id,
        id=random_id(),
        caller=claimed.caller,
        request_id=claimed.request_id,
        fingerprint=claimed.fingerprint,
        created_at=claimed.at,
        status_code=response.status_code,
        body=bytes(response.body),
        content_type=response.headers.get("content-type"),
        location=response.headers.get("location"),
    )
    await add_now(session, record)


async def settle_repeat(session: AsyncSession, request: Request, error: Exception) -> None:
    """A request refused by a key its change shares with another's (an `IntegrityError`, its transaction rolled
    back) that names an MS-RequestId answered meanwhile: a repeat sent while the first was being answered, which
    answers the first's answer (raises `Replay`, or `Conflict` for another request). Else nothing."""
    claimed: Claimed | None = request.scope["state"].get("idempotency")
    if claimed is None or not isinstance(error, IntegrityError):
        return
    kept = await _kept(session, _kept_params(claimed.sandbox_id, claimed.caller, claimed.request_id))
    if kept is not None and kept.status_code is not None:
        raise _replayed(claimed.request_id, kept, claimed.fingerprint) from None


def replay_response(answer: StoredAnswer) -> Response:
    headers = {"Location": answer.location} if answer.location else {}
    return Response(
        content=answer.body, status_code=answer.status_code, media_type=answer.content_type, headers=headers
    )


async def _replay_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    return replay_response(exc.answer)


EXCEPTION_HANDLERS: dict[Any, Any] = {Replay: _replay_handler}
