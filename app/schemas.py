"""The base of every request and response body: camelCase on the wire, like Partner Center and Graph.

Requests are read the way Partner Center reads them, because its clients rely on it: the .NET SDK serializes
`{"Program": "DirectBill"}` (PascalCase), hand-written clients send `{"program": "directbill"}`. A request
body's keys, and enum values everywhere (`app.kit.wire.WireEnum`), are matched without regard to case; anything that
still matches no field is refused, so a typo never passes silently.
"""

import functools
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel


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
