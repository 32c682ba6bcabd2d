"""Which indexes the database reads for the statements some calls run: a lookup that should find a few rows on an
index, whatever the database holds, must not scan a table (or walk a whole index) instead.

Each statement is explained as the database would run it: SQLite says `SEARCH t USING INDEX i` or `SCAN t`;
PostgreSQL is asked not to scan tables (`enable_seqscan = off`), so only a missing index makes it read one whole.
"""

import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text

Statement = tuple[str, Any]
_READ = re.compile(r"(?:USING (?:COVERING )?INDEX|Index Scan using|Index Only Scan using|Index Scan on) (\w+)")


@contextmanager
def statements_on(app: Any, table: str = "") -> Iterator[list[Statement]]:
    """The statements (and their parameters) the app runs meanwhile that name `table` (every one: "")."""
    seen: list[Statement] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if table in statement:
            seen.append((statement, parameters))

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


async def indexes_read(
    app: Any, statements: list[Statement], *, avoiding: tuple[str, ...] = ("seqscan",)
) -> list[tuple[str, list[str]]]:
    """For each statement, its plan and the indexes the plan reads (none: it scans). PostgreSQL plans avoiding what
    `avoiding` names (`sort` too: an order no index holds still shows as a Sort, whatever tiny tables would favour)."""
    sqlite = app.state.db.is_sqlite
    found = []
    async with app.state.db.engine.connect() as connection:
        for step in () if sqlite else avoiding:
            await connection.execute(text(f"SET LOCAL enable_{step} = off"))
        for statement, parameters in statements:
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            rows = await connection.exec_driver_sql(explain + statement, parameters)
            plan = " / ".join(str(row[-1]) for row in rows)
            found.append((f"{statement}\n{plan}", _READ.findall(plan)))
    return found


async def lookups_read(app: Any, table: str, calls: Callable[[], Awaitable[None]]) -> list[tuple[str, list[str]]]:
    """The indexes read by each statement naming `table` that `calls` make."""
    with statements_on(app, table) as seen:
        await calls()
    assert seen, f"no statement named {table}"
    return await indexes_read(app, seen)
