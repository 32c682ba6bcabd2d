"""Order requests (COM-2): an indirect reseller asks its provider to order for one of its customers."""

import uuid
from dataclasses import replace

from sqlalchemy import select

from app.commerce.lifecycle import ORDER_REQUEST
from app.commerce.orders import LineItem, place_order
from app.customers import service as customers
from app.events.service import move, notify, record_event
from app.kernel import lookup
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import RuleViolation
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.roles import PartnerRole, require_role
from app.kernel.statements import add_now
from app.models import Order, OrderRequest, OrderRequestStatus, RelationshipKind
from app.programs import service as programs
from app.providers import service as providers


async def request_order(
    ctx: PartnerContext, *, customer_id: uuid.UUID, indirect_provider_id: uuid.UUID, line_items: list[LineItem]
) -> OrderRequest:
    """COM-2: the reseller asks; the customer must be its indirect reseller customer, the provider one it partners
    with and that holds the customer too."""
    require_role(
        ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, PartnerRole.SALES_AGENT, action="request an order"
    )
    reseller_id = ctx.tenant_id
    if not (await programs.capabilities(ctx, reseller_id)).indirect_reseller:
        raise RuleViolation(
            "COM-2",
            "Order requests are how an indirect reseller buys, through its provider; this "
            "tenant is not an active indirect reseller.",
        )
    seen = await customers.get_visible_customer(ctx, customer_id)
    if not any(r.kind is RelationshipKind.INDIRECT_RESELLER for r in seen.relationships):
        raise RuleViolation("COM-2", "Request orders only for customers you hold as an indirect reseller.")
    provider_holds = any(
        r.kind is RelationshipKind.INDIRECT_PROVIDER
        for r in await customers.relationships_with(ctx, customer_id, indirect_provider_id)
    )
    if not provider_holds or not await providers.are_partners(
        ctx, provider_id=indirect_provider_id, reseller_id=reseller_id
    ):
        raise RuleViolation(
            "COM-2",
            f"{indirect_provider_id} must be one of your providers and hold a relationship with this customer.",
            status_code=400,
        )
    request = OrderRequest(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=customer_id,
        reseller_tenant_id=reseller_id,
        provider_tenant_id=indirect_provider_id,
        status=OrderRequestStatus.PENDING,
        line_items=[line.as_requested() for line in line_items],
        created_by=ctx.actor.name,
        created_at=ctx.now,
    )
    await add_now(ctx.session, request)
    await record_event(
        ctx,
        name="order-request-created",
        resource_type="OrderRequest",
        resource_id=request.id,
        tenant_ids=[reseller_id, indirect_provider_id],
    )
    await _tell(
        ctx,
        indirect_provider_id,
        "order-request",
        "An indirect reseller asks you to place an order",
        f"Order request {request.id} waits for you (POST /v1/orderrequests/{request.id}/fulfill or /reject).",
    )
    return request


async def _tell(ctx: SandboxContext, tenant_id: uuid.UUID, kind: str, subject: str, body: str) -> None:
    profile = await programs.find_profile(ctx, tenant_id)
    if profile and profile.primary_contact_email:
        await notify(ctx, to=profile.primary_contact_email, kind=kind, subject=subject, body=body, tenant_id=tenant_id)


async def _for_provider(ctx: PartnerContext, request_id: uuid.UUID) -> OrderRequest:
    """An order request asked of the calling provider, locked to decide it; any other is not found."""
    return await lookup.one(
        ctx,
        OrderRequest,
        request_id,
        what="Order request",
        for_update=True,
        where=[OrderRequest.provider_tenant_id == ctx.tenant_id],
    )


async def fulfill(ctx: PartnerContext, *, request_id: uuid.UUID) -> tuple[OrderRequest, Order]:
    """The provider places the order, with the reseller on record (COM-3), and the reseller is told."""
    request = await _for_provider(ctx, request_id)
    ORDER_REQUEST.check(request.status, OrderRequestStatus.FULFILLED, action="fulfill")
    reseller = await programs.find_profile(ctx, request.reseller_tenant_id)
    on_record = reseller.partner_id if reseller else None
    lines = [
        replace(LineItem.from_requested(kept, number=n), partner_id_on_record=on_record)
        for n, kept in enumerate(request.line_items)
    ]
    order = await place_order(ctx, customer_id=request.customer_tenant_id, line_items=lines)
    request.order_id = order.id
    await move(
        ctx,
        request,
        ORDER_REQUEST,
        OrderRequestStatus.FULFILLED,
        action="fulfill",
        event="order-request-fulfilled",
        resource_type="OrderRequest",
        tenant_ids=[request.reseller_tenant_id, request.provider_tenant_id],
    )
    await _tell(
        ctx,
        request.reseller_tenant_id,
        "order-request-fulfilled",
        "Your provider placed your order",
        f"Order request {request.id} was fulfilled with order {order.id}.",
    )
    return request, order


async def reject(ctx: PartnerContext, *, request_id: uuid.UUID, reason: str) -> OrderRequest:
    """The provider declines with a reason; the reseller is told."""
    request = await _for_provider(ctx, request_id)
    request.reason = reason
    await move(
        ctx,
        request,
        ORDER_REQUEST,
        OrderRequestStatus.REJECTED,
        action="reject",
        event="order-request-rejected",
        resource_type="OrderRequest",
        tenant_ids=[request.reseller_tenant_id, request.provider_tenant_id],
    )
    await _tell(
        ctx,
        request.reseller_tenant_id,
        "order-request-rejected",
        "Your provider declined your order request",
        f"Order request {request.id} was rejected: {reason}",
    )
    return request


async def list_order_requests(ctx: PartnerContext, page: PageRequest) -> Page[OrderRequest]:
    """The caller's order requests, as the reseller that asked or the provider asked."""
    me = ctx.tenant_id
    stmt = select(OrderRequest).where(
        OrderRequest.sandbox_id == ctx.sandbox_id,
        (OrderRequest.reseller_tenant_id == me) | (OrderRequest.provider_tenant_id == me),
    )
    return await keyset(ctx.session, stmt, keys=[OrderRequest.created_at, OrderRequest.id], page=page)
