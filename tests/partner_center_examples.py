"""The shape of Partner Center's documented example responses, compared with cspsim's answers: every key of the
example is in the answer, with the same JSON type (recursively for objects; the first item for arrays)."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).parent / "fixtures" / "partner_center_examples"


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_differences(example: Any, answer: Any, *, nullable: frozenset[str] = frozenset(), at: str = "") -> list[str]:
    """Where the answer lacks a key of the example or holds another JSON type; an example's `null` says nothing
    about the type, and a path in `nullable` may be `null` in the answer."""
    where = at or "(the body)"
    if example is None or (answer is None and at in nullable):
        return []
    if json_type(example) != json_type(answer):
        return [f"{where}: {json_type(answer)} where the example has {json_type(example)}"]
    if isinstance(example, dict):
        found: list[str] = []
        for key, value in example.items():
            path = f"{at}.{key}" if at else key
            if key not in answer:
                found.append(f"{path}: missing")
            else:
                found += shape_differences(value, answer[key], nullable=nullable, at=path)
        return found
    if isinstance(example, list) and example:
        if not answer:
            return [f"{where}: empty where the example has items"]
        return shape_differences(example[0], answer[0], nullable=nullable, at=f"{at}[0]")
    return []


@dataclass(frozen=True)
class Example:
    """One documented operation: its request, its success status and its example response."""

    name: str
    method: str
    path: str
    body: Any
    status: int
    response: Any
    nullable: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> "Example":
        doc = json.loads(path.read_text())
        request = doc["request"]
        return cls(
            name=path.stem,
            method=request["method"],
            path=request["path"],
            body=request.get("body"),
            status=doc["status"],
            response=doc["response"],
            nullable=frozenset(doc.get("nullable", [])),
        )

    def filled(self, values: dict[str, str]) -> tuple[str, Any]:
        """The path and body with the scene's values in place of their placeholders."""
        text = json.dumps({"path": self.path, "body": self.body})
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        filled = json.loads(text)
        return filled["path"], filled["body"]


def examples(group: str = "") -> list[Example]:
    """The examples of one group (a folder under fixtures/partner_center_examples, one per domain and its test
    module's scene), or of the top folder."""
    return [Example.load(path) for path in sorted((EXAMPLES / group).glob("*.json"))]
