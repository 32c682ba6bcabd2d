"""Enum values as Partner Center reads them: without regard to case.

Its clients send `DirectBill`, `directbill` or `DIRECTBILL` in bodies and query strings alike, and Partner Center
(Json.NET, ASP.NET binding) takes them all. Every enum on the wire derives from `WireEnum`, so one definition
covers bodies, query parameters and path parameters; a value that matches no member in any case is still
refused, listing the permitted ones.
"""

from enum import StrEnum
from typing import Any, Self


class WireEnum(StrEnum):
    @classmethod
    def _missing_(cls, value: Any) -> Self | None:
        if not isinstance(value, str):
            return None
        folded = value.casefold()
        return next((member for member in cls if member.value.casefold() == folded), None)
