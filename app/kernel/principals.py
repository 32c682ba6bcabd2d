"""Who calls, in one statement: a verified token's claims are kept in memory, the rows they name are read at once.

    bearer token ──> VERIFIED_TOKENS    the claims of a token whose signature, audience and expiry were checked
                                        (bounded LRU, a short TTL, never past the token's own expiry)
                 ──> one SELECT         the sandbox, the tenant and the user or app joined by primary key, whether
                                        the sandbox has fault rules, and the facts the surface's admission needs,
                                        read through the driver as values (`app.kernel.statements`), not entities;
                                        with the route's first read in it where the route reads ahead (`ReadAhead`)

Why the rows are read on every call and not cached: a token outlives the rows it names. A deleted user or app,
a removed tenant or a reset sandbox must stop acting at once, in every worker, and the sandbox row carries the
clock and settings the operator changes from any worker. One primary-key join answers all of that, as cheaply
as a version stamp would, and can never be stale. What is cached is only what a token proves by itself: the
RSA signature check and the claims' parsing, the costly part of authentication.
"""

import functools
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Text, and_, bindparam, cast, exists, null, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from app.kernel.context import Channel
from app.kernel.statements import Read, read_ahead
from app.kernel.tokens import Keyring
from app.models import AppRegistration, FaultRule, Sandbox, Tenant, TenantKind, User

# A fact an admission rule needs about the calling tenant: a scalar SQL expression of (sandbox id, tenant id), given
# as bound parameters, read in the principal's statement instead of a query of its own on every call.
Fact = Callable[[ColumnElement[Any], ColumnElement[Any]], ColumnElement[Any]]


@dataclass(frozen=True)
class Claims:
    """What a verified token says about its caller."""

    sandbox_id: uuid.UUID
    tenant_id: uuid.UUID
    object_id: uuid.UUID
    client_id: uuid.UUID
    channel: Channel
    is_app: bool
    expires_at: float  # the token's exp, seconds since the epoch


class VerifiedTokens:
    """Claims of tokens already verified, by token and audiences. Bounded, least recently used first out, and an
    entry lives at most `ttl_seconds` and never past its token's expiry: a token is checked again soon."""

    def __init__(self, *, size: int = 10_000, ttl_seconds: float = 60.0) -> None:
        self.size, self.ttl_seconds = size, ttl_seconds
        self._entries: OrderedDict[tuple[str, tuple[str, ...]], tuple[float, Claims]] = OrderedDict()

    def get(self, token: str, audiences: tuple[str, ...]) -> Claims | None:
        key = (token, audiences)
        entry = self._entries.get(key)
        if entry is None:
            return None
        keep_until, claims = entry
        if time.time() >= keep_until:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return claims

    def put(self, token: str, audiences: tuple[str, ...], claims: Claims) -> None:
        self._entries[(token, audiences)] = (min(time.time() + self.ttl_seconds, claims.expires_at), claims)
        self._entries.move_to_end((token, audiences))
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


VERIFIED_TOKENS = VerifiedTokens()


async def verified_claims(session: AsyncSession, keyring: Keyring, token: str, audiences: Sequence[str]) -> Claims:
    """The token's claims; jwt.InvalidTokenError (or KeyError, ValueError) when it proves nothing."""
    key = tuple(audiences)
    known = VERIFIED_TOKENS.get(token, key)
    if known is not None:
        return known
    raw = await keyring.verify(session, token, audiences=list(audiences))
    claims = Claims(
        sandbox_id=uuid.UUID(raw["sandbox"]),
        tenant_id=uuid.UUID(raw["tid"]),
        object_id=uuid.UUID(raw["oid"]),
        client_id=uuid.UUID(raw["appid"]),
        channel=Channel(raw["channel"]),
        is_app=raw.get("idtyp") == "app",
        expires_at=float(raw["exp"]),
    )
    VERIFIED_TOKENS.put(token, key, claims)
    return claims


@dataclass(frozen=True)
class SandboxRow:
    """The caller's sandbox as the request found it: what a tenant's request reads of it (its clock, its seed's
    counter is advanced in SQL, its settings); never changed in place."""

    id: uuid.UUID
    seed: int | None
    stored_settings: str  # as the database holds them: the key of their validated form, never decoded per call
    clock_offset_us: int
    frozen_at: datetime | None

    @property
    def settings(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.stored_settings)
        return decoded


