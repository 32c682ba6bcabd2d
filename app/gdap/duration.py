"""ISO 8601 durations as Graph writes them for GDAP (`P730D`, `P2Y`, `P180D`, `PT0S`), read into a timedelta.

Graph measures a relationship's length in days: a year counts 365 days (so `P2Y` is `P730D`, the longest allowed)
and a month 30.
"""

import re
from datetime import timedelta

_ISO_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta | None:
    """The duration `text` names, or None when it is no ISO 8601 duration."""
    match = _ISO_DURATION.match(text.strip().upper())
    if match is None:
        return None
    part = {name: int(value or 0) for name, value in match.groupdict().items()}
    return timedelta(
        days=part["years"] * 365 + part["months"] * 30 + part["weeks"] * 7 + part["days"],
        hours=part["hours"],
        minutes=part["minutes"],
        seconds=part["seconds"],
    )


def in_words(duration: timedelta) -> str:
    """`730 days (2 years)`: how the approval page tells the customer how long access lasts."""
    days = duration.days
    if days % 365 == 0:
        years = days // 365
        return f"{days} days ({years} year{'s' if years > 1 else ''})"
    return f"{days} day{'s' if days != 1 else ''}"
