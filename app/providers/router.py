"""Partner Center: the indirect provider directory, partnership invitations, partner relationships."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status

from app.kernel.context import SandboxContext
from app.kernel.pagination import Collection, PageRequest, collection, page_request
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller
from app.models import Partnership, Tenant
from app.programs import service as programs
from app.providers import service
from app.providers.schemas import (
    IndirectProviderOut,
    PartnerRelationshipOut,
    PartnershipInvitationCreate,
    PartnershipInvitationOut,
)

router = PARTNER_CENTER_API.router(tags=["partner center: indirect providers"])
Pages = Annotated[PageRequest, Depends(page_request)]


async def _mpn_ids(ctx: SandboxContext, tenants: list[Tenant]) -> dict[uuid.UUID, str | None]:
    """Each listed tenant's PartnerID, read in one query for the whole page."""
    profiles = await programs.find_profiles(ctx, [t.id for t in tenants])
    return {t.id: profiles[t.id].partner_id if t.id in profiles else None for t in tenants}


def _invitation_out(request: Request, partnership: Partnership) -> PartnershipInvitationOut:
    link = str(request.url_for("accept_partnership_invitation", invitation_id=partnership.id))
    return PartnershipInvitationOut(
        id=partnership.id,
        provider_tenant_id=partnership.provider_tenant_id,
        reseller_tenant_id=partnership.reseller_tenant_id,
        status=partnership.status,
        link=link,
        invited_at=partnership.invited_at,
        active_at=partnership.active_at,
    )


@router.get(
    "/indirectproviders",
    response_model=Collection[IndirectProviderOut],
    summary="Search the indirect provider directory",
)
async def indirect_providers(
    ctx: PartnerCaller,
    request: Request,
    page: Pages,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
) -> Any:
    """PRV-1: the providers of the program, by country or region."""
    found = await service.directory(ctx, page, country=country)
    mpn_ids = await _mpn_ids(ctx, found.items)
    items = [
        IndirectProviderOut(id=t.id, name=t.display_name, mpn_id=mpn_ids[t.id], location=t.country) for t in found.items
    ]
    return collection(request, found, items)


@router.post(
    "/partnerships/invitations",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnershipInvitationOut,
    summary="Invite a reseller to partner (provider)",
)
async def invite_reseller(ctx: PartnerCaller, request: Request, body: PartnershipInvitationCreate) -> Any:
    """PRV-2: the provider's invitation, a link the reseller's Global admin follows to accept."""
    partnership = await service.invite_reseller(
        ctx, reseller_tenant_id=body.reseller_tenant_id, reseller_partner_id=body.reseller_partner_id
    )
    return _invitation_out(request, partnership)


@router.get(
    "/partnerships/invitations",
    response_model=Collection[PartnershipInvitationOut],
    summary="List partnership invitations sent or received",
)
async def list_partnership_invitations(ctx: PartnerCaller, request: Request, page: Pages) -> Any:
    found = await service.list_invitations(ctx, page)
    return collection(request, found, [_invitation_out(request, p) for p in found.items])


@router.post(
    "/partnerships/invitations/{invitation_id}/accept",
    response_model=PartnershipInvitationOut,
    summary="Accept a provider's partnership invitation (reseller)",
)
async def accept_partnership_invitation(ctx: PartnerCaller, request: Request, invitation_id: uuid.UUID) -> Any:
    """PRV-2: only a Global admin of the reseller; then each partner appears in the other's list."""
    return _invitation_out(request, await service.accept_partnership(ctx, invitation_id=invitation_id))


@router.get(
    "/relationships",
    response_model=Collection[PartnerRelationshipOut],
    summary="List the partner's providers or resellers",
)
async def partner_relationships(
    ctx: PartnerCaller,
    request: Request,
    page: Pages,
    relationship_type: Annotated[service.RelationshipType, Query(alias="relationship_type")],
) -> Any:
    """`IsIndirectResellerOf`: the providers a reseller partners with; `IsIndirectCloudSolutionProviderOf`: a
    provider's resellers. Items answer `relationshipType` in snake_case, as Partner Center does."""
    found = await service.partners(ctx, page, relationship_type=relationship_type)
    mpn_ids = await _mpn_ids(ctx, found.items)
    items = [
        PartnerRelationshipOut(
            id=t.id,
            name=t.display_name,
            relationship_type=relationship_type.wire,
            mpn_id=mpn_ids[t.id],
            location=t.country,
        )
        for t in found.items
    ]
    return collection(request, found, items)
