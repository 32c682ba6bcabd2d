"""Lifecycles as data: a transition table per entity, and one function that moves an entity.

    table = Lifecycle("enrollment", {Pending: frozenset({Approved, Rejected}), ...})
    await events.move(ctx, enrollment, table, Active, action="accept agreement", event="enrollment-activated", ...)

`apply` (here, pure) checks the table (an illegal move is a 409 naming the current state and
the action), sets the status and stamps `<status>_at` when the entity has such
a column; `app.events.service.move` wraps it and writes the event and the audit
record in the same transaction. No other code assigns a status.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from app.kernel.errors import InvalidTransition

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    entity: str
    transitions: Mapping[S, frozenset[S]]

    def allows(self, current: S, target: S) -> bool:
        return target in self.transitions.get(current, frozenset())

    def check(self, current: S, target: S, *, action: str) -> None:
        if not self.allows(current, target):
            raise InvalidTransition(self.entity, str(current), action)

    def terminal(self, status: S) -> bool:
        return not self.transitions.get(status)


def stamp_attribute(status: StrEnum) -> str:
    """`Restricted` -> `restricted_at`; `approvalPending` -> `approval_pending_at`."""
    name = "".join(f"_{c.lower()}" if c.isupper() else c for c in status.value).lstrip("_")
    return f"{name}_at"


def apply(entity: Any, lifecycle: Lifecycle[Any], target: StrEnum, *, action: str, now: Any) -> StrEnum:
    """Check and set the status; return the previous one. Pure: no I/O (the service writes events)."""
    current = entity.status
    lifecycle.check(current, target, action=action)
    entity.status = target
    attribute = stamp_attribute(target)
    if hasattr(type(entity), attribute):
        setattr(entity, attribute, now)
    return current  # type: ignore[no-any-return]
