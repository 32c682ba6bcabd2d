"""Per-request context: MS-RequestId and MS-CorrelationId (echoed or generated), the sandbox, one access log
line, and the request metrics.

A pure ASGI middleware keeps the ids (and, once a dependency has resolved it, the sandbox) in context variables
for the life of the request, so every log record carries them; it adds the ids to the response headers as
Partner Center does, logs one line per request, and counts it by route template and status.
"""

import logging
import random
import time
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kernel import metrics

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")
_sandbox: ContextVar[str] = ContextVar("sandbox", default="-")
_MAX_ID = 128

log = logging.getLogger("cspsim.access")


def current_request_ids() -> tuple[str, str]:
    return _request_id.get(), _correlation_id.get()


def bind_sandbox(sandbox_id: object) -> None:
    """Called by the dependencies that find the caller's sandbox: later log lines of the request name it."""
    _sandbox.set(str(sandbox_id))


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id, record.correlation_id = current_request_ids()
        record.sandbox = _sandbox.get()
        return True


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: what a log pipeline parses without a grammar."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "requestId": getattr(record, "request_id", "-"),
            "correlationId": getattr(record, "correlation_id", "-"),
            "sandbox": getattr(record, "sandbox", "-"),
        }
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            line |= http
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def _ids(scope: Scope) -> tuple[str | None, str | None]:
    """The MS-RequestId and MS-CorrelationId the client sent (trimmed, bounded), read in one pass over the headers."""
    found: dict[bytes, str] = {}
    for key, value in scope.get("headers", ()):
        if len(key) in _ID_LENGTHS and (name := key.lower()) in _ID_HEADERS and name not in found:
            found[name] = value.decode("latin-1").strip()[:_MAX_ID]
    return found.get(b"ms-requestid") or None, found.get(b"ms-correlationid") or None


_ID_HEADERS = (b"ms-requestid", b"ms-correlationid")
_ID_LENGTHS = {len(name) for name in _ID_HEADERS}


def new_request_id() -> str:
    """A GUID (version 4, as Partner Center's ids are) for a request that sent none: from the process's Mersenne
    Twister, reseeded in a forked child, not the system's entropy (uuid4's read of it was 5 us of each request, for an
    id that needs to be unique, not secret)."""
    h = f"{random.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


_VARIANT = {digit: "89ab"[int(digit, 16) % 4] for digit in "0123456789abcdef"}


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent_request_id, sent_correlation_id = _ids(scope)
        request_id = sent_request_id or new_request_id()
        correlation_id = sent_correlation_id or new_request_id()
        tokens = (_request_id.set(request_id), _correlation_id.set(correlation_id), _sandbox.set("-"))
        started = time.perf_counter()
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["MS-RequestId"] = request_id
                headers["MS-CorrelationId"] = correlation_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            metrics.answered(scope["method"], route, str(status), elapsed)
            if log.isEnabledFor(logging.INFO):  # the line's fields are not built for a level that drops it
                log.info(
                    "%s %s %s %.1fms",
                    scope["method"],
                    scope["path"],
                    status,
                    elapsed * 1000,
                    extra={
                        "http": {
                            "method": scope["method"],
                            "path": scope["path"],
                            "route": route,
                            "status": status,
                            "durationMs": round(elapsed * 1000, 1),
                        }
                    },
                )
            _request_id.reset(tokens[0])
            _correlation_id.reset(tokens[1])
            _sandbox.reset(tokens[2])
