"""Sandbox time: real time plus an offset, or frozen; and business days.

Domain code never calls `datetime.now()`; it reads `ctx.now`, which comes from here.
"""

import calendar
from datetime import UTC, datetime, timedelta

SATURDAY = 5


def real_now() -> datetime:
    return datetime.now(UTC)


def sandbox_now(*, offset_us: int, frozen_at: datetime | None) -> datetime:
    if frozen_at is not None:
        return frozen_at
    return real_now() + timedelta(microseconds=offset_us)


def is_business_day(moment: datetime) -> bool:
    return moment.weekday() < SATURDAY


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` business days after `start`, at the same time of day; weekends are skipped.

    Counting starts the day after `start`: Friday + 1 is Monday, Saturday + 1 is Monday too.
    """
    if days < 0:
        raise ValueError("business days cannot be negative")
    moment = start
    while days:
        moment += timedelta(days=1)
        if is_business_day(moment):
            days -= 1
    return moment


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (or earlier), clamped to the month's last day: 31 Jan + 1 month is 28 Feb."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))
