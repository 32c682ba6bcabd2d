"""The error taxonomy and its HTTP rendering, once per surface.

    DomainError                 status  Partner Center code
     ├── BadRequest             400     800002   bad input (FastAPI's validation errors too)
     ├── Unauthorized           401     800001   no token, or one we did not issue or that expired
     ├── Forbidden              403     710003   the caller's role or channel may not do this
     ├── RuleViolation          403*    7101nn.. a rule of RULES.md refused; carries its ID (`rule_code`)
     ├── NotFound               404     1000     not there, or not visible to the caller
     ├── Conflict               409     710009   the state forbids it (IntegrityError lands here)
     │    └── InvalidTransition 409     710010   a lifecycle table has no such move
     └── PreconditionFailed     412     2055     a stale If-Match
    OAuthError                  400/401          the identity surface's own shape (AADSTS codes)

(* a rule may answer another 4xx, e.g. 400 for a limit on input.)

Each surface renders the same exception in the real service's shape:
Partner Center (`/v1`, `/admin/v1`, `/marketplace/v1`, `/webhooks/v1`, `/sim/v1`)
answers `{code, description, data, source, errorName, isRetryable, rule?}`;
Graph (`/v1.0`) answers `{"error": {code, message, innerError}, rule?}`;
Entra ID (the identity surface: `/{tenant}/oauth2/...`, its keys and metadata) answers
`{error, error_description, error_codes, timestamp, trace_id, correlation_id}` (`OAuthError`): a refusal that is not
an OAuth one (bad input, a body too large, a wrong method) is an `invalid_request` there, as an OAuth client reads.
"""

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kernel.requestcontext import current_request_ids
from app.wire import WireEnum

SOURCE = "cspsim"


