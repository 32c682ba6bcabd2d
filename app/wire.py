"""The wire: every request and response body in camelCase, like Partner Center and Graph, and enum values read
without regard to case.

Requests are read the way Partner Center reads them, because its clients rely on it: the .NET SDK serializes
`{"Program": "DirectBill"}` (PascalCase), hand-written clients send `{"program": "directbill"}`. A request
body's keys, and enum values everywhere (`WireEnum`), are matched without regard to case; anything that
still matches no field is refused, so a typo never passes silently.
"""

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

import orjson
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic.alias_generators import to_camel


class WireEnum(StrEnum):
    """Enum values as Partner Center reads them: `DirectBill`, `directbill` or `DIRECTBILL` in bodies, query and path
    parameters alike (Json.NET, ASP.NET binding take them all); a value that matches no member in any case is still
    refused, listing the permitted ones."""

    @classmethod
    def _missing_(cls, value: Any) -> Self | None:
        if not isinstance(value, str):
            return None
        folded = value.casefold()
        return next((member for member in cls if member.value.casefold() == folded), None)


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class Request(Schema):
    """A request body: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _read_as_partner_center_does(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return _wire_spelling(cls).canonical(data)


@dataclass(frozen=True)
class _WireSpelling:
    """How a request model's fields may be spelled on the wire (enum values fold case in `WireEnum` itself)."""

    keys: dict[str, str]  # any spelling, casefolded -> the field's alias

    def canonical(self, data: dict[str, Any]) -> dict[str, Any]:
        # Two spellings of one field: the last one wins, as in Partner Center's own (Json.NET) reading.
        return {self.keys.get(key.casefold(), key) if isinstance(key, str) else key: v for key, v in data.items()}


@functools.cache
def _wire_spelling(model: type[BaseModel]) -> _WireSpelling:
    keys: dict[str, str] = {}
    for name, field in model.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias or name
        for spelling in (alias, name, name.replace("_", "")):
            keys.setdefault(spelling.casefold(), alias)
    return _WireSpelling(keys=keys)


def _read_as_utc(value: Any) -> Any:
    """A date-time as Partner Center reads one: the .NET SDK sends `DateTime` without a zone (`2026-01-15T00:00:00`),
    others a bare date (`2026-01-15`); both mean UTC. Anything unreadable is left for the type's own error."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (
                datetime.combine(date.fromisoformat(text), datetime.min.time())
                if len(text) == 10
                else datetime.fromisoformat(text)
            )
        except ValueError:
            return value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


UtcDateTime = Annotated[AwareDatetime, BeforeValidator(_read_as_utc)]
"""A request's date-time: with a zone, without one (read as UTC) or a bare date (midnight UTC)."""


def document_etag(document: dict[str, Any]) -> str:
    """A document's etag: the hash of its content, so any change, by any caller, makes an etag read before it stale
    (412 on a write that sends it in If-Match)."""
    canonical = orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()[:24]


def sent_etag(value: str) -> str:
    """The etag an If-Match header (or a body's `attributes.etag`) names: quoted or not, weak (`W/"..."`) or not."""
    return value.strip().removeprefix("W/").strip('"')
