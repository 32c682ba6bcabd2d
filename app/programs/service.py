"""The partner profile (and, as the programs land, enrollments and agreements)."""

import uuid
from typing import Any

from sqlalchemy import select

from app.errors import BadRequest, Conflict, NotFound
from app.models import PartnerProfile, Tenant, TenantKind
from app.sandboxes.context import SandboxContext


async def create_profile(
    ctx: SandboxContext,
    tenant: Tenant,
    *,
    partner_id: str | None,
    legal_name: str | None,
    address: dict[str, Any] | None,
    primary_contact_email: str | None,
) -> PartnerProfile:
    """A partner tenant's profile; the PartnerID is unique within the sandbox."""
    if tenant.kind is not TenantKind.PARTNER:
        raise BadRequest("Only a partner tenant has a partner profile and a PartnerID.")
    if partner_id and await ctx.session.scalar(
        select(PartnerProfile.tenant_id).where(
            PartnerProfile.sandbox_id == ctx.sandbox_id, PartnerProfile.partner_id == partner_id
        )
    ):
        raise Conflict(f"The PartnerID {partner_id} already belongs to another partner in this sandbox.")
    profile = PartnerProfile(
        sandbox_id=ctx.sandbox_id,
        tenant_id=tenant.id,
        partner_id=partner_id,
        legal_name=legal_name,
        address=address,
        primary_contact_email=primary_contact_email.lower() if primary_contact_email else None,
        updated_at=ctx.now,
    )
    ctx.session.add(profile)
    await ctx.session.flush()
    return profile


async def find_profile(ctx: SandboxContext, tenant_id: uuid.UUID) -> PartnerProfile | None:
    return await ctx.session.get(PartnerProfile, (ctx.sandbox_id, tenant_id))


async def get_partner_profile(ctx: SandboxContext) -> tuple[Tenant, PartnerProfile]:
    """The calling partner's own profile."""
    tenant = await ctx.session.get(Tenant, (ctx.sandbox_id, ctx.actor.tenant_id))
    profile = await find_profile(ctx, ctx.actor.tenant_id) if ctx.actor.tenant_id else None
    if tenant is None or profile is None:
        raise NotFound("The partner profile of tenant", ctx.actor.tenant_id)
    return tenant, profile


def program_statuses(profile: PartnerProfile) -> list[dict[str, str]]:
    """Each program the partner has, with its own status (PRG-7); filled by the programs issue."""
    return []