class DomainError(Exception):
    status_code = 400
    code = 800002
    error_name = "InvalidInput"
    graph_code = "BadRequest"

    def __init__(self, message: str, *, data: list[Any] | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data or []
        self.rule = rule
        self.headers: dict[str, str] = {}

    def with_code(self, code: int, error_name: str) -> "DomainError":
        """The same error under one of Partner Center's documented codes (e.g. 600061)."""
        self.code, self.error_name = code, error_name
        return self


class BadRequest(DomainError):
    pass


AUTHORIZATION_URI = "https://login.microsoftonline.com/common/oauth2/authorize"


def bearer_challenge(message: str, *, authorization_uri: str | None = AUTHORIZATION_URI) -> str:
    """The `WWW-Authenticate` challenge of a 401, as Entra ID's resource servers send it (RFC 6750): where to get a
    token, and why this one was refused. The control surface (an admin key, no Entra) names no authorization URI."""
    description = message.replace("\\", "").replace('"', "'")
    where = f'authorization_uri="{authorization_uri}"' if authorization_uri else 'realm="cspsim"'
    return f'Bearer {where}, error="invalid_token", error_description="{description}"'


class Unauthorized(DomainError):
    status_code = 401
    code = 800001
    error_name = "Unauthorized"
    graph_code = "InvalidAuthenticationToken"

    def __init__(self, message: str = "A valid bearer token is required.", *, entra: bool = True) -> None:
        super().__init__(message)
        challenge = bearer_challenge(message, authorization_uri=AUTHORIZATION_URI if entra else None)
        self.headers = {"WWW-Authenticate": challenge}


class Forbidden(DomainError):
    status_code = 403
    code = 710003
    error_name = "Forbidden"
    graph_code = "Forbidden"


# The codes a rule's refusal answers. Where Partner Center's error list has the refusal, its code; every other rule
# answers the project's own, one per rule: the family's block plus the rule's number (PRG-3 -> 710103).
DOCUMENTED_RULE_CODES: dict[str, tuple[int, str]] = {
    "AGR-1": (13605, "MCAAcceptanceRequired"),
    "REL-5": (20002, "NoCommerceRelationship"),
}
RULE_FAMILY_CODES = {
    "PRG": 710100,
    "PRV": 710200,
    "REL": 710300,
    "AGR": 710400,
    "GDP": 710500,
    "COM": 710600,
    "TRF": 710700,
    "BIL": 710800,
}
RULE_CODE_FALLBACK = 710000


def rule_code(rule_id: str) -> tuple[int, str]:
    """The code and error name a refusal by this rule answers when its raiser names none (see the table above)."""
    if rule_id in DOCUMENTED_RULE_CODES:
        return DOCUMENTED_RULE_CODES[rule_id]
    family, _, number = rule_id.partition("-")
    base = RULE_FAMILY_CODES.get(family)
    if base is None or not number.isdigit() or not 0 < int(number) < 100:
        return RULE_CODE_FALLBACK, "RuleViolation"
    return base + int(number), "RuleViolation"


class RuleViolation(DomainError):
    """A rule of RULES.md refused the request; the body names the rule, and its code is the rule's (`rule_code`)."""

    status_code = 403
    code = 710000
    error_name = "RuleViolation"
    graph_code = "Forbidden"

    def __init__(
        self,
        rule_id: str,
        message: str,
        *,
        status_code: int | None = None,
        code: int | None = None,
        error_name: str | None = None,
        data: list[Any] | None = None,
    ) -> None:
        super().__init__(message, data=data, rule=rule_id)
        self.code, self.error_name = rule_code(rule_id)
        if status_code is not None:
            self.status_code = status_code
            self.graph_code = _GRAPH_CODES.get(status_code, "BadRequest")
        if code is not None:
            self.code = code
        if error_name is not None:
            self.error_name = error_name


class NotFound(DomainError):
    status_code = 404
    code = 1000
    error_name = "NotFound"
    graph_code = "ResourceNotFound"

    def __init__(self, what: str, ident: object = None) -> None:
        suffix = f" {ident}" if ident is not None else ""
        super().__init__(f"{what}{suffix} was not found.")


class Conflict(DomainError):
    status_code = 409
    code = 710009
    error_name = "Conflict"
    graph_code = "Conflict"


class InvalidTransition(Conflict):
    code = 710010
    error_name = "InvalidStateTransition"

    def __init__(self, entity: str, current: str, action: str) -> None:
        super().__init__(f"The {entity} is {current}; it cannot be moved by '{action}'.")
        self.data = [{"entity": entity, "status": current, "action": action}]


class Unexpected(DomainError):
    """A defect of cspsim's own: answered in the surface's shape with the request id to quote, never as plain text."""

    status_code = 500
    code = 710500
    error_name = "InternalServerError"
    graph_code = "InternalServerError"

    def __init__(self) -> None:
        request_id, _ = current_request_ids()
        super().__init__(
            f"cspsim failed to answer this request (a defect: please report it with MS-RequestId {request_id}); "
            "nothing it would have changed was kept."
        )


class PreconditionFailed(DomainError):
    status_code = 412
    code = 2055
    error_name = "PreconditionFailed"
    graph_code = "PreconditionFailed"


_GRAPH_CODES = {
    400: "BadRequest",
    401: "InvalidAuthenticationToken",
    403: "Forbidden",
    404: "ResourceNotFound",
    409: "Conflict",
    412: "PreconditionFailed",
    429: "TooManyRequests",
}


class KeptRefusal(Exception):
    """A refusal whose bookkeeping stands: the request's transaction commits, then this answers. Only for what must
    outlive a refusal (a fault rule's spent count, a wrong password counted towards a lockout); the refused change
    itself is never made."""

    def response(self, request: Request) -> JSONResponse:
        raise NotImplementedError


class InjectedFault(KeptRefusal):
    """A fault rule fired: the call ends with this answer (the request's transaction still commits)."""

    def __init__(
        self, *, kind: str, status_code: int, code: int | None, message: str | None, retry_after_seconds: int
    ) -> None:
        super().__init__(kind)
        self.kind, self.status_code, self.code = kind, status_code, code
        self.message, self.retry_after_seconds = message, retry_after_seconds

    def response(self, request: Request) -> JSONResponse:
        if self.kind == "throttle":
            # The API gateway's own body, not Partner Center's error schema, as the real service sends it.
            seconds = self.retry_after_seconds
            body: dict[str, Any] = {
                "statusCode": 429,
                "message": f"Rate limit is exceeded. Try again in {seconds} seconds.",
            }
            if shape_of(request.url.path) is ErrorShape.GRAPH:
                body = {"error": {"code": "TooManyRequests", "message": body["message"]}}
            return JSONResponse(body, status_code=429, headers={"Retry-After": str(seconds)})
        error = DomainError(self.message or "An injected fault (cspsim fault rule).")
        error.status_code, error.error_name = self.status_code, "InjectedFault"
        error.code = self.code or 710500
        error.graph_code = _GRAPH_CODES.get(self.status_code, "ServiceUnavailable")
        return error_response(request, error)


class OAuthErrorCode(WireEnum):
    INVALID_REQUEST = "invalid_request"
    INVALID_CLIENT = "invalid_client"
    INVALID_GRANT = "invalid_grant"
    UNAUTHORIZED_CLIENT = "unauthorized_client"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
    INVALID_SCOPE = "invalid_scope"
    INVALID_RESOURCE = "invalid_resource"
    TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"


class OAuthError(Exception):
    """An error of the identity surface, in Entra ID's token-endpoint shape."""

    def __init__(self, error: OAuthErrorCode, aadsts: int, message: str, *, status_code: int = 400) -> None:
        super().__init__(message)
        self.error = error
        self.aadsts = aadsts
        self.message = message
        self.status_code = status_code

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        request_id, correlation_id = current_request_ids()
        body = {
            "error": self.error.value,
            "error_description": f"AADSTS{self.aadsts}: {self.message}",
            "error_codes": [self.aadsts],
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
            "trace_id": request_id,
            "correlation_id": correlation_id,
        }
        return JSONResponse(body, status_code=self.status_code, headers=headers)

    @classmethod
    def of(cls, exc: "DomainError", method: str) -> "OAuthError":
        """Any other refusal on the identity surface, as Entra answers it: a wrong method its AADSTS900561, a server
        fault its transient error, anything else a malformed request (AADSTS9002313), with our message."""
        if exc.status_code == 405:
            allowed = exc.headers.get("Allow", "POST")
            aadsts, message = 900561, f"The endpoint only accepts {allowed} requests. Received a {method} request."
        elif exc.status_code >= 500:
            return cls(OAuthErrorCode.TEMPORARILY_UNAVAILABLE, 90033, exc.message, status_code=exc.status_code)
        else:
            aadsts, message = 9002313, f"Invalid request. Request is malformed or invalid. {exc.message}"
        return cls(OAuthErrorCode.INVALID_REQUEST, aadsts, message, status_code=exc.status_code)


class FailedSignIn(KeptRefusal):
    """A sign-in refused after its wrong password was counted (smart lockout): answered as Entra answers it."""

    def __init__(self, error: OAuthError) -> None:
        super().__init__(error.message)
        self.error = error

    def response(self, request: Request) -> JSONResponse:
        return self.error.response()


class ErrorShape(WireEnum):
    PARTNER_CENTER = "partner center"
    GRAPH = "graph"
    ENTRA = "entra"


_shapes: dict[str, ErrorShape] = {}


def render_errors_as(prefix: str, shape: ErrorShape) -> None:
    """A surface declares its error shape for the paths under its prefix (`app.kernel.pipeline.Surface`)."""
    _shapes[prefix.rstrip("/") + "/"] = shape


# The identity surface's paths (Entra's): a tenant (an id, a domain, `common`, `organizations`) then the token
# endpoints, the keys or the metadata; and the `/common/` lookups MSAL makes.
_ENTRA_PATH = re.compile(r"^/common/|^/[^/]+/(oauth2|discovery)/|^/[^/]+/(v2\.0/)?\.well-known/")


def shape_of(path: str) -> ErrorShape:
    """The error shape of the surface a path belongs to; Partner Center's for every other path."""
    if _ENTRA_PATH.match(path):
        return ErrorShape.ENTRA
    matches = [prefix for prefix in _shapes if path.startswith(prefix)]
    return _shapes[max(matches, key=len)] if matches else ErrorShape.PARTNER_CENTER


_RETRYABLE = frozenset({429, 503})


def error_response(request: Request, exc: DomainError) -> JSONResponse:
    request_id, _ = current_request_ids()
    body: dict[str, Any]
    shape = shape_of(request.url.path)
    if shape is ErrorShape.ENTRA:
        return OAuthError.of(exc, request.method).response(headers=exc.headers)
    if shape is ErrorShape.GRAPH:
        body = {
            "error": {
                "code": exc.graph_code,
                "message": exc.message,
                "innerError": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": request_id,
                },
            }
        }
    else:
        body = {
            "code": exc.code,
            "description": exc.message,
            "data": exc.data,
            "source": SOURCE,
            "errorName": exc.error_name,
            # Throttled or busy: the same request may pass later (Retry-After says when); anything else would fail
            # again as it is.
            "isRetryable": exc.status_code in _RETRYABLE,
        }
    if exc.rule:
        body["rule"] = exc.rule
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "invalid")} for e in exc.errors()
    ]
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
    return error_response(request, BadRequest(f"The request is not valid: {summary}", data=problems))


