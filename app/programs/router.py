"""Partner Center: profile, enrollments, partner agreements, service requests; and their control routes."""

import uuid
from typing import Annotated, Any

from fastapi import Body, Depends, Path, Query, Request, status

from app.identity import service as identity
from app.identity.schemas import AppOut, TenantCreate, TenantCreated, TenantOut, UserOut
from app.kernel.context import SandboxContext
from app.kernel.pagination import Collection, Page, PageRequest, collection, page_request
from app.kernel.pipeline import PARTNER_CENTER_API, Operator, PartnerCaller, control_router
from app.models import AGREEMENT_TEMPLATES, MCA, AgreementStatus, PartnerProfile, Tenant, TenantKind
from app.programs import enrollment, service, support
from app.programs.schemas import (
    AgreementOut,
    AgreementTemplateOut,
    DecisionIn,
    EnrollmentCreate,
    EnrollmentOut,
    PartnerProfileOut,
    PartnerProfileUpdate,
    ResolveIn,
    RevenueIn,
    RevenueOut,
    ServiceRequestCreate,
    ServiceRequestOut,
    ServiceRequestUpdate,
    service_request_out,
)

router = PARTNER_CENTER_API.router(tags=["partner center: programs"])
control = control_router(tags=["control: programs"])
tenants = control_router(tags=["control: tenants"])
Pages = Annotated[PageRequest, Depends(page_request)]


async def _profile_out(ctx: SandboxContext, tenant: Tenant, profile: PartnerProfile) -> PartnerProfileOut:
    address = profile.address
    return PartnerProfileOut(
        id=tenant.id,
        partner_id=profile.partner_id,
        company_name=tenant.display_name,
        legal_name=profile.legal_name,
        domain=tenant.domain,
        country=tenant.country,
        address={
            "address_line1": address["line1"],
            "address_line2": address.get("line2"),
            "city": address["city"],
            "state": address.get("state"),
            "postal_code": address["postalCode"],
            "country": address["country"],
        }
        if address
        else None,
        primary_contact={"email": profile.primary_contact_email},
        programs=await service.program_statuses(ctx, tenant.id),
    )


@router.get("/profiles/partner", response_model=PartnerProfileOut, summary="Read the partner's profile")
async def read_partner_profile(ctx: PartnerCaller) -> Any:
    """The legal business profile, the PartnerID, and each program with its own status (PRG-7)."""
    return await _profile_out(ctx, *await service.get_partner_profile(ctx))


@router.put("/profiles/partner", response_model=PartnerProfileOut, summary="Update the partner's profile")
async def update_partner_profile(ctx: PartnerCaller, body: PartnerProfileUpdate) -> Any:
    """A Global admin keeps the profile complete; enrollments need it (PRG-4)."""
    a = body.address
    tenant, profile = await service.update_partner_profile(
        ctx,
        legal_name=body.legal_name,
        primary_contact_email=str(body.primary_contact.email),
        partner_id=body.partner_id,
        address={
            "line1": a.address_line1,
            "line2": a.address_line2,
            "city": a.city,
            "state": a.state,
            "postalCode": a.postal_code,
            "country": a.country,
        },
    )
    return await _profile_out(ctx, tenant, profile)


def _enrollment_out(submitted: enrollment.Submitted) -> EnrollmentOut:
    out = EnrollmentOut.model_validate(submitted.enrollment)
    out.warnings = submitted.warnings
    return out


@router.post(
    "/enrollments",
    status_code=status.HTTP_201_CREATED,
    response_model=EnrollmentOut,
    summary="Enroll in a partner program",
)
async def create_enrollment(ctx: PartnerCaller, body: EnrollmentCreate) -> Any:
    """DirectBill, IndirectReseller or IndirectProvider. PRG-1, PRG-3, PRG-4, PRG-5, PRG-8, PRG-10 apply; a
    direct-bill enrollment that overrides indirect reseller access answers its warning in `warnings`."""
    return _enrollment_out(
        await enrollment.enroll(
            ctx,
            program=body.program,
            primary_contact_email=str(body.primary_contact_email) if body.primary_contact_email else None,
            acknowledge_indirect_override=body.acknowledge_indirect_override,
        )
    )


@router.get("/enrollments", response_model=Collection[EnrollmentOut], summary="List the partner's enrollments")
async def list_enrollments(ctx: PartnerCaller, request: Request, page: Pages) -> Any:
    found = await enrollment.list_enrollments(ctx, page, tenant_id=ctx.actor.tenant_id)
    return collection(request, found, [EnrollmentOut.model_validate(e) for e in found.items])


@router.get("/enrollments/{enrollment_id}", response_model=EnrollmentOut, summary="Read an enrollment")
async def read_enrollment(ctx: PartnerCaller, enrollment_id: uuid.UUID) -> Any:
    return EnrollmentOut.model_validate(await enrollment.get_enrollment(ctx, enrollment_id))


