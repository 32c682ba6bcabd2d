"""Partner Center: the partner profile."""

from typing import Any

from fastapi import APIRouter

from app.db import TransactionalRoute
from app.identity.principal import PartnerCaller, partner_router_dependencies
from app.programs import service
from app.programs.schemas import PartnerProfileOut

router = APIRouter(
    prefix="/v1",
    tags=["partner center: profile"],
    route_class=TransactionalRoute,
    dependencies=partner_router_dependencies,
)


@router.get("/profiles/partner", response_model=PartnerProfileOut, summary="Read the partner's profile")
async def read_partner_profile(ctx: PartnerCaller) -> Any:
    tenant, profile = await service.get_partner_profile(ctx)
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
        programs=service.program_statuses(profile),
    )
