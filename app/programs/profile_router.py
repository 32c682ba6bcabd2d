"""Partner Center: the partner's profiles (MPN, legal business, organization, billing, support), a partner's MPA
status, and agreement documents."""

from typing import Annotated, Any

from fastapi import Header, Path, Query, Response

from app.kernel.pagination import Link
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller
from app.models import ProfileSection
from app.programs import profiles
from app.programs.profile_schemas import (
    AgreementDocumentOut,
    AgreementStatusOut,
    BillingProfileIn,
    BillingProfileOut,
    LegalBusinessProfileIn,
    LegalBusinessProfileOut,
    MpnProfileOut,
    OrganizationProfileIn,
    OrganizationProfileOut,
    ProfileIn,
    SupportProfileIn,
    SupportProfileOut,
)
from app.wire import Schema

router = PARTNER_CENTER_API.router(tags=["partner center: partner profiles"])
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=200)]

# Partner Center spells a profile's type in snake case (`legal_business_profile`), its objectType in Pascal case.
PROFILE_TYPES = {
    ProfileSection.LEGAL_BUSINESS: "legal_business_profile",
    ProfileSection.ORGANIZATION: "organization_profile",
    ProfileSection.BILLING: "billing_profile",
    ProfileSection.SUPPORT: "support_profile",
}
PATHS = {
    ProfileSection.LEGAL_BUSINESS: "legalbusiness",
    ProfileSection.ORGANIZATION: "organization",
    ProfileSection.BILLING: "billing",
    ProfileSection.SUPPORT: "support",
}


def _out(model: type[Schema], found: profiles.Section, response: Response) -> Any:
    response.headers["ETag"] = f'"{found.etag}"'
    return model.model_validate(
        found.document
        | {
            "profileType": PROFILE_TYPES[found.section],
            "links": {"self": Link(uri=f"/v1/profiles/{PATHS[found.section]}")},
            "attributes": {"etag": found.etag, "objectType": found.section.value},
        }
    )


async def _write(
    ctx: PartnerCaller, section: ProfileSection, body: ProfileIn, if_match: str | None
) -> profiles.Section:
    document = body.model_dump(
        by_alias=True, mode="json", exclude_none=True, exclude={"profile_type", "links", "attributes"}
    )
    etag = if_match or (body.attributes.etag if body.attributes else None)
    return await profiles.write_section(ctx, section, document=document, if_match=etag)


@router.get("/profiles/mpn", response_model=MpnProfileOut, summary="Read a partner's MPN profile")
async def read_mpn_profile(
    ctx: PartnerCaller,
    mpn_id: Annotated[str | None, Query(alias="mpnId", min_length=1, max_length=20)] = None,
) -> Any:
    """Your own PartnerID; with `?mpnId=`, verify another partner's (404, code 800015, when no partner has it)."""
    found = await profiles.mpn_profile(ctx, mpn_id)
    uri = "/v1/profiles/mpn" + (f"?mpnId={mpn_id}" if mpn_id else "")
    return MpnProfileOut(partner_name=found.tenant.display_name, mpn_id=found.partner_id, links={"self": Link(uri=uri)})


@router.get(
    "/profiles/legalbusiness", response_model=LegalBusinessProfileOut, summary="Read the legal business profile"
)
async def read_legal_business_profile(ctx: PartnerCaller, response: Response) -> Any:
    return _out(LegalBusinessProfileOut, await profiles.read_section(ctx, ProfileSection.LEGAL_BUSINESS), response)


@router.put(
    "/profiles/legalbusiness", response_model=LegalBusinessProfileOut, summary="Update the legal business profile"
)
async def update_legal_business_profile(
    ctx: PartnerCaller, response: Response, body: LegalBusinessProfileIn, if_match: IfMatch = None
) -> Any:
    """Global admin; also the partner profile's legal name, address and primary contact (PRG-4). 412 when stale."""
    found = await _write(ctx, ProfileSection.LEGAL_BUSINESS, body, if_match)
    return _out(LegalBusinessProfileOut, found, response)


