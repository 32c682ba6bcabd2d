"""Contract versions and locales that clients pin: tolerated, and answered with a warning when unknown.

Partner Center's SDK sends `MS-Contract-Version: v1` and `X-Locale: en-US`; Entra's libraries add
`api-version=1.0` (or 1.1) to their discovery calls. cspsim serves one contract, so a version it does not
know is never a 400: the request is answered as usual, with a `Warning` header (RFC 9111's code 299, a
persistent warning) saying which version the answer follows. `X-Locale` is accepted as is; answers are in
en-US.
"""

from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTRACT_VERSIONS = frozenset({"v1"})
# Entra's discovery endpoints (1.0 user realm, 1.1 instance discovery), its v2 endpoints, and Partner Center's v1.
API_VERSIONS = frozenset({"1.0", "1.1", "2.0", "v1"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            text: str = value.decode("latin-1").strip()
            return text or None
    return None


def contract_warnings(scope: Scope) -> list[str]:
    """The `Warning` values a request's pinned versions earn; none when cspsim knows them."""
    warnings = []
    contract = _header(scope, b"ms-contract-version")
    if contract is not None and contract.lower() not in CONTRACT_VERSIONS:
        warnings.append(f"299 cspsim \"MS-Contract-Version '{_quoted(contract)}' is not known; answered as v1\"")
    query = scope.get("query_string", b"").decode("latin-1")
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() == "api-version" and value.lower() not in API_VERSIONS:
            warnings.append(f"299 cspsim \"api-version '{_quoted(value)}' is not known; answered as v1\"")
    return warnings


def _quoted(value: str) -> str:
    # A header value must stay one printable line; a client's odd version string must not break it.
    return "".join(c for c in value[:64] if c.isprintable() and c not in '"\\')


class ContractVersionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        warnings = contract_warnings(scope) if scope["type"] == "http" else []
        if not warnings:
            await self.app(scope, receive, send)
            return

        async def send_with_warning(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for warning in warnings:
                    headers.append("Warning", warning)
            await send(message)

        await self.app(scope, receive, send_with_warning)