# What to tell the caller when a unique key refuses a row, by the key: its name (PostgreSQL's message names it) and
# its columns (SQLite's names them). A service may leave a natural key's check to the database this way, instead
# of a SELECT before every insert.
_UNIQUE_KEYS: dict[str, str] = {}


def explain_unique_key(table: str, columns: Sequence[str], message: str) -> None:
    """Answer 409 with `message` when the unique key of `table` on `columns` refuses a row."""
    _UNIQUE_KEYS[f"uq_{table}_{'_'.join(columns)}"] = message
    _UNIQUE_KEYS[", ".join(f"{table}.{column}" for column in columns)] = message


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A unique or foreign key caught a race the service's own checks could not see, or a key left to the database.
    said = str(getattr(exc, "orig", exc))
    for key, message in _UNIQUE_KEYS.items():
        if key in said:
            return error_response(request, Conflict(message))
    return error_response(request, Conflict("The change conflicts with existing data; read it again and retry."))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    mapped: DomainError
    if exc.status_code == 404:
        mapped = NotFound("The resource", request.url.path)
    elif exc.status_code == 405:
        mapped = BadRequest(f"The method {request.method} is not allowed on {request.url.path}.")
        mapped.status_code, mapped.code, mapped.error_name = 405, 710005, "MethodNotAllowed"
    else:
        mapped = BadRequest(str(exc.detail))
        mapped.status_code = exc.status_code
    mapped.headers.update(exc.headers or {})
    return error_response(request, mapped)


