"""The difference between two sandboxes, domain by domain: which tenants, enrollments, partnerships, relationships,
GDAP relationships, orders, subscriptions, transfers, invoices and events were added, removed or changed.

A fork keeps every id, so a fork and its origin match rows by id: after a transfer in the fork, the diff lists the
subscriptions that moved (changed), the transfer and the new orders (added) and the transfer's events (added). Two
unrelated sandboxes share no ids, so their diff is everything removed and everything added; that is true, if not
useful. The caller proves it may read both: the admin key of the one in the path, and the other's in a header.
"""

from dataclasses import dataclass, field
from typing import Any

from app.kernel.context import SandboxContext
from app.sandboxes.records import KINDS, snapshot

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


async def diff_sandboxes(base: SandboxContext, other: SandboxContext) -> dict[str, KindDiff]:
    """What `base` would become to be `other`: rows only in other are added, only in base removed, in both but
    different changed (with each field's from and to). Kinds without a difference are left out."""
    found: dict[str, KindDiff] = {}
    for name, kind in KINDS.items():
        before, after = await snapshot(base, kind), await snapshot(other, kind)
        diff = KindDiff(
            added=[after[i] for i in sorted(after.keys() - before.keys())],
            removed=[before[i] for i in sorted(before.keys() - after.keys())],
            changed=[
                Change(id=i, changes=c)
                for i in sorted(before.keys() & after.keys())
                if (c := _changes(before[i], after[i]))
            ],
        )
        if diff.count:
            found[name] = diff
    return found
