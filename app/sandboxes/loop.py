"""The background loop: fires due timers in real time, for sandboxes whose clock nobody advances.

Every worker and replica runs it against the one database. A pass takes each sandbox with a due timer by locking its
row with `SKIP LOCKED` (PostgreSQL): a sandbox another runner (or a clock advance) holds is skipped this pass, never
waited for, and each timer fires once, whoever runs it. On SQLite one writer at a time holds the database; a pass
that waits out the busy timeout gives way quietly and the next pass goes on.
"""

import logging
import uuid

from sqlalchemy import select

from app.kernel import loops
from app.kernel.context import SYSTEM, SandboxContext
from app.kernel.db import Database
from app.kernel.errors import busy_reason
from app.models import Sandbox
from app.sandboxes import service

log = logging.getLogger("cspsim.timers")


async def _fire_in(db: Database, sandbox_id: uuid.UUID) -> int:
    async with db.transaction() as session:
        stmt = select(Sandbox).where(Sandbox.id == sandbox_id).with_for_update(skip_locked=True)
        sandbox = (await session.execute(stmt)).scalar_one_or_none()
        if sandbox is None:  # deleted meanwhile, or another runner holds it right now
            return 0
        advanced = await service.run_due_timers(await SandboxContext.enter(session, sandbox, SYSTEM))
        return len(advanced.fired)


async def fire_due_timers_everywhere(db: Database) -> int:
    """One pass: every sandbox with a timer due on its own clock fires it; answers how many fired."""
    async with db.reading() as session:
        due = await service.sandboxes_with_due_timers(session)
    count = 0
    for sandbox_id in due:
        try:
            count += await _fire_in(db, sandbox_id)
        except Exception as exc:
            if busy_reason(exc) is None:
                raise
            log.debug("sandbox %s busy; its timers wait for the next pass", sandbox_id)
    return count


async def run_timer_loop(db: Database, interval: float) -> None:
    await loops.every(interval, lambda: fire_due_timers_everywhere(db), what="timer pass", log=log)
