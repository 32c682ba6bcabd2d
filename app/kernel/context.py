"""What every service call gets: the session, the sandbox, the clock reading and who acts.

    SandboxContext              any transaction of a sandbox: an operator's call, a timer, a page
     └── TenantContext          a tenant's user or app acts: `tenant_id` is always set
          ├── PartnerContext    Partner Center, Graph and webhooks callers (a partner tenant)
          └── CustomerContext   the admin center's callers (a customer tenant)

A service that acts for a tenant takes the narrowest of these, so the caller's tenant is a type, never a check.
"""

import array
import functools
import itertools
import json
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel.clock import sandbox_now
from app.kernel.requestcontext import bind_sandbox
from app.kernel.settings import SandboxSettings
from app.models import Sandbox
from app.wire import WireEnum


class ActorKind(WireEnum):
    USER = "user"
    APP = "app"
    OPERATOR = "operator"
    SYSTEM = "system"


class Channel(WireEnum):
    """How a partner reached the platform: its own code (API) or a person in the portal."""

    API = "api"
    PORTAL = "portal"


class Person(Protocol):
    """A user as an actor names it: a `User` row, or the calling user as the request pipeline read it."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def tenant_id(self) -> uuid.UUID: ...
    @property
    def user_principal_name(self) -> str: ...
    @property
    def roles(self) -> list[str]: ...


class SandboxState(Protocol):
    """What a transaction reads of its sandbox: a `Sandbox` row (an operator's call, a timer pass), or the caller's
    sandbox as a tenant's request pipeline read it (`principals.SandboxRow`). Code that changes the sandbox (its
    clock, its settings) changes its row, which it locks or gets (`sandboxes.service`)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def seed(self) -> int | None: ...
    @property
    def settings(self) -> dict[str, Any]: ...
    @property
    def stored_settings(self) -> str: ...
    @property
    def clock_offset_us(self) -> int: ...
    @property
    def frozen_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    name: str
    tenant_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    roles: frozenset[str] = frozenset()
    channel: Channel | None = None

    @classmethod
    def of_user(cls, user: "Person", *, channel: Channel, client_id: uuid.UUID | None = None) -> "Actor":
        """A person acting: the one way a user becomes an actor (token, portal sign-in, counter-party policy)."""
        return cls(
            ActorKind.USER,
            user.user_principal_name,
            tenant_id=user.tenant_id,
            user_id=user.id,
            client_id=client_id,
            roles=frozenset(user.roles),
            channel=channel,
        )

    @property
    def caller_key(self) -> str:
        """Who "the same caller" is, for MS-RequestId replays."""
        return f"{self.kind}:{self.tenant_id}:{self.user_id}:{self.client_id}"


# Seeded ids are version-5 UUIDs in cspsim's own namespace: uuid5(SEEDED_IDS, "<seed>:<n>").
SEEDED_IDS = uuid.UUID("6c7a1f5e-2b0d-5c8e-9a41-3f0e2d6b8c17")
# A random id (RFC 9562's version 7) as a number: the millisecond in its top 48 bits, its version (7) and variant
# (10) bits fixed, 74 bits counted up from a random start by random steps between them.
_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)
_LOW_62 = (1 << 62) - 1


