"""The principal dependencies: who calls a `/v1` (or later `/v1.0`, `/admin/v1`) route, from its token."""

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.errors import Forbidden
from app.identity import service
from app.identity.tokens import PARTNER_CENTER, Keyring
from app.kit.idempotency import idempotency_guard
from app.models import Tenant, TenantKind
from app.programs import service as programs
from app.sandboxes import faults, throttling
from app.sandboxes.context import SandboxContext


def bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def keyring_of(request: Request) -> Keyring:
    keyring: Keyring = request.app.state.keyring
    return keyring


async def partner_caller(
    request: Request,
    session: Annotated[AsyncSession, Depends(get_session)],
    authorization: Annotated[str | None, Header(description="Bearer <access token>")] = None,
) -> SandboxContext:
    """A Partner Center caller: a token for Partner Center (API channel, limited by PRG-9) or a portal sign-in."""
    ctx = await service.principal_context(
        session, keyring_of(request), token=bearer(authorization), audiences=[PARTNER_CENTER]
    )
    await faults.strike(ctx, request)
    throttling.check(ctx, request)
    await programs.require_api_access(ctx)
    return ctx


PartnerCaller = Annotated[SandboxContext, Depends(partner_caller)]
partner_router_dependencies: list[Any] = [Depends(idempotency_guard(partner_caller))]


async def customer_caller(
    request: Request,
    session: Annotated[AsyncSession, Depends(get_session)],
    authorization: Annotated[str | None, Header(description="Bearer <access token>")] = None,
) -> SandboxContext:
    """A user of a customer tenant in its admin center (a portal sign-in, or a token for Partner Center)."""
    ctx = await service.principal_context(
        session, keyring_of(request), token=bearer(authorization), audiences=[PARTNER_CENTER]
    )
    tenant = await session.get(Tenant, (ctx.sandbox_id, ctx.actor.tenant_id))
    if tenant is None or tenant.kind is not TenantKind.CUSTOMER:
        raise Forbidden("The admin center is for users of a customer tenant.")
    await faults.strike(ctx, request)
    return ctx


CustomerCaller = Annotated[SandboxContext, Depends(customer_caller)]
customer_router_dependencies: list[Any] = [Depends(idempotency_guard(customer_caller))]
