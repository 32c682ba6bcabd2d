"""The lifecycle table and the one function that applies it (pure: no database)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import pytest

from app.kernel.errors import InvalidTransition
from app.kernel.lifecycle import Lifecycle, apply, stamp_attribute


class Status(StrEnum):
    PENDING = "Pending"
    APPROVED = "Approved"
    ACTIVE = "Active"
    REJECTED = "Rejected"
    APPROVAL_PENDING = "approvalPending"


TABLE = Lifecycle(
    "enrollment",
    {
        Status.PENDING: frozenset({Status.APPROVED, Status.REJECTED}),
        Status.APPROVED: frozenset({Status.ACTIVE}),
    },
)


@dataclass
class Thing:
    status: Status
    approved_at: datetime | None = None


NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)


@pytest.mark.parametrize(("current", "target"), [(s, t) for s in Status for t in Status])
def test_every_move_is_allowed_exactly_when_the_table_says_so(current: Status, target: Status) -> None:
    thing = Thing(current)
    allowed = target in TABLE.transitions.get(current, frozenset())
    if allowed:
        assert apply(thing, TABLE, target, action="decide", now=NOW) is current
        assert thing.status is target
    else:
        with pytest.raises(InvalidTransition) as refused:
            apply(thing, TABLE, target, action="decide", now=NOW)
        assert thing.status is current
        assert current.value in refused.value.message
        assert "decide" in refused.value.message
        assert refused.value.status_code == 409


def test_a_move_stamps_the_clock_time_where_the_entity_has_a_column() -> None:
    thing = Thing(Status.PENDING)
    apply(thing, TABLE, Status.APPROVED, action="approve", now=NOW)
    assert thing.approved_at == NOW
    assert stamp_attribute(Status.APPROVAL_PENDING) == "approval_pending_at"


def test_terminal_states_have_no_way_out() -> None:
    assert TABLE.terminal(Status.REJECTED)
    assert not TABLE.terminal(Status.PENDING)
