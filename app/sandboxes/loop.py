"""The background loop: fires due timers in real time, for sandboxes whose clock nobody advances."""

import asyncio
import logging

from app.kernel.context import SYSTEM, SandboxContext
from app.kernel.db import Database
from app.models import Sandbox
from app.sandboxes import service

log = logging.getLogger("cspsim.timers")


async def fire_due_timers_everywhere(db: Database) -> int:
    """One pass: every sandbox with a timer due on its own clock fires it; answers how many fired."""
    async with db.transaction() as session:
        due = await service.sandboxes_with_due_timers(session)
    count = 0
    for sandbox_id in due:
        async with db.transaction() as session:
            sandbox = await session.get(Sandbox, sandbox_id)
            if sandbox is not None:  # deleted meanwhile
                advanced = await service.run_due_timers(await SandboxContext.enter(session, sandbox, SYSTEM))
                count += len(advanced.fired)
    return count


async def run_timer_loop(db: Database, interval: float) -> None:
    while True:
        try:
            await fire_due_timers_everywhere(db)
        except Exception:  # the loop must outlive a bad pass; the next pass retries
            log.exception("timer pass failed")
        await asyncio.sleep(interval)
