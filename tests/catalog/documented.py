"""The check that cspsim's answer has every key a Partner Center example has, with the same JSON type. An example's
null stands for a value that may be absent. (The catalog's and devices' examples are in
tests/fixtures/partner_center_examples, checked by tests/partner_center_examples.py.)"""

from typing import Any


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def assert_documented_shape(answer: Any, example: Any, where: str = "$") -> None:
    if example is None:
        return
    assert _kind(answer) == _kind(example), f"{where}: {_kind(answer)}, documented {_kind(example)}"
    if isinstance(example, dict):
        for key, value in example.items():
            assert key in answer, f"{where}: no {key!r} (documented keys: {sorted(example)})"
            assert_documented_shape(answer[key], value, f"{where}.{key}")
    elif isinstance(example, list) and example and answer:
        for index, item in enumerate(answer):
            assert_documented_shape(item, example[0], f"{where}[{index}]")