def random_id_numbers(count: int) -> list[int]:
    """`count` new random ids as 128-bit numbers, ascending: each led by the current real millisecond, then 74 bits
    counted up from a random start by random steps of 1 to 2**32 (RFC 9562's version 7, its "monotonic random"
    method). Every key leads with sandbox_id then such an id, so a sandbox's new rows land at the right edge of each
    index instead of on a random page: a large sandbox's seed, fork and inserts touch a few hot pages, not the whole
    index. Ascending by construction, not by sorting: sorting a million spelled ids was a quarter of a bulk seed's
    time. Nothing reads a time from an id; the sandbox clock stays the only time. The random bits are the process's
    Mersenne Twister's (reseeded in a forked child), as a request id's: an id must be unique, not secret, and two reads
    of the system's entropy per id were 3 to 4 % of a create's CPU under load."""
    led = (time.time_ns() // 1_000_000) << 80 | _VERSION_AND_VARIANT
    steps = array.array("I", random.randbytes(4 * count))  # each step less one
    counted = itertools.accumulate(steps, lambda total, step: total + step + 1, initial=random.getrandbits(73))
    next(counted)
    return [led | (n >> 62) << 64 | (n & _LOW_62) for n in counted]


def random_id() -> uuid.UUID:
    """One new random id (`random_id_numbers`): a row's, a sandbox's. Led by the millisecond, a new sandbox's id sorts
    after every older one, so its rows (keys led by sandbox_id) go in at the right edge of each index: a fork into a
    random (version 4) id that fell among the others took 22.5 s against 16.5 s at the edge (100,000 customers)."""
    return uuid.UUID(int=random_id_numbers(1)[0])


def spelled(number: int) -> str:
    """An id's text (8-4-4-4-12 hex digits) from its 128-bit number."""
    h = f"{number:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def random_ids(count: int) -> list[str]:
    """`count` new random ids, spelled, ascending (`random_id_numbers`)."""
    return [spelled(n) for n in random_id_numbers(count)]


OPERATOR = Actor(ActorKind.OPERATOR, "operator")
SYSTEM = Actor(ActorKind.SYSTEM, "system")


@functools.lru_cache(maxsize=256)
def _parsed_settings(stored: str) -> SandboxSettings:
    """A sandbox's stored settings, validated once per distinct value and process: the pipeline reads them on every
    call (throttling), and validating the model each time showed in the profile. Shared between requests, so never
    changed in place: a change is a new stored value (`update_settings`)."""
    return SandboxSettings.model_validate(json.loads(stored))


@dataclass
class SandboxContext:
    session: AsyncSession
    sandbox_id: uuid.UUID
    sandbox: SandboxState
    now: datetime
    actor: Actor = field(default=OPERATOR)

    @classmethod
    def of(cls, session: AsyncSession, sandbox: SandboxState, actor: Actor) -> Self:
        """One clock reading per transaction: every stamp of a request is the same instant."""
        now = sandbox_now(offset_us=sandbox.clock_offset_us, frozen_at=sandbox.frozen_at)
        bind_sandbox(sandbox.id)  # the request's later log lines name its sandbox
        return cls(session=session, sandbox_id=sandbox.id, sandbox=sandbox, now=now, actor=actor)

    @classmethod
    async def enter(cls, session: AsyncSession, sandbox: SandboxState, actor: Actor) -> Self:
        """The context of a transaction that starts here (a request, a timer pass). In a seeded sandbox it first
        takes the sandbox's row, which `new_id()` advances: seeded transactions then queue in one order and never
        hold another row while waiting for it (no deadlock on PostgreSQL). An unseeded sandbox takes nothing."""
        if sandbox.seed is not None:
            await session.execute(select(Sandbox.id).where(Sandbox.id == sandbox.id).with_for_update())
        return cls.of(session, sandbox, actor)

    @cached_property
    def settings(self) -> SandboxSettings:
        return _parsed_settings(self.sandbox.stored_settings)

    async def new_id(self) -> uuid.UUID:
        """The id of a new row. Random (led by the millisecond, see `random_ids`), unless the sandbox was created
        with a seed: then the next of the seed's sequence, so the same calls in two sandboxes with one seed make the
        same ids. The sequence's counter is a column of the sandbox row, advanced in the request's transaction (a
        rolled-back request or savepoint gives its numbers back), which orders a seeded sandbox's writers one after
        the other."""
        if self.sandbox.seed is None:
            return random_id()
        return uuid.UUID((await self.new_ids(1))[0])

    async def new_ids(self, count: int) -> list[str]:
        """`count` ids for new rows, spelled (both drivers take a UUID's text), as `new_id()` gives them one by one:
        random (version 7), or the next of a seeded sandbox's sequence, taken in one step. Drawn at once and never
        made `uuid.UUID` objects: made one by one, the ids were the largest cost of a bulk seed's batch."""
        return [spelled(n) for n in await self.new_id_numbers(count)]

    async def new_id_numbers(self, count: int) -> list[int]:
        """The ids `new_ids` gives, as 128-bit numbers (the bulk seed writes their bytes and spells few of them)."""
        if self.sandbox.seed is None:
            return random_id_numbers(count)
        advance = (
            update(Sandbox)
            .where(Sandbox.id == self.sandbox_id)
            .values(id_counter=Sandbox.id_counter + count)
            .returning(Sandbox.id_counter)
            .execution_options(synchronize_session=False)
        )
        last = (await self.session.execute(advance)).scalar_one()
        return [uuid.uuid5(SEEDED_IDS, f"{self.sandbox.seed}:{n}").int for n in range(last - count + 1, last + 1)]

    def at(self, now: datetime, actor: Actor = SYSTEM) -> "SandboxContext":
        """The same transaction seen at another instant (a timer runs at its due time)."""
        return SandboxContext(
            session=self.session, sandbox_id=self.sandbox_id, sandbox=self.sandbox, now=now, actor=actor
        )

    def acting(self, actor: Actor, kind: "type[T]") -> "T":
        """The same transaction and instant, acted in by a tenant's user or app (a counter-party policy acts through
        a person's service calls); `kind` says which tenant context the service expects."""
        if actor.tenant_id is None:
            raise ValueError("a tenant context needs an actor of a tenant")
        return kind(
            session=self.session,
            sandbox_id=self.sandbox_id,
            sandbox=self.sandbox,
            now=self.now,
            actor=actor,
            tenant_id=actor.tenant_id,
        )


@dataclass
class TenantContext(SandboxContext):
    """A tenant's user or app acts; `tenant_id` is the actor's tenant."""

    tenant_id: uuid.UUID = field(kw_only=True)
    # What the request pipeline read about the tenant with its principal (`Surface.fact`), as the request found it.
    facts: Mapping[str, Any] = field(default_factory=dict, kw_only=True)

    @classmethod
    def of(cls, session: AsyncSession, sandbox: SandboxState, actor: Actor) -> Self:
        if actor.tenant_id is None:
            raise ValueError("a tenant context needs an actor of a tenant")
        now = sandbox_now(offset_us=sandbox.clock_offset_us, frozen_at=sandbox.frozen_at)
        bind_sandbox(sandbox.id)
        return cls(
            session=session, sandbox_id=sandbox.id, sandbox=sandbox, now=now, actor=actor, tenant_id=actor.tenant_id
        )


@dataclass
class PartnerContext(TenantContext):
    """A partner tenant's user or app: Partner Center, Graph and webhooks."""


@dataclass
class CustomerContext(TenantContext):
    """A customer tenant's user: its admin center."""


T = TypeVar("T", bound=TenantContext)
