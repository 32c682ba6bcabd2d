"""The base of every request and response body: camelCase on the wire, like Partner Center and Graph.

Requests are read the way Partner Center reads them, because its clients rely on it: the .NET SDK serializes
`{"Program": "DirectBill"}` (PascalCase), hand-written clients send `{"program": "directbill"}`. A request
body's keys and the values of its enum fields are therefore matched without regard to case; anything that
still matches no field is refused, so a typo never passes silently.
"""

import functools
import types
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Union, get_args, get_origin

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
    """How a request model's fields may be spelled on the wire, and which of them hold enums."""

    keys: dict[str, str]  # any spelling, casefolded -> the field's alias
    enums: dict[str, tuple[type[StrEnum], bool]]  # alias -> (enum, holds a list of them)

    def canonical(self, data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            # Two spellings of one field: the last one wins, as in Partner Center's own (Json.NET) reading.
            target = self.keys.get(key.casefold(), key) if isinstance(key, str) else key
            enum = self.enums.get(target)
            out[target] = _enum_value(enum[0], value, many=enum[1]) if enum else value
        return out


@functools.cache
def _wire_spelling(model: type[BaseModel]) -> _WireSpelling:
    keys: dict[str, str] = {}
    enums: dict[str, tuple[type[StrEnum], bool]] = {}
    for name, field in model.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias or name
        for spelling in (alias, name, name.replace("_", "")):
            keys.setdefault(spelling.casefold(), alias)
        enum = _enum_in(field.annotation)
        if enum is not None:
            enums[alias] = enum
    return _WireSpelling(keys=keys, enums=enums)


def _enum_in(annotation: Any, *, inside_list: bool = False) -> tuple[type[StrEnum], bool] | None:
    """The StrEnum a field holds (`E`, `E | None`, `list[E]`), and whether it is a list of them."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        for member in get_args(annotation):
            found = _enum_in(member, inside_list=inside_list)
            if found is not None:
                return found
        return None
    if origin in (list, set, frozenset) and not inside_list:
        args = get_args(annotation)
        return _enum_in(args[0], inside_list=True) if args else None
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return annotation, inside_list
    return None


def _enum_value(enum: type[StrEnum], value: Any, *, many: bool) -> Any:
    if many and isinstance(value, list):
        return [_enum_value(enum, v, many=False) for v in value]
    if not isinstance(value, str) or value in enum._value2member_map_:
        return value
    folded = value.casefold()
    for member in enum:
        if member.value.casefold() == folded:
            return member.value
    return value  # no such value in any case: the field's own validation refuses it, listing the permitted ones
