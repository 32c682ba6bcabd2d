"""The shape every background loop has (timers, webhook deliveries, planner statistics): one pass every `interval`
seconds for as long as the service runs. A pass that fails is logged and the next one retries; one that gave way
to a busy database (SQLite's lock, PostgreSQL's timeouts) is only noted at debug level."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from app.kernel.errors import busy_reason


async def every(interval: float, one_pass: Callable[[], Awaitable[Any]], *, what: str, log: logging.Logger) -> None:
    while True:
        try:
            await one_pass()
        except Exception as exc:  # the loop must outlive a bad pass; the next pass retries
            reason = busy_reason(exc)
            if reason is None:
                log.exception("%s failed", what)
            else:
                log.debug("%s gave way to a busy database (%s)", what, reason)
        await asyncio.sleep(interval)