@dataclass(frozen=True)
class UserRow:
    """The calling user, as much of it as an actor names (`Actor.of_user`)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    user_principal_name: str
    roles: list[str]


@dataclass(frozen=True)
class Principal:
    """The rows a token names, as they are now, and what the pipeline needs to know about them."""

    sandbox: SandboxRow
    tenant_kind: TenantKind
    user: UserRow | None  # the user the token was issued to; None for an app's token
    app_client_id: uuid.UUID | None  # the app's, for an app's token
    has_fault_rules: bool
    facts: Mapping[str, Any]


_SANDBOX: BindParameter[Any] = bindparam("sandbox_id")
_TENANT: BindParameter[Any] = bindparam("tenant_id")
_MEMBER: BindParameter[Any] = bindparam("member_id")


@dataclass(frozen=True)
class ReadAhead:
    """A route's first read, sent with its caller's principal as one statement (PostgreSQL's): a GET of one object
    is then one round trip, not two, which was a quarter of its CPU, the worker's and PostgreSQL's (issue 17).
    `params` makes the values the route's service will pass `read`, from the token's claims and the request (its
    path's parameters, its headers; ValueError: a value the route will refuse, or none to read for: nothing is read
    ahead). Correct by construction: the service's `read.all` takes the rows only for the same values, else it asks
    the database as before."""

    read: Read
    params: Callable[[Claims, Request], Mapping[str, Any]]

    @classmethod
    def by_path(cls, read: Read, params: Callable[..., Mapping[str, Any]], *names: str) -> "ReadAhead":
        """The read of a route whose values `params` makes of the caller's sandbox and tenant, then the path's ids
        `names` in order (a malformed one: ValueError, nothing read ahead)."""
        return cls(
            read,
            lambda claims, request: params(
                claims.sandbox_id, claims.tenant_id, *(uuid.UUID(request.path_params[name]) for name in names)
            ),
        )


_AHEAD_PREFIX = "ahead_"


@functools.cache
def _principal_read(is_app: bool, facts: tuple[tuple[str, Fact], ...], ahead: Read | None = None) -> Read:
    """Built once per kind of member and surface, with bound parameters, and read through the driver: the one
    statement every call of a tenant surface runs (`app.kernel.statements`)."""
    member = (
        (AppRegistration.id, null().label("upn"), null().label("roles"), AppRegistration.client_id)
        if is_app
        else (User.id, User.user_principal_name, User.roles, null().label("client_id"))
    )
    who = AppRegistration if is_app else User
    return Read(
        select(
            Sandbox.id,
            Sandbox.seed,
            cast(Sandbox.settings, Text),  # the stored text: decoding and re-encoding it was 2 % of a GET's CPU
            Sandbox.clock_offset_us,
            Sandbox.frozen_at,
            Tenant.kind,
            *member,
            exists().where(FaultRule.sandbox_id == _SANDBOX).label("has_fault_rules"),
            *(expression(_SANDBOX, _TENANT).label(f"fact_{i}") for i, (_, expression) in enumerate(facts)),
            *([ahead.as_column(_AHEAD_PREFIX).label("ahead")] if ahead is not None else []),
        )
        .join_from(Sandbox, Tenant, and_(Tenant.sandbox_id == Sandbox.id, Tenant.id == _TENANT))
        .join(who, and_(who.sandbox_id == Sandbox.id, who.id == _MEMBER, who.tenant_id == Tenant.id))
        .where(Sandbox.id == _SANDBOX)
    )


def _ahead_of(ahead: ReadAhead, claims: Claims, request: Request) -> tuple[Read, Mapping[str, Any]] | None:
    """The read and its values, or None when the request holds a value the route will refuse."""
    try:
        return ahead.read, ahead.params(claims, request)
    except ValueError:
        return None


async def load_principal(
    session: AsyncSession,
    claims: Claims,
    facts: Mapping[str, Fact],
    ahead: ReadAhead | None = None,
    request: Request | None = None,
) -> Principal | None:
    """The sandbox, tenant and user or app of the claims in one statement; None when any of them is gone (or the
    user or app moved to another tenant). With `ahead`, on PostgreSQL, the route's first read too."""
    named = tuple(facts.items())
    params: dict[str, Any] = {
        "sandbox_id": claims.sandbox_id,
        "tenant_id": claims.tenant_id,
        "member_id": claims.object_id,
    }
    dialect = session.sync_session.get_bind().dialect
    reading = (
        _ahead_of(ahead, claims, request)
        if ahead is not None and request is not None and dialect.driver == "asyncpg"
        else None
    )
    if reading is not None:
        params |= {_AHEAD_PREFIX + name: value for name, value in reading[1].items()}
    row = await _principal_read(claims.is_app, named, reading[0] if reading else None).one_or_none(session, params)
    if row is None:
        return None
    sandbox_id, seed, settings, offset, frozen_at, kind, member_id, upn, roles, client_id, faulty, *values = row
    if reading is not None:
        *values, records = values
        read_ahead(session, reading[0], reading[1], reading[0].rows_of(dialect, records))
    return Principal(
        sandbox=SandboxRow(
            id=sandbox_id, seed=seed, stored_settings=settings, clock_offset_us=offset, frozen_at=frozen_at
        ),
        tenant_kind=TenantKind(kind),
        user=None
        if claims.is_app
        else UserRow(id=member_id, tenant_id=claims.tenant_id, user_principal_name=upn, roles=roles),
        app_client_id=client_id,
        has_fault_rules=bool(faulty),
        facts={name: value for (name, _), value in zip(named, values, strict=True)},
    )
