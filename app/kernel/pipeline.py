"""The request pipeline: every surface a tenant calls runs the same steps, in this order, by construction.

    bearer token ──> authenticate     sandbox, tenant, user or app, channel (401)
                 ──> lane             the surface's tenant kind only (403): customers stay customers
                 ──> faults           the sandbox's fault rules (an injected answer, or latency)
                 ──> throttling       Partner Center's realistic throttling, when the sandbox turns it on (429)
                 ──> admission        the rules a domain registers for the surface (PRG-9 on Partner Center)
                 ──> idempotency      MS-RequestId: a repeat answers the first answer

A surface declares only what differs: its path, the token audience, the tenant kind it serves and whether Graph's
error shape applies. A router is made by its surface (`PARTNER_CENTER.router(...)`), so a new router cannot forget
a step; `tests/kernel/test_pipeline.py` walks the route table to prove it. The control surface (`/sim/v1`) is the
operator's: the sandbox's admin key, idempotency, and never a fault.
"""

import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, TypeVar

import jwt
from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel import faults, throttling
from app.kernel.context import (
    OPERATOR,
    Actor,
    ActorKind,
    CustomerContext,
    PartnerContext,
    SandboxContext,
    TenantContext,
)
from app.kernel.credentials import matches_digest
from app.kernel.db import TransactionalRoute, get_session
from app.kernel.errors import ErrorShape, Forbidden, Unauthorized, render_errors_as
from app.kernel.idempotency import KEPT_AHEAD, MUTATING, claim
from app.kernel.principals import Fact, Principal, ReadAhead, load_principal, verified_claims
from app.kernel.tokens import GRAPH, PARTNER_CENTER, PORTAL_AUDIENCE, Keyring
from app.models import Sandbox, TenantKind

Admission = Callable[[Any], Awaitable[None]]


def bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def keyring_of(request: Request) -> Keyring:
    keyring: Keyring = request.app.state.keyring
    return keyring


C = TypeVar("C", bound=TenantContext)


async def authenticate(
    session: AsyncSession,
    keyring: Keyring,
    *,
    token: str | None,
    audiences: Sequence[str],
    kind: type[C],
    facts: Mapping[str, Fact] | None = None,
    ahead: ReadAhead | None = None,
    request: Request | None = None,
) -> tuple[C, Principal]:
    """Who calls, from a bearer token: its sandbox, tenant, user or app, roles and channel; else 401."""
    if not token:
        raise Unauthorized("The request has no bearer token: send Authorization: Bearer <access token>.")
    try:
        claims = await verified_claims(session, keyring, token, [*audiences, PORTAL_AUDIENCE])
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The access token has expired; request a new one.") from None
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise Unauthorized(
            "The access token is not valid: it was not issued by this service or for this API."
        ) from None
    if claims.expires_at <= time.time():  # remembered claims outlive no token
        raise Unauthorized("The access token has expired; request a new one.")
    principal = await load_principal(session, claims, facts or {}, ahead, request)
    if principal is None:
        raise Unauthorized("The token's sandbox, tenant, user or application no longer exists.")
    if principal.user is not None:
        actor = Actor.of_user(principal.user, channel=claims.channel, client_id=claims.client_id)
    else:
        actor = Actor(
            ActorKind.APP,
            str(principal.app_client_id),
            tenant_id=claims.tenant_id,
            client_id=claims.client_id,
            channel=claims.channel,
        )
    ctx = await kind.enter(session, principal.sandbox, actor)
    ctx.facts = principal.facts
    return ctx, principal