@router.get("/profiles/organization", response_model=OrganizationProfileOut, summary="Read the organization profile")
async def read_organization_profile(ctx: PartnerCaller, response: Response) -> Any:
    return _out(OrganizationProfileOut, await profiles.read_section(ctx, ProfileSection.ORGANIZATION), response)


@router.put("/profiles/organization", response_model=OrganizationProfileOut, summary="Update the organization profile")
async def update_organization_profile(
    ctx: PartnerCaller, response: Response, body: OrganizationProfileIn, if_match: IfMatch = None
) -> Any:
    """Global admin; the tenant's id and domain are the tenant's own and stay as they are. 412 when stale."""
    found = await _write(ctx, ProfileSection.ORGANIZATION, body, if_match)
    return _out(OrganizationProfileOut, found, response)


@router.get("/profiles/billing", response_model=BillingProfileOut, summary="Read the partner's billing profile")
async def read_partner_billing_profile(ctx: PartnerCaller, response: Response) -> Any:
    return _out(BillingProfileOut, await profiles.read_section(ctx, ProfileSection.BILLING), response)


@router.put("/profiles/billing", response_model=BillingProfileOut, summary="Update the partner's billing profile")
async def update_partner_billing_profile(
    ctx: PartnerCaller, response: Response, body: BillingProfileIn, if_match: IfMatch = None
) -> Any:
    found = await _write(ctx, ProfileSection.BILLING, body, if_match)
    return _out(BillingProfileOut, found, response)


@router.get("/profiles/support", response_model=SupportProfileOut, summary="Read the partner's support profile")
async def read_support_profile(ctx: PartnerCaller, response: Response) -> Any:
    return _out(SupportProfileOut, await profiles.read_section(ctx, ProfileSection.SUPPORT), response)


@router.put("/profiles/support", response_model=SupportProfileOut, summary="Update the partner's support profile")
async def update_support_profile(
    ctx: PartnerCaller, response: Response, body: SupportProfileIn, if_match: IfMatch = None
) -> Any:
    found = await _write(ctx, ProfileSection.SUPPORT, body, if_match)
    return _out(SupportProfileOut, found, response)


@router.get(
    "/compliance/{program_name}/agreementstatus",
    response_model=AgreementStatusOut,
    summary="Whether a partner has signed the Microsoft Partner Agreement",
)
async def mpa_status(
    ctx: PartnerCaller,
    program_name: Annotated[str, Path(max_length=20)],
    mpn_id: Annotated[str | None, Query(alias="mpnId", max_length=20)] = None,
    tenant_id: Annotated[str | None, Query(alias="tenantId", max_length=64)] = None,
) -> Any:
    """`csp`, with exactly one of `mpnId` and `tenantId` (400 code 2001 when neither, 2000 when both or malformed)."""
    signed = await profiles.mpa_signed(ctx, program=program_name, mpn_id=mpn_id, tenant_id=tenant_id)
    return AgreementStatusOut(is_agreement_signed=signed)


@router.get(
    "/agreementtemplates/{template_id}/document",
    response_model=AgreementDocumentOut,
    summary="An agreement template's document",
)
async def agreement_document(
    ctx: PartnerCaller,
    template_id: Annotated[str, Path(max_length=64)],
    language: Annotated[str, Query(max_length=10)] = "en-US",
    country: Annotated[str, Query(pattern=r"^[A-Za-z]{2}$")] = "US",
) -> Any:
    """The document of the customer agreement's template (or the partner agreement's), in a language and country."""
    document = profiles.agreement_document(template_id=template_id, language=language, country=country)
    return AgreementDocumentOut(
        template_id=document.template_id,
        agreement_type=document.agreement_type,
        agreement_link=document.agreement_link,
        display_uri=document.display_uri,
        download_uri=document.download_uri,
        language_code=document.language,
        country_code=document.country,
    )
