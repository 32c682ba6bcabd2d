"""Validation at the edge: what no route should have to think about is refused before any route runs.

- NUL and the other control characters (all of C0 but tab, line feed and carriage return) in the path, the query
  string, or any string of a JSON or form body: PostgreSQL cannot store NUL, and no field of the platform means
  one.
- JSON nested deeper than `MAX_DEPTH`, or a body larger than `MAX_BODY_BYTES`: bounded work per request.

Each refusal is a 400 (413 for size) in the surface's error shape, naming the problem.
"""

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kernel.errors import BadRequest, DomainError, error_response

MAX_DEPTH = 32
MAX_BODY_BYTES = 4 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TooLarge(DomainError):
    status_code = 413
    code = 800002
    error_name = "PayloadTooLarge"
    graph_code = "RequestEntityTooLarge"


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every key and string of a parsed JSON value; BadRequest past MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise BadRequest(f"The JSON body is nested deeper than {MAX_DEPTH} levels.")
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)


def _refuse_control(text: str, where: str) -> None:
    if _CONTROL.search(text):
        raise BadRequest(f"The {where} contains a control character (such as NUL); send printable text.")


# What a JSON text must hold to carry a control character in a string (raw ones make it no JSON at all): an escape
# of one (`\u0000`..`\u001f`, `\u007f`, `\b`, `\f`) or a raw DEL. A body with none of them, and no more brackets
# than the depth allowed, needs no parse and no walk here (a create customer's body is four objects deep).
_JSON_CONTROL = (b"\\u00", b"\\b", b"\\f", b"\x7f")
# And a form's: a raw one, or one percent-encoded.
_FORM_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|%[01][0-9a-fA-F]|%7[fF]")


def _plainly_clean(body: bytes) -> bool:
    return not any(sign in body for sign in _JSON_CONTROL) and body.count(b"{") + body.count(b"[") <= MAX_DEPTH


def _check_body(content_type: str, body: bytes) -> None:
    if not body:
        return
    if "json" in content_type:
        if _plainly_clean(body):
            return
        try:
            parsed = json.loads(body)
        except RecursionError:
            raise BadRequest(f"The JSON body is nested deeper than {MAX_DEPTH} levels.") from None
        except ValueError:
            return  # not JSON after all: the route's own parsing answers that in its words
        for text in _strings(parsed):
            _refuse_control(text, "body")
    elif "application/x-www-form-urlencoded" in content_type:
        if not _FORM_CONTROL.search(body):
            return
        for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            _refuse_control(key + value, "form")
    elif "yaml" in content_type or content_type.startswith("text/"):
        _refuse_control(body.decode("utf-8", errors="replace").replace("\t", " "), "body")


class EdgeValidation:
    """A pure ASGI middleware: reads a request's body once (bounded), checks it, and hands it on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _refuse_control(unquote((scope.get("raw_path") or scope["path"].encode()).decode("latin-1")), "path")
            _refuse_control(unquote(scope.get("query_string", b"").decode("latin-1")), "query string")
            body, more = b"", True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > MAX_BODY_BYTES:
                    raise TooLarge(f"The body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB.")
            content_type = dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1").lower()
            _check_body(content_type, body)
        except DomainError as refused:
            response = error_response(Request(scope), refused)
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the client's disconnect, as Starlette expects
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