@router.get(
    "/agreements",
    response_model=Collection[AgreementOut | AgreementTemplateOut],
    summary="List the partner's agreements, or the customer agreement templates",
)
async def list_agreements(
    ctx: PartnerCaller,
    request: Request,
    page: Pages,
    agreement_status: Annotated[AgreementStatus | None, Query(alias="status")] = None,
    agreement_type: Annotated[str | None, Query(alias="agreementType")] = None,
) -> Any:
    """The Microsoft Partner Agreement an approved indirect reseller enrollment brings (PRG-6). With
    `agreementType=MicrosoftCustomerAgreement`: the MCA's template metadata (its `templateId` goes into
    attestations, AGR-3)."""
    if agreement_type == MCA:
        templates = [AgreementTemplateOut.model_validate(t) for t in AGREEMENT_TEMPLATES]
        return collection(request, Page(items=templates, total=len(templates), next_token=None), templates)
    found = await enrollment.list_agreements(ctx, page, status=agreement_status, agreement_type=agreement_type)
    return collection(request, found, [AgreementOut.model_validate(a) for a in found.items])


@router.post("/agreements/{agreement_id}/accept", response_model=AgreementOut, summary="Accept a partner agreement")
async def accept_agreement(ctx: PartnerCaller, agreement_id: uuid.UUID) -> Any:
    """Only a Global admin (PRG-4); acceptance activates the indirect reseller enrollment (PRG-6)."""
    return AgreementOut.model_validate(await enrollment.accept_agreement(ctx, agreement_id=agreement_id))


@router.post(
    "/servicerequests",
    status_code=status.HTTP_201_CREATED,
    response_model=ServiceRequestOut,
    summary="Open a service request to support",
)
async def open_service_request(ctx: PartnerCaller, body: ServiceRequestCreate) -> Any:
    """`DirectBillRestriction` asks support to move direct bill Active -> Restricted (PRG-3); with `customerId`, a
    request about one of your customers."""
    opened = await support.open_service_request(
        ctx,
        category=body.category,
        description=body.description,
        title=body.title,
        severity=body.severity,
        customer_id=body.customer_id,
    )
    return service_request_out(opened, await support.requester(ctx))


@router.post(
    "/servicerequests/{agent_locale}",
    status_code=status.HTTP_201_CREATED,
    response_model=ServiceRequestOut,
    summary="Open a service request to support, in the agent's locale (Partner Center's documented path)",
)
async def open_service_request_in_locale(
    ctx: PartnerCaller,
    body: ServiceRequestCreate,
    agent_locale: Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")],
) -> Any:
    """As `POST /v1/servicerequests`; `en-US` names the language support answers in (cspsim's answers in one)."""
    return await open_service_request(ctx, body)


@router.get("/servicerequests", response_model=Collection[ServiceRequestOut], summary="List service requests")
async def list_service_requests(ctx: PartnerCaller, request: Request, page: Pages) -> Any:
    found = await support.list_service_requests(ctx, page)
    by = await support.requester(ctx)
    return collection(request, found, [service_request_out(r, by) for r in found.items])


@router.get("/servicerequests/{request_id}", response_model=ServiceRequestOut, summary="Read a service request")
async def read_service_request(ctx: PartnerCaller, request_id: uuid.UUID) -> Any:
    found = await support.get_service_request(ctx, request_id)
    return service_request_out(found, await support.requester(ctx))


@router.patch("/servicerequests/{request_id}", response_model=ServiceRequestOut, summary="Update a service request")
async def update_service_request(ctx: PartnerCaller, request_id: uuid.UUID, body: ServiceRequestUpdate) -> Any:
    """Add a note (`newNote`), change the title or severity, or close it (`status: closed`); a closed request takes
    no change (409)."""
    updated = await support.update_service_request(
        ctx,
        request_id=request_id,
        new_note=body.new_note.text if body.new_note else None,
        status=body.status,
        title=body.title,
        severity=body.severity,
    )
    return service_request_out(updated, await support.requester(ctx))


# --- control surface ---------------------------------------------------------------------------------------------


async def _revenue_out(ctx: SandboxContext, tenant_id: uuid.UUID) -> RevenueOut:
    first, last = service.trailing_window(ctx.now)
    trailing = await service.trailing_revenue(ctx, tenant_id)
    months = await service.revenue_months(ctx, tenant_id)
    return RevenueOut(
        months=[{"month": m.month, "amount_usd": m.amount_usd} for m in months],
        window_start=first,
        window_end=last,
        trailing_twelve_months_usd=trailing,
        threshold_usd=ctx.settings.revenue_threshold_usd,
        meets_threshold=trailing >= ctx.settings.revenue_threshold_usd,
    )


