"""What every service call gets: the session, the sandbox, the clock reading and who acts."""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.clock import sandbox_now
from app.kit.requestcontext import bind_sandbox
from app.models import Sandbox
from app.sandboxes.settings import SandboxSettings


class ActorKind(StrEnum):
    USER = "user"
    APP = "app"
    OPERATOR = "operator"
    SYSTEM = "system"


class Channel(StrEnum):
    """How a partner reached the platform: its own code (API) or a person in the portal."""

    API = "api"
    PORTAL = "portal"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    name: str
    tenant_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    roles: frozenset[str] = frozenset()
    channel: Channel | None = None

    @property
    def caller_key(self) -> str:
        """Who "the same caller" is, for MS-RequestId replays."""
        return f"{self.kind}:{self.tenant_id}:{self.user_id}:{self.client_id}"


OPERATOR = Actor(ActorKind.OPERATOR, "operator")
SYSTEM = Actor(ActorKind.SYSTEM, "system")


@dataclass
class SandboxContext:
    session: AsyncSession
    sandbox_id: uuid.UUID
    sandbox: Sandbox
    now: datetime
    actor: Actor = field(default=OPERATOR)

    @classmethod
    def of(cls, session: AsyncSession, sandbox: Sandbox, actor: Actor) -> "SandboxContext":
        """One clock reading per transaction: every stamp of a request is the same instant."""
        now = sandbox_now(offset_us=sandbox.clock_offset_us, frozen_at=sandbox.frozen_at)
        bind_sandbox(sandbox.id)  # the request's later log lines name its sandbox
        return cls(session=session, sandbox_id=sandbox.id, sandbox=sandbox, now=now, actor=actor)

    @cached_property
    def settings(self) -> SandboxSettings:
        return SandboxSettings.model_validate(self.sandbox.settings)

    def at(self, now: datetime, actor: Actor = SYSTEM) -> "SandboxContext":
        """The same transaction seen at another instant (a timer runs at its due time)."""
        return replace(self, now=now, actor=actor)
