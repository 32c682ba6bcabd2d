"""Every primary, unique and foreign key of every table leads with `sandbox_id`.

Why: a row can never point into another sandbox, a sandbox forks by copying its rows with the same ids, and the
schema distributes on Citus by `sandbox_id` (Citus requires the distribution column in every primary and unique key,
and co-locates the rows a foreign key joins only when the key carries it). Read from the SQLAlchemy metadata, which
`alembic check` keeps equal to the migrated schema.
"""

from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint

import app.models  # noqa: F401 (every table registers itself on the metadata)
from app.models.base import Base

# The keys that legitimately do not lead with sandbox_id, and why. On Citus these tables (or these lookups) are
# reference tables, replicated to every node, which need no distribution column.
EXCEPTIONS = {
    # The sandbox itself: its id IS the distribution column (Citus distributes `sandboxes` by `id`, co-located).
    ("sandboxes", "pk_sandboxes"): "the sandbox row is keyed by the distribution value itself",
    # Process-wide token-signing keys, shared by every replica and every sandbox; not sandbox data.
    ("signing_keys", "pk_signing_keys"): "the service's signing key belongs to no sandbox (a reference table)",
    # What a fork or seed committed beside a request that may yet fail to commit: the service's own bookkeeping of its
    # connections (`kernel.bulk.Alongside`), in no sandbox, so no fork copies it.
    ("unsettled_copies", "pk_unsettled_copies"): "bookkeeping of the service's own connections, in no sandbox",
    # Credentials stay globally unique so a token request finds its sandbox from the client id alone.
    ("app_registrations", "uq_app_registrations_client_id"): "a client id is a credential, unique across sandboxes",
    # An invitation link's code finds its sandbox from the code alone, like a credential.
    ("relationship_invitations", "uq_relationship_invitations_code"): "an invitation link's code is global",
    # The storefront's MCA click-through page is opened by its link's code alone, as an invitation is.
    ("marketplace_click_throughs", "uq_marketplace_click_throughs_code"): "a click-through link's code is global",
}


def _keys() -> list[tuple[str, str, str, list[str]]]:
    found = []
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint | ForeignKeyConstraint):
                columns = [column.name for column in constraint.columns]
                found.append((table.name, str(constraint.name), type(constraint).__name__, columns))
        for index in table.indexes:
            if index.unique:
                found.append((table.name, str(index.name), "unique index", [c.name for c in index.columns]))
    return found


def test_every_key_leads_with_sandbox_id() -> None:
    keys = _keys()
    assert len(keys) > 50  # the metadata was read, not an empty registry
    wrong = [
        f"{table}.{name} ({kind}): {columns}"
        for table, name, kind, columns in keys
        if columns[:1] != ["sandbox_id"] and (table, name) not in EXCEPTIONS
    ]
    assert not wrong, "keys not led by sandbox_id:\n" + "\n".join(wrong)


def test_foreign_keys_point_at_sandbox_led_keys() -> None:
    """A foreign key's referred columns lead with the sandbox too, so a join never leaves the sandbox (or the node)."""
    wrong = []
    for table in Base.metadata.sorted_tables:
        for constraint in table.foreign_key_constraints:
            referred = [element.column for element in constraint.elements]
            target = referred[0].table.name
            if target == "sandboxes":
                continue  # (sandbox_id) -> sandboxes (id): the distribution column itself
            if referred[0].name != "sandbox_id":
                wrong.append(f"{table.name}.{constraint.name} -> {target}({', '.join(c.name for c in referred)})")
    assert not wrong, "\n".join(wrong)


def test_the_exceptions_are_still_there() -> None:
    """An exception that no longer exists is dropped from the list, so the list stays true."""
    names = {(table, name) for table, name, _, _ in _keys()}
    assert set(EXCEPTIONS) <= names