@control.put("/tenants/{tenant_id}/revenue", response_model=RevenueOut, summary="Record a partner's monthly revenue")
async def set_revenue(ctx: Operator, tenant_id: uuid.UUID, body: RevenueIn) -> Any:
    """Monthly CSP revenue figures; a month given again replaces its figure. Answers the trailing-12-month sum at
    the sandbox clock's now (PRG-1)."""
    tenant = await identity.get_tenant(ctx, tenant_id)
    await service.set_revenue(ctx, tenant, [(m.month, m.amount_usd) for m in body.months])
    return await _revenue_out(ctx, tenant.id)


@control.get("/tenants/{tenant_id}/revenue", response_model=RevenueOut, summary="Read a partner's revenue")
async def read_revenue(ctx: Operator, tenant_id: uuid.UUID) -> Any:
    return await _revenue_out(ctx, (await identity.get_tenant(ctx, tenant_id)).id)


@control.get("/enrollments", response_model=Collection[EnrollmentOut], summary="List every enrollment")
async def list_all_enrollments(
    ctx: Operator, request: Request, page: Pages, tenant_id: Annotated[uuid.UUID | None, Query(alias="tenantId")] = None
) -> Any:
    found = await enrollment.list_enrollments(ctx, page, tenant_id=tenant_id)
    return collection(request, found, [EnrollmentOut.model_validate(e) for e in found.items])


@control.post(
    "/enrollments/{enrollment_id}/decision",
    response_model=EnrollmentOut,
    summary="Approve or reject a pending enrollment",
)
async def decide_enrollment(ctx: Operator, enrollment_id: uuid.UUID, body: DecisionIn) -> Any:
    """What Microsoft's review does, early: approve (notifying the form's contact) or reject with a reason."""
    return EnrollmentOut.model_validate(
        await enrollment.decide_enrollment(
            ctx, enrollment_id=enrollment_id, approve=body.decision == "approve", reason=body.reason
        )
    )


@control.post(
    "/servicerequests/{request_id}/resolve",
    response_model=ServiceRequestOut,
    summary="Resolve a service request as support",
)
async def resolve_service_request(
    ctx: Operator, request_id: uuid.UUID, body: Annotated[ResolveIn | None, Body()] = None
) -> Any:
    """A resolved DirectBillRestriction moves direct bill Active -> Restricted (PRG-3)."""
    return ServiceRequestOut.model_validate(
        await support.resolve_service_request(ctx, request_id=request_id, resolution=body.resolution if body else None)
    )


# --- control: tenants with their profile and capabilities ---------------------------------------------------------


async def _tenant_out(ctx: SandboxContext, tenant: Tenant) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": tenant.id,
        "kind": tenant.kind,
        "display_name": tenant.display_name,
        "domain": tenant.domain,
        "country": tenant.country,
        "created_at": tenant.created_at,
    }
    profile = await service.find_profile(ctx, tenant.id)
    if profile is not None:
        can = await service.capabilities(ctx, tenant.id)
        out |= {
            "partner_id": profile.partner_id,
            "profile": {
                "legal_name": profile.legal_name,
                "address": profile.address,
                "primary_contact_email": profile.primary_contact_email,
            },
            "capabilities": {
                "direct_bill": can.direct_bill,
                "indirect_reseller": can.indirect_reseller,
                "indirect_provider": can.indirect_provider,
                "api_access": can.api_access,
            },
        }
    return out


@tenants.post(
    "/tenants",
    status_code=status.HTTP_201_CREATED,
    response_model=TenantCreated,
    summary="Create a tenant with its users and apps",
)
async def create_tenant(ctx: Operator, body: TenantCreate) -> Any:
    """A partner (with its PartnerID and profile) or a customer tenant; passwords and client secrets that
    cspsim generates are answered once."""
    profile = body.profile
    registered = await service.register_tenant(
        ctx,
        kind=body.kind,
        display_name=body.display_name,
        domain=body.domain,
        country=body.country,
        partner_id=body.partner_id,
        profile=profile.model_dump(by_alias=True, mode="json") if profile else None,
        users=[identity.NewUser(str(u.user_principal_name), u.display_name, u.password, u.roles) for u in body.users],
        apps=[a.display_name for a in body.apps],
    )
    users = [{**UserOut.model_validate(u).model_dump(), "password": pw} for u, pw in registered.users]
    apps = [{**AppOut.model_validate(a).model_dump(), "client_secret": secret} for a, secret in registered.apps]
    return {**await _tenant_out(ctx, registered.tenant), "users": users, "apps": apps}


@tenants.get("/tenants", response_model=Collection[TenantOut], summary="List the sandbox's tenants")
async def list_tenants(
    ctx: Operator, request: Request, page: Pages, kind: Annotated[TenantKind | None, Query()] = None
) -> Any:
    found = await identity.list_tenants(ctx, page, kind=kind)
    return collection(request, found, [await _tenant_out(ctx, t) for t in found.items])


@tenants.get("/tenants/{tenant_id}", response_model=TenantOut, summary="Read a tenant")
async def read_tenant(ctx: Operator, tenant_id: uuid.UUID) -> Any:
    return await _tenant_out(ctx, await identity.get_tenant(ctx, tenant_id))
