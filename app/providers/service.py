"""The indirect provider directory (PRV-1) and partnerships (PRV-2)."""

import uuid

from sqlalchemy import select

from app.events.service import move, notify, record_event
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, NotFound, RuleViolation
from app.kernel.lookup import one
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.roles import PartnerRole, require_role
from app.kernel.statements import add_now
from app.models import Enrollment, EnrollmentStatus, PartnerProfile, Partnership, PartnershipStatus, Program, Tenant
from app.programs import service as programs
from app.providers.lifecycle import PARTNERSHIP
from app.wire import WireEnum


class RelationshipType(WireEnum):
    """Partner Center's names; the request says them in PascalCase, the answer in snake_case."""

    IS_INDIRECT_RESELLER_OF = "IsIndirectResellerOf"
    IS_INDIRECT_CLOUD_SOLUTION_PROVIDER_OF = "IsIndirectCloudSolutionProviderOf"

    @property
    def wire(self) -> str:
        return "".join(f"_{c.lower()}" if c.isupper() else c for c in self.value).lstrip("_")


async def directory(ctx: SandboxContext, page: PageRequest, *, country: str | None) -> Page[Tenant]:
    """PRV-1: every tenant with an active indirect provider enrollment, searchable by country."""
    stmt = (
        select(Tenant)
        .join(Enrollment, (Enrollment.sandbox_id == Tenant.sandbox_id) & (Enrollment.tenant_id == Tenant.id))
        .where(
            Tenant.sandbox_id == ctx.sandbox_id,
            Enrollment.program == Program.INDIRECT_PROVIDER,
            Enrollment.status == EnrollmentStatus.ACTIVE,
        )
    )
    if country:
        stmt = stmt.where(Tenant.country == country.upper())
    return await keyset(ctx.session, stmt, keys=[Tenant.id], page=page)


async def _reseller_tenant(ctx: SandboxContext, *, tenant_id: uuid.UUID | None, partner_id: str | None) -> Tenant:
    if (tenant_id is None) == (partner_id is None):
        raise BadRequest("Name the reseller by resellerTenantId or by resellerPartnerId (its PartnerID), not both.")
    if partner_id is not None:
        profile = await ctx.session.scalar(
            select(PartnerProfile).where(
                PartnerProfile.sandbox_id == ctx.sandbox_id, PartnerProfile.partner_id == partner_id
            )
        )
        tenant_id = profile.tenant_id if profile else None
    tenant = await ctx.session.get(Tenant, (ctx.sandbox_id, tenant_id)) if tenant_id else None
    if tenant is None or await programs.find_profile(ctx, tenant.id) is None:
        raise NotFound("Partner", partner_id or tenant_id)
    return tenant


async def invite_reseller(
    ctx: PartnerContext, *, reseller_tenant_id: uuid.UUID | None, reseller_partner_id: str | None
) -> Partnership:
    """PRV-2: an indirect provider invites an indirect reseller to partner with it (a link it sends)."""
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, action="invite a reseller", apps=True)
    provider_id = ctx.tenant_id
    if not (await programs.capabilities(ctx, provider_id)).indirect_provider:
        raise RuleViolation(
            "PRV-2",
            "Only an indirect provider (an active IndirectProvider enrollment) invites resellers to partner with it.",
        )
    reseller = await _reseller_tenant(ctx, tenant_id=reseller_tenant_id, partner_id=reseller_partner_id)
    if reseller.id == provider_id:
        raise BadRequest("A provider cannot partner with itself.")
    existing = await _partnership(ctx, provider_id=provider_id, reseller_id=reseller.id)
    if existing is not None:
        raise Conflict(f"There is already a partnership ({existing.status}) with this reseller: {existing.id}.")
    partnership = Partnership(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        provider_tenant_id=provider_id,
        reseller_tenant_id=reseller.id,
        status=PartnershipStatus.INVITED,
        invited_by=ctx.actor.name,
        invited_at=ctx.now,
    )
    await add_now(ctx.session, partnership)
    await record_event(
        ctx,
        name="partnership-invitation-created",
        resource_type="Partnership",
        resource_id=partnership.id,
        tenant_ids=[provider_id, reseller.id],
    )
    profile = await programs.find_profile(ctx, reseller.id)
    if profile and profile.primary_contact_email:
        await notify(
            ctx,
            to=profile.primary_contact_email,
            kind="partnership-invitation",
            tenant_id=reseller.id,
            subject="An indirect provider invites you to partner with it",
            body=f"Sign in to Partner Center as a Global admin and accept invitation {partnership.id}.",
        )
    return partnership


