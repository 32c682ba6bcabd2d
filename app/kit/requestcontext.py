"""MS-RequestId and MS-CorrelationId: echoed (or generated) and stamped on every log line.

A pure ASGI middleware keeps both ids in context variables for the life of the
request, so every log record of the request carries them, and adds them to the
response headers as Partner Center does.
"""

import logging
import time
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")
_MAX_ID = 128

log = logging.getLogger("cspsim.access")


def current_request_ids() -> tuple[str, str]:
    return _request_id.get(), _correlation_id.get()


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id, record.correlation_id = current_request_ids()
        return True


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            text: str = value.decode("latin-1").strip()
            return text[:_MAX_ID] if text else None
    return None


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"ms-requestid") or str(uuid.uuid4())
        correlation_id = _header(scope, b"ms-correlationid") or str(uuid.uuid4())
        tokens = (_request_id.set(request_id), _correlation_id.set(correlation_id))
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
            log.info("%s %s %s %.1fms", scope["method"], scope["path"], status, (time.perf_counter() - started) * 1000)
            _request_id.reset(tokens[0])
            _correlation_id.reset(tokens[1])