@dataclass(eq=False)
class Surface:
    """A surface tenants call: what it serves, and the one dependency that runs the whole pipeline for it."""

    name: str
    prefix: str
    audience: str
    tenant_kind: TenantKind
    context: type[TenantContext]
    lane: str  # the refusal for a tenant of the other kind
    error_shape: ErrorShape = ErrorShape.PARTNER_CENTER
    token_hint: str = "Bearer <access token>"
    admissions: list[Admission] = field(default_factory=list)
    facts: dict[str, Fact] = field(default_factory=dict)
    # Other roots the same service answers under (Partner Center's partner-level analytics live at `/partner/v1`):
    # the same pipeline, error shape and faults; a router picks one with `root=`.
    other_prefixes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for prefix in self.prefixes:
            render_errors_as(prefix, self.error_shape)
        self.caller = self._caller()

    def admission(self, check: Admission) -> Admission:
        """Register a rule every call of this surface must pass (after faults and throttling, before the route)."""
        self.admissions.append(check)
        return check

    def fact(self, name: str, expression: Fact) -> None:
        """Read `expression` about the calling tenant with its principal, in the same statement; an admission rule
        finds the value in `ctx.facts[name]` instead of querying on every call."""
        self.facts[name] = expression

    @property
    def prefixes(self) -> tuple[str, ...]:
        return (self.prefix, *self.other_prefixes)

    def router(self, *, tags: list[str | Enum], prefix: str = "", root: str | None = None, **kwargs: Any) -> APIRouter:
        """A router of this surface, under its prefix or one of its other roots: every route it holds runs the
        pipeline, in one transaction."""
        root = root or self.prefix
        if root not in self.prefixes:
            raise ValueError(f"{self.name} serves {', '.join(self.prefixes)}, not {root}")
        return APIRouter(
            prefix=root + prefix,
            tags=tags,
            route_class=TransactionalRoute,
            dependencies=[Depends(self.caller), *kwargs.pop("dependencies", [])],
            **kwargs,
        )

    def _caller(self) -> Callable[..., Awaitable[TenantContext]]:
        surface = self

        async def caller(
            request: Request,
        ) -> TenantContext:
            # The whole pipeline in one dependency: the router's, which the route's `ctx` parameter shares (FastAPI
            # solves it once). Every level of dependencies, and every declared parameter, costs a solve on every call
            # (issue 17's profile): the Authorization header is read here and documented by `document_authorization`.
            ctx, principal = await authenticate(
                await get_session(request),
                keyring_of(request),
                token=bearer(request.headers.get("authorization")),
                audiences=[surface.audience],
                kind=surface.context,
                facts=surface.facts,
                ahead=getattr(request.scope.get("endpoint"), _READS_AHEAD, None)
                or (KEPT_AHEAD if request.method in MUTATING else None),  # a write's kept answer, if it names one
                request=request,
            )
            if principal.tenant_kind is not surface.tenant_kind:
                raise Forbidden(surface.lane)
            if principal.has_fault_rules:  # most sandboxes have none: their rules are not even listed
                await faults.strike(ctx, request)
            await throttling.check(ctx, request)
            for check in surface.admissions:
                await check(ctx)
            await claim(request, ctx)
            return ctx

        caller.__name__ = caller.__qualname__ = f"{self.name.replace(' ', '_').lower()}_caller"
        return caller


_READS_AHEAD = "cspsim_reads_ahead"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def reads_ahead(ahead: ReadAhead) -> Callable[[Endpoint], Endpoint]:
    """A route's first read, sent with its caller's principal (`principals.ReadAhead`): under the route's
    decorator, `@reads_ahead(service.SHOWN_AHEAD)`."""

    def marked(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _READS_AHEAD, ahead)
        return endpoint

    return marked


PARTNER_CENTER_API = Surface(
    name="Partner Center",
    prefix="/v1",
    audience=PARTNER_CENTER,
    tenant_kind=TenantKind.PARTNER,
    context=PartnerContext,
    lane="Partner Center is for partner tenants; a customer's users manage their tenant in its admin center.",
    other_prefixes=("/partner/v1",),
)
GRAPH_API = Surface(
    name="Microsoft Graph",
    prefix="/v1.0",
    audience=GRAPH,
    tenant_kind=TenantKind.PARTNER,
    context=PartnerContext,
    lane="Delegated admin relationships are managed from the partner's tenant; a customer approves and ends them "
    "in its admin center.",
    error_shape=ErrorShape.GRAPH,
    token_hint="Bearer <access token for Microsoft Graph>",
)
ADMIN_CENTER = Surface(
    name="admin center",
    prefix="/admin/v1",
    audience=PARTNER_CENTER,
    tenant_kind=TenantKind.CUSTOMER,
    context=CustomerContext,
    lane="The admin center is for users of a customer tenant.",
)
WEBHOOKS = Surface(
    name="Partner Center webhooks",
    prefix="/webhooks/v1",
    audience=PARTNER_CENTER,
    tenant_kind=TenantKind.PARTNER,
    context=PartnerContext,
    lane="Webhook registrations belong to partner tenants.",
)
MARKETPLACE = Surface(
    name="marketplace",
    prefix="/marketplace/v1",
    audience=PARTNER_CENTER,
    tenant_kind=TenantKind.PARTNER,
    context=PartnerContext,
    lane="The marketplace is the distributor's platform for its resellers; customers buy through a storefront.",
)
SURFACES = (PARTNER_CENTER_API, GRAPH_API, ADMIN_CENTER, WEBHOOKS, MARKETPLACE)

