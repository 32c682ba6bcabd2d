"""Service requests to Microsoft support: among them the request to restrict direct bill (PRG-3)."""

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.events.service import move, notify, record_audit, record_change
from app.kernel import timers
from app.kernel.clock import add_business_days
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, NotFound
from app.kernel.lookup import one
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.statements import add_now
from app.models import (
    CustomerRelationship,
    Enrollment,
    EnrollmentStatus,
    Program,
    ServiceRequest,
    ServiceRequestCategory,
    ServiceRequestStatus,
    Tenant,
)
from app.programs import service
from app.programs.lifecycle import ENROLLMENT, SERVICE_REQUEST

RESOLVE_TIMER = "servicerequest.resolve"


@dataclass(frozen=True)
class Requester:
    """Who a partner's service requests come from, as Partner Center shows it on each: the partner's organization
    (its legal name) and its primary contact (the profile's email)."""

    tenant: Tenant
    organization_name: str
    contact_email: str | None

    @property
    def contact_id(self) -> uuid.UUID:
        # A stable id for the contact, the same on every request of the partner.
        return uuid.uuid5(self.tenant.id, self.contact_email or "primary-contact")


async def requester(ctx: PartnerContext) -> Requester:
    """The calling partner as the requester of its service requests."""
    tenant = await one(ctx, Tenant, ctx.tenant_id, what="Tenant")
    profile = await service.find_profile(ctx, ctx.tenant_id)
    return Requester(
        tenant=tenant,
        organization_name=(profile.legal_name if profile else None) or tenant.display_name,
        contact_email=profile.primary_contact_email if profile else None,
    )


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


async def _require_customer(ctx: PartnerContext, customer_id: uuid.UUID) -> None:
    """A request about a customer names one the caller holds (COM-2: an indirect reseller opens service requests for
    its customers); any other is not found, as everywhere (the customers domain's visibility, asked of its table)."""
    held = await ctx.session.scalar(
        select(CustomerRelationship.id)
        .where(
            CustomerRelationship.sandbox_id == ctx.sandbox_id,
            CustomerRelationship.customer_tenant_id == customer_id,
            CustomerRelationship.partner_tenant_id == ctx.tenant_id,
        )
        .limit(1)
    )
    if held is None:
        raise NotFound("Customer", customer_id)


async def open_service_request(
    ctx: PartnerContext,
    *,
    category: ServiceRequestCategory,
    description: str,
    title: str | None = None,
    severity: str | None = None,
    customer_id: uuid.UUID | None = None,
) -> ServiceRequest:
    """Open a request to support, for the partner itself or about one of its customers. PRG-3: a
    DirectBillRestriction request needs an active direct-bill enrollment; support resolves it through the control
    surface, or by itself after the sandbox's delay."""
    tenant_id = ctx.tenant_id
    if customer_id is not None:
        await _require_customer(ctx, customer_id)
        if category is ServiceRequestCategory.DIRECT_BILL_RESTRICTION:
            raise BadRequest("A DirectBillRestriction request is about your own enrollment: leave customerId out.")
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
        customer_tenant_id=customer_id,
        title=title,
        severity=severity,
        notes=[],
        last_modified_at=ctx.now,
    )
    await add_now(ctx.session, request)
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


async def list_customer_service_requests(
    ctx: PartnerContext, page: PageRequest, *, customer_id: uuid.UUID
) -> Page[ServiceRequest]:
    """The caller's requests about one of its customers (404 for a customer it does not hold)."""
    await _require_customer(ctx, customer_id)
    stmt = select(ServiceRequest).where(
        ServiceRequest.sandbox_id == ctx.sandbox_id,
        ServiceRequest.tenant_id == ctx.tenant_id,
        ServiceRequest.customer_tenant_id == customer_id,
    )
    return await keyset(ctx.session, stmt, keys=[ServiceRequest.created_at, ServiceRequest.id], page=page)


CLOSING = frozenset({"closed", "resolved"})


async def update_service_request(
    ctx: PartnerContext,
    *,
    request_id: uuid.UUID,
    new_note: str | None,
    status: str | None,
    title: str | None,
    severity: str | None,
) -> ServiceRequest:
    """The partner adds a note to its open request, changes its title or severity, or closes it (`status: closed`:
    withdrawn, so a DirectBillRestriction closed this way restricts nothing). A closed request takes no change
    (409)."""
    request = await _get(ctx, request_id, for_update=True, tenant_id=ctx.tenant_id)
    if status is not None and status.casefold() not in CLOSING | {"open"}:
        raise BadRequest(f"A partner sets status 'closed' (or leaves it as it is), not '{status}'.")
    if request.status is not ServiceRequestStatus.OPEN:
        raise Conflict(f"The service request is {request.status}: it takes no more changes; open a new one.")
    before = {"title": request.title, "severity": request.severity, "notes": len(request.notes or [])}
    if new_note:
        note = {"text": new_note, "createdByName": ctx.actor.name, "createdDate": ctx.now.isoformat()}
        request.notes = [*(request.notes or []), note]
    request.title = title if title is not None else request.title
    request.severity = severity if severity is not None else request.severity
    request.last_modified_at = ctx.now
    await ctx.session.flush()
    await record_change(
        ctx,
        event="service-request-updated",
        operation_type="update_service_request",
        resource_type="ServiceRequest",
        resource_id=request.id,
        tenant_id=ctx.tenant_id,
        customer_id=request.customer_tenant_id,
        old_value=before,
        new_value={"title": request.title, "severity": request.severity, "notes": len(request.notes or [])},
    )
    if status is not None and status.casefold() in CLOSING:
        await timers.cancel(ctx, kind=RESOLVE_TIMER, ref=request.id)
        await move(
            ctx,
            request,
            SERVICE_REQUEST,
            ServiceRequestStatus.RESOLVED,
            action="close at the partner's request",
            event="service-request-resolved",
            resource_type="ServiceRequest",
            tenant_ids=[request.tenant_id],
        )
        request.resolution = f"Closed by {ctx.actor.name}."
    return request


@timers.on_timer(RESOLVE_TIMER)
async def _resolve_when_due(ctx: SandboxContext, timer: timers.Due) -> None:
    request = await _get(ctx, uuid.UUID(timer.ref))
    if request.status is ServiceRequestStatus.OPEN:
        await resolve_service_request(ctx, request_id=request.id)
