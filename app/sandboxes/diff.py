"""The difference between two sandboxes, domain by domain: which tenants, enrollments, partnerships, relationships,
GDAP relationships, orders, subscriptions, transfers, invoices and events were added, removed or changed.

A fork keeps every id, so a fork and its origin match rows by id: after a transfer in the fork, the diff lists the
subscriptions that moved (changed), the transfer and the new orders (added) and the transfer's events (added). Two
unrelated sandboxes share no ids, so their diff is everything removed and everything added; that is true, if not
useful. The caller proves it may read both: the admin key of the one in the path, and the other's in a header.

The database finds the rows that differ (a join by id of the two sandboxes' rows, each column but the ordering key
compared, JSON as the text it is stored as), so the rows two sandboxes share are never read into Python: reading
every row of both was 62 s, 4 GB and the worker's loop held for a fork of 100,000 customers. The rows found are read
by parts, the loop getting its turns, and compared field by field as before (JSON spelled differently but equal is
no change).
"""

import functools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    or_,
    select,
)

from app.kernel.bulk import in_turns, parts_of
from app.kernel.context import SandboxContext
from app.models import Sandbox
from app.sandboxes.records import KINDS, Kind, record_of

# Stamps that every write moves: they say *when*, and would make every touched row "changed" twice.
IGNORED = frozenset({"seq"})


@dataclass
class Change:
    id: str
    changes: dict[str, dict[str, Any]]


@dataclass
class KindDiff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    names = (before.keys() | after.keys()) - IGNORED
    return {n: {"from": before.get(n), "to": after.get(n)} for n in sorted(names) if before.get(n) != after.get(n)}


_BASE: BindParameter[Any] = bindparam("diff_base", type_=Sandbox.__table__.c.id.type)
_OTHER: BindParameter[Any] = bindparam("diff_other", type_=Sandbox.__table__.c.id.type)


def _stored(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A column as compared: JSON as its stored text (PostgreSQL's json has no equality)."""
    return cast(column, Text) if isinstance(column.type, JSON) else column


@functools.cache
def _differing(kind: Kind) -> tuple[Select[Any], Select[Any]]:
    """The base's rows the other lacks or holds otherwise (each row: the base's columns, then the other's, all None
    where it lacks the row), and the other's rows the base lacks."""
    table = kind.table
    base, other = table.alias("base"), table.alias("other")
    compared = [c.key for c in table.columns if c.key not in {"sandbox_id", "id", *IGNORED}]
    differs = or_(*(_stored(base.c[k]).is_distinct_from(_stored(other.c[k])) for k in compared))
    removed_or_changed = (
        select(base, other)
        .select_from(base.outerjoin(other, and_(other.c.sandbox_id == _OTHER, other.c.id == base.c.id)))
        .where(base.c.sandbox_id == _BASE, or_(other.c.id.is_(None), differs))
    )
    added = select(other).where(
        other.c.sandbox_id == _OTHER, ~exists().where(base.c.sandbox_id == _BASE, base.c.id == other.c.id)
    )
    return removed_or_changed, added


async def diff_sandboxes(base: SandboxContext, other: SandboxContext) -> dict[str, KindDiff]:
    """What `base` would become to be `other`: rows only in other are added, only in base removed, in both but
    different changed (with each field's from and to). Kinds without a difference are left out."""
    found: dict[str, KindDiff] = {}
    ids = {"diff_base": base.sandbox_id, "diff_other": other.sandbox_id}
    for name, kind in KINDS.items():
        table = kind.table
        width, at_id = len(table.columns), list(table.columns).index(table.c.id)
        removed_or_changed, added = _differing(kind)
        diff = KindDiff()
        async for part in parts_of(base.session, removed_or_changed.params(ids)):
            async for row in in_turns(part):
                before = record_of(table, row[:width])
                if row[width + at_id] is None:
                    diff.removed.append(before)
                elif changes := _changes(before, record_of(table, row[width:])):
                    diff.changed.append(Change(id=before["id"], changes=changes))
        async for part in parts_of(base.session, added.params(ids)):
            async for row in in_turns(part):
                diff.added.append(record_of(table, row))
        if diff.count:
            for records in (diff.added, diff.removed):
                records.sort(key=lambda record: record["id"])
            diff.changed.sort(key=lambda change: change.id)
            found[name] = diff
    return found