PartnerCaller = Annotated[PartnerContext, Depends(PARTNER_CENTER_API.caller)]
GraphCaller = Annotated[PartnerContext, Depends(GRAPH_API.caller)]
CustomerCaller = Annotated[CustomerContext, Depends(ADMIN_CENTER.caller)]
WebhooksCaller = Annotated[PartnerContext, Depends(WEBHOOKS.caller)]
MarketplaceCaller = Annotated[PartnerContext, Depends(MARKETPLACE.caller)]


# --- the control surface: the sandbox's operator ----------------------------------------------------------------

CONTROL_PREFIX = "/sim/v1/sandboxes/{sandbox_id}"


async def operator_context(session: AsyncSession, *, sandbox_id: uuid.UUID, admin_key: str | None) -> SandboxContext:
    """The operator of a sandbox: the bearer of its admin key. An unknown sandbox answers as a wrong key does, so
    the answer never tells which sandbox ids exist."""
    sandbox = await session.get(Sandbox, sandbox_id)
    if sandbox is None or not admin_key or not matches_digest(admin_key, sandbox.admin_key_hash):
        raise Unauthorized("This sandbox's admin key is required: Authorization: Bearer <adminKey>.", entra=False)
    return await SandboxContext.enter(session, sandbox, OPERATOR)


async def operator(request: Request, sandbox_id: Annotated[uuid.UUID, Path()]) -> SandboxContext:
    """The caller holds the sandbox's admin key; a repeated MS-RequestId answers its first answer. The control
    router's one dependency, shared with the route's `ctx` (as `Surface.caller` is)."""
    admin_key = bearer(request.headers.get("authorization"))
    ctx = await operator_context(await get_session(request), sandbox_id=sandbox_id, admin_key=admin_key)
    await claim(request, ctx)
    return ctx


Operator = Annotated[SandboxContext, Depends(operator)]


def control_router(*, tags: list[str | Enum], **kwargs: Any) -> APIRouter:
    """A router of the control surface under one sandbox: the admin key, idempotency, one transaction."""
    return APIRouter(
        prefix=CONTROL_PREFIX,
        tags=tags,
        route_class=TransactionalRoute,
        dependencies=[Depends(operator), *kwargs.pop("dependencies", [])],
        **kwargs,
    )


def document_authorization(schema: dict[str, Any]) -> dict[str, Any]:
    """The Authorization header every operation of a surface (and of the control surface) reads, in the OpenAPI
    document as FastAPI writes a declared header parameter: after the path and query parameters, before the route's
    own headers. The pipeline reads the header itself, as a declared parameter cost about 300 Python calls a request,
    a tenth of a GET's (issue 17)."""
    hints: list[tuple[str, str | None]] = [(p, s.token_hint) for s in SURFACES for p in s.prefixes]
    hints.append((CONTROL_PREFIX, None))
    for path, operations in schema.get("paths", {}).items():
        read = [hint for prefix, hint in hints if path.startswith(prefix + "/") or path == prefix]
        if not read:
            continue
        described = {"description": read[0]} if read[0] else {}
        header = {
            **described,
            "in": "header",
            "name": "authorization",
            "required": False,
            "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], **described, "title": "Authorization"},
        }
        for operation in operations.values():
            parameters = operation.setdefault("parameters", [])
            at = next((i for i, p in enumerate(parameters) if p["in"] in ("header", "cookie")), len(parameters))
            parameters.insert(at, header)
    return schema
