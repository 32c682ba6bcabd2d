"""Who calls Microsoft Graph's GDAP API: a partner tenant's app or user, with a token for Graph or a portal sign-in."""

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.errors import Forbidden
from app.identity import service as identity
from app.identity.principal import bearer, keyring_of
from app.identity.tokens import GRAPH
from app.kit.idempotency import idempotency_guard
from app.models import Tenant, TenantKind
from app.sandboxes.context import SandboxContext


async def graph_caller(
    request: Request,
    session: Annotated[AsyncSession, Depends(get_session)],
    authorization: Annotated[str | None, Header(description="Bearer <access token for Microsoft Graph>")] = None,
) -> SandboxContext:
    """A partner calling Graph (an app, an app with a user, or a person's portal sign-in). PRG-9 does not apply here:
    indirect resellers, who have no Partner Center API, manage their customers' admin access through GDAP."""
    ctx = await identity.principal_context(session, keyring_of(request), token=bearer(authorization), audiences=[GRAPH])
    tenant = await session.get(Tenant, (ctx.sandbox_id, ctx.actor.tenant_id))
    if tenant is None or tenant.kind is not TenantKind.PARTNER:
        raise Forbidden(
            "Delegated admin relationships are managed from the partner's tenant; a customer approves and ends them "
            "in its admin center."
        )
    return ctx


GraphCaller = Annotated[SandboxContext, Depends(graph_caller)]
graph_router_dependencies: list[Any] = [Depends(idempotency_guard(graph_caller))]
