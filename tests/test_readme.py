"""README tells the truth about what is served: its list of operations is the route table's."""

from pathlib import Path

from fastapi import FastAPI

from app.cli import served_operations

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_lists_exactly_the_operations_served(app: FastAPI) -> None:
    text = README.read_text()
    listed = text.split("<!-- operations:start -->\n", 1)[1].split("<!-- operations:end -->", 1)[0]
    assert listed == served_operations(app.openapi()), "run: cspsim operations, and paste it into README.md"
