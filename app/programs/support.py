"""Service requests to Microsoft support: among them the request to restrict direct bill (PRG-3)."""

import uuid

from sqlalchemy import select

from app.events.service import move, notify, record_audit
from app.kernel import timers
from app.kernel.clock import add_business_days
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import Conflict
from app.kernel.lookup import one
from app.kernel.pagination import Page, PageRequest, keyset
from app.models import (
    Enrollment,
    EnrollmentStatus,
    Program,
    ServiceRequest,
    ServiceRequestCategory,
    ServiceRequestStatus,
    Timer,
)
from app.programs import service
from app.programs.lifecycle import ENROLLMENT, SERVICE_REQUEST

RESOLVE_TIMER = "servicerequest.resolve"


async def _active_direct_bill(ctx: SandboxContext, tenant_id: uuid.UUID) -> Enrollment | None:
    return (
        await ctx.session.execute(
            select(Enrollment)
            .where(
                Enrollment.sandbox_id == ctx.sandbox_id,
                Enrollment.tenant_id == tenant_id,
                Enrollment.program == Program.DIRECT_BILL,
                Enrollment.status == EnrollmentStatus.ACTIVE,
            )
            .with_for_update()
        )
    ).scalar_one_or_none()


async def open_service_request(
    ctx: PartnerContext, *, category: ServiceRequestCategory, description: str
) -> ServiceRequest:
    """Open a request to support. PRG-3: a DirectBillRestriction request needs an active direct-bill enrollment;
    support resolves it through the control surface, or by itself after the sandbox's delay."""
    tenant_id = ctx.tenant_id
    if category is ServiceRequestCategory.DIRECT_BILL_RESTRICTION:
        if await _active_direct_bill(ctx, tenant_id) is None:
            raise Conflict("There is no active direct-bill enrollment to restrict on this tenant.")
        service.require_global_admin(ctx, "ask support to restrict direct bill")
    request = ServiceRequest(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        tenant_id=tenant_id,
        category=category,
        description=description,
        status=ServiceRequestStatus.OPEN,
        created_by=ctx.actor.name,
        created_at=ctx.now,
    )
    ctx.session.add(request)
    await ctx.session.flush()
    await record_audit(
        ctx,
        tenant_id=tenant_id,
        operation_type="create_service_request",
        resource_type="ServiceRequest",
        resource_id=request.id,
        new_value={"category": category.value, "status": request.status.value},
    )
    delay = ctx.settings.service_request_resolution_business_days
    if delay is not None:
        await timers.schedule(ctx, kind=RESOLVE_TIMER, ref=request.id, due_at=add_business_days(ctx.now, delay))
    return request


async def resolve_service_request(
    ctx: SandboxContext, *, request_id: uuid.UUID, resolution: str | None = None
) -> ServiceRequest:
    """Support resolves a request; a DirectBillRestriction moves direct bill Active -> Restricted (PRG-3)."""
    request = await _get(ctx, request_id, for_update=True)
    await timers.cancel(ctx, kind=RESOLVE_TIMER, ref=request.id)
    await move(
        ctx,
        request,
        SERVICE_REQUEST,
        ServiceRequestStatus.RESOLVED,
        action="resolve",
        event="service-request-resolved",
        resource_type="ServiceRequest",
        tenant_ids=[request.tenant_id],
    )
    request.resolution = resolution or "Resolved by support."
    if request.category is ServiceRequestCategory.DIRECT_BILL_RESTRICTION:
        direct = await _active_direct_bill(ctx, request.tenant_id)
        if direct is None:
            request.resolution = "Nothing to restrict: the direct-bill enrollment is no longer active."
        else:
            await move(
                ctx,
                direct,
                ENROLLMENT,
                EnrollmentStatus.RESTRICTED,
                action="restrict at the partner's request",
                event="enrollment-restricted",
                resource_type="Enrollment",
                tenant_ids=[direct.tenant_id],
            )
    profile = await service.find_profile(ctx, request.tenant_id)
    if profile and profile.primary_contact_email:
        await notify(
            ctx,
            to=profile.primary_contact_email,
            kind="service-request-resolved",
            tenant_id=request.tenant_id,
            subject=f"Service request {request.id} resolved",
            body=request.resolution,
        )
    return request


async def _get(
    ctx: SandboxContext, request_id: uuid.UUID, *, for_update: bool = False, tenant_id: uuid.UUID | None = None
) -> ServiceRequest:
    mine = [ServiceRequest.tenant_id == tenant_id] if tenant_id is not None else []
    return await one(ctx, ServiceRequest, request_id, what="Service request", for_update=for_update, where=mine)


async def get_service_request(ctx: SandboxContext, request_id: uuid.UUID) -> ServiceRequest:
    return await _get(ctx, request_id, tenant_id=ctx.actor.tenant_id)


async def list_service_requests(ctx: SandboxContext, page: PageRequest) -> Page[ServiceRequest]:
    stmt = select(ServiceRequest).where(
        ServiceRequest.sandbox_id == ctx.sandbox_id, ServiceRequest.tenant_id == ctx.actor.tenant_id
    )
    return await keyset(ctx.session, stmt, keys=[ServiceRequest.created_at, ServiceRequest.id], page=page)


@timers.on_timer(RESOLVE_TIMER)
async def _resolve_when_due(ctx: SandboxContext, timer: Timer) -> None:
    request = await _get(ctx, uuid.UUID(timer.ref))
    if request.status is ServiceRequestStatus.OPEN:
        await resolve_service_request(ctx, request_id=request.id)