async def _oauth_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OAuthError)
    return exc.response()


log = logging.getLogger("cspsim.errors")


class UnexpectedErrorMiddleware:
    """The last net: an exception no handler took becomes a 500 in the surface's error shape, and the connection
    stays usable (Starlette's own net answers plain text and re-raises to the server, which may close it). The
    request's transaction has rolled back by then: `TransactionalRoute` commits only what answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # the answer is under way; all that is left is to end it
                return
            response = error_response(Request(scope), Unexpected())
            await response(scope, receive, send)


# PostgreSQL's answers for a request that waited too long or lost a race: lock_timeout, deadlock, serialization
# failure, statement_timeout; or that found no room for a new connection (every slot of max_connections, or of the
# role's connection limit, taken) or a server still starting. The request changed nothing and may simply be retried.
_BUSY_SQLSTATES = {
    "55P03": "a row lock",
    "40P01": "a deadlock",
    "40001": "a concurrent change",
    "57014": "time",
    "53300": "a database connection (the database server had no room for another)",
    "57P03": "a database connection (the database server was starting up)",
}


def _sqlite_busy(orig: object) -> bool:
    """SQLite's "database is locked": a writer waited out the busy timeout (or a read that began before another
    writer's commit tried to write). Like PostgreSQL's lock timeout, nothing changed and a retry may pass."""
    name = str(getattr(orig, "sqlite_errorname", ""))
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(orig)


def busy_reason(exc: BaseException) -> str | None:
    """What a failed database call waited too long for (a lock, a connection), or None for any other failure: a busy
    database changed nothing, and the same work may simply be tried again (a request answers 503, a loop retries)."""
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    if isinstance(exc, PoolTimeout):
        return "a free database connection"
    if sqlstate in _BUSY_SQLSTATES:
        return _BUSY_SQLSTATES[str(sqlstate)]
    if isinstance(exc, DBAPIError) and _sqlite_busy(orig):
        return "the database's write lock"
    return None


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    waited = busy_reason(exc)
    if waited is None:
        log.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(request, Unexpected())
    busy = BadRequest(f"The sandbox is busy (this request waited too long for {waited}); nothing changed: retry.")
    busy.status_code, busy.code, busy.error_name = 503, 710503, "ServiceUnavailable"
    busy.graph_code = "serviceNotAvailable"
    busy.headers["Retry-After"] = "1"
    return error_response(request, busy)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OAuthError, _oauth_error)
    app.add_exception_handler(DBAPIError, _database_busy)
    app.add_exception_handler(PoolTimeout, _database_busy)


PARTNER_CENTER_ERROR = {
    "type": "object",
    "title": "PartnerCenterError",
    "description": "Partner Center's error body (also the control and admin-center surfaces'); `rule` names the rule "
    "of the ledger that refused the request.",
    "required": ["code", "description", "source"],
    "properties": {
        "code": {"type": "integer"},
        "description": {"type": "string"},
        "data": {"type": "array", "items": {}},
        "source": {"type": "string"},
        "errorName": {"type": "string"},
        "isRetryable": {"type": "boolean"},
        "rule": {"type": "string"},
    },
}
GRAPH_ERROR = {
    "type": "object",
    "title": "GraphError",
    "description": "Microsoft Graph's error envelope, plus `rule`.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "innerError": {"type": "object"}},
        },
        "rule": {"type": "string"},
    },
}


OAUTH_ERROR = {
    "type": "object",
    "title": "OAuthError",
    "description": "Entra ID's token-endpoint error (RFC 6749 section 5.2, with AADSTS codes).",
    "required": ["error", "error_description"],
    "properties": {
        "error": {"type": "string"},
        "error_description": {"type": "string"},
        "error_codes": {"type": "array", "items": {"type": "integer"}},
        "timestamp": {"type": "string"},
        "trace_id": {"type": "string"},
        "correlation_id": {"type": "string"},
    },
}
_WHY = {
    "400": "Bad input, or a rule that refused it (`rule`).",
    "401": "No valid credentials: a bearer token (or the sandbox's admin key on the control surface).",
    "403": "The caller may not do this: its tenant kind, role or channel, or a rule (`rule`).",
    "404": "Not there, or not visible to the caller.",
    "409": "The state forbids it, or the change conflicts with existing data.",
    "412": "A stale If-Match.",
    "413": "The body is too large.",
    "429": "Throttled (a fault rule, or the sandbox's realistic throttling): wait `Retry-After` seconds.",
    "500": "A defect of cspsim's: quote the MS-RequestId.",
    "503": "An injected fault, or the service is busy: retry after `Retry-After` seconds.",
}
_MUTATING = {"post", "put", "patch", "delete"}
_WITH_BODY = {"post", "put", "patch"}


def _answers(path: str, method: str) -> tuple[set[str], bool]:
    """The error statuses an operation answers, and whether they come in OAuth's shape."""
    codes = {"400", "500"} | ({"413"} if method in _WITH_BODY else set())
    if shape_of(path) is ErrorShape.ENTRA:
        return codes | ({"401"} if method == "post" else set()), True
    if any(path.startswith(prefix) for prefix in _shapes):  # a tenant surface: the whole request pipeline
        codes |= {"401", "403", "404", "429", "503"} | ({"409"} if method in _MUTATING else set())
        codes |= {"412"} if method in ("put", "patch") else set()
    elif path.startswith("/sim/v1/sandboxes/{"):  # the control surface: the admin key
        codes |= {"401", "404", "503"} | ({"409"} if method in _MUTATING else set())
    elif "{" in path:
        codes.add("404")
    return codes, False


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Say in the OpenAPI document what cspsim answers: every error status an operation can answer, in its surface's
    error shape (bad input is a 400, where FastAPI would advertise its own 422)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["PartnerCenterError"], components["GraphError"] = PARTNER_CENTER_ERROR, GRAPH_ERROR
    components["OAuthError"] = OAUTH_ERROR
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        shape = "GraphError" if shape_of(path) is ErrorShape.GRAPH else "PartnerCenterError"
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            codes, oauth = _answers(path, method)
            ref = "#/components/schemas/" + ("OAuthError" if oauth else shape)
            for code in sorted(codes):
                responses.setdefault(
                    code,
                    {"description": _WHY[code], "content": {"application/json": {"schema": {"$ref": ref}}}},
                )
    return schema
