"""ISO 8601 durations as Graph writes them for GDAP (`P730D`, `P2Y`, `P180D`, `PT0S`), read into a timedelta.

Graph measures a relationship's length in days: a year counts 365 days (so `P2Y` is `P730D`, the longest allowed)
and a month 30.
"""

import re
from datetime import timedelta

# At most nine digits a part: anything longer is no length a clock can hold (PT99999999999999999999S overflowed).
_ISO_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d{1,9})Y)?(?:(?P<months>\d{1,9})M)?(?:(?P<weeks>\d{1,9})W)?(?:(?P<days>\d{1,9})D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d{1,9})H)?(?:(?P<minutes>\d{1,9})M)?(?:(?P<seconds>\d{1,9})S)?)?$"
)


def parse_duration(text: str) -> timedelta | None:
    """The duration `text` names, or None when it is no ISO 8601 duration."""
    match = _ISO_DURATION.match(text.strip().upper())
    if match is None:
        return None
    part = {name: int(value or 0) for name, value in match.groupdict().items()}
    if part["years"] * 365 + part["months"] * 30 + part["weeks"] * 7 + part["days"] > 999_999_999:
        return None  # past timedelta's range: no duration at all
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