async def _partnership(ctx: SandboxContext, *, provider_id: uuid.UUID, reseller_id: uuid.UUID) -> Partnership | None:
    return (
        await ctx.session.execute(
            select(Partnership).where(
                Partnership.sandbox_id == ctx.sandbox_id,
                Partnership.provider_tenant_id == provider_id,
                Partnership.reseller_tenant_id == reseller_id,
            )
        )
    ).scalar_one_or_none()


async def accept_partnership(ctx: PartnerContext, *, invitation_id: uuid.UUID) -> Partnership:
    """PRV-2: only a Global admin of the invited reseller accepts, and only as an enrolled indirect reseller."""
    partnership = await one(
        ctx,
        Partnership,
        invitation_id,
        what="Partnership invitation",
        for_update=True,
        where=[Partnership.reseller_tenant_id == ctx.tenant_id],
    )
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, action="accept a partnership invitation", rule="PRV-2")
    if not (await programs.capabilities(ctx, partnership.reseller_tenant_id)).indirect_reseller:
        raise RuleViolation(
            "PRV-2",
            "Enroll as an indirect reseller (and accept its agreement) before accepting a "
            "provider's partnership invitation.",
        )
    await move(
        ctx,
        partnership,
        PARTNERSHIP,
        PartnershipStatus.ACTIVE,
        action="accept",
        event="partnership-accepted",
        resource_type="Partnership",
        tenant_ids=[partnership.provider_tenant_id, partnership.reseller_tenant_id],
    )
    partnership.accepted_by = ctx.actor.name
    return partnership


async def list_invitations(ctx: PartnerContext, page: PageRequest) -> Page[Partnership]:
    """The calling partner's partnership invitations, sent or received."""
    me = ctx.tenant_id
    stmt = select(Partnership).where(
        Partnership.sandbox_id == ctx.sandbox_id,
        (Partnership.provider_tenant_id == me) | (Partnership.reseller_tenant_id == me),
    )
    return await keyset(ctx.session, stmt, keys=[Partnership.invited_at, Partnership.id], page=page)


async def partners(ctx: PartnerContext, page: PageRequest, *, relationship_type: RelationshipType) -> Page[Tenant]:
    """PRV-1/PRV-2: a reseller's providers (IsIndirectResellerOf) or a provider's resellers, once Active."""
    me = ctx.tenant_id
    if relationship_type is RelationshipType.IS_INDIRECT_RESELLER_OF:
        mine, theirs = Partnership.reseller_tenant_id, Partnership.provider_tenant_id
    else:
        mine, theirs = Partnership.provider_tenant_id, Partnership.reseller_tenant_id
    stmt = (
        select(Tenant)
        .join(Partnership, (Partnership.sandbox_id == Tenant.sandbox_id) & (theirs == Tenant.id))
        .where(Tenant.sandbox_id == ctx.sandbox_id, mine == me, Partnership.status == PartnershipStatus.ACTIVE)
    )
    return await keyset(ctx.session, stmt, keys=[Tenant.id], page=page)


async def are_partners(ctx: SandboxContext, *, provider_id: uuid.UUID, reseller_id: uuid.UUID) -> bool:
    """Whether the reseller accepted the provider's partnership invitation (asked by the customers domain)."""
    partnership = await _partnership(ctx, provider_id=provider_id, reseller_id=reseller_id)
    return partnership is not None and partnership.status is PartnershipStatus.ACTIVE
