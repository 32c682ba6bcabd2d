"""A partner's Partner Center profiles, section by section (legal business, organization, billing, support), its
MPN profile (and another partner's, by PartnerID), the MPA status of a partner, and agreement documents.

Each section is a document: what the partner profile already holds (legal name, address, primary contact), what
the tenant names (company, domain, country), overlaid with what the partner last wrote to that section. Its etag is
the hash of the document, so a write based on a stale read answers 412."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select

from app.kernel.context import SandboxContext
from app.kernel.errors import BadRequest, NotFound, PreconditionFailed
from app.models import (
    AGREEMENT_TEMPLATES,
    AgreementStatus,
    PartnerAgreement,
    PartnerProfile,
    PartnerProfileSection,
    ProfileSection,
    Tenant,
)
from app.programs import service
from app.wire import document_etag, sent_etag

MPA = "MicrosoftPartnerAgreement"
# cspsim's own id for the partner agreement's template (Partner Center publishes none for it).
MPA_TEMPLATE_ID = "4cd2b4b4-3f8b-4ab7-9c4e-4d6c5e2f1a34"
# The agreement documents cspsim serves: the customer agreement's template, and the partner agreement's.
DOCUMENTS: dict[str, tuple[str, str]] = {
    **{str(t["template_id"]): (str(t["agreement_type"]), str(t["agreement_link"])) for t in AGREEMENT_TEMPLATES},
    MPA_TEMPLATE_ID: (MPA, "https://aka.ms/partneragreement"),
}
DOCUMENT_LANGUAGES = frozenset({"en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "ja-JP", "nl-NL", "pt-BR"})


@dataclass(frozen=True)
class Section:
    tenant: Tenant
    profile: PartnerProfile
    section: ProfileSection
    document: dict[str, Any]

    @property
    def etag(self) -> str:
        return document_etag(self.document)


def _address(profile: PartnerProfile, tenant: Tenant) -> dict[str, Any]:
    a = profile.address or {}
    return {
        "country": a.get("country") or tenant.country,
        "city": a.get("city"),
        "state": a.get("state"),
        "addressLine1": a.get("line1"),
        "addressLine2": a.get("line2"),
        "postalCode": a.get("postalCode"),
    }


def _contact(profile: PartnerProfile) -> dict[str, Any]:
    return {"firstName": None, "lastName": None, "email": profile.primary_contact_email, "phoneNumber": None}


def _defaults(section: ProfileSection, tenant: Tenant, profile: PartnerProfile) -> dict[str, Any]:
    """What a section reads before the partner ever wrote it, from the profile and the tenant."""
    name = profile.legal_name or tenant.display_name
    if section is ProfileSection.LEGAL_BUSINESS:
        return {
            "address": _address(profile, tenant),
            "companyApproverAddress": _address(profile, tenant),
            "companyApproverEmail": profile.primary_contact_email,
            "companyName": name,
            "primaryContact": _contact(profile),
        }
    if section is ProfileSection.ORGANIZATION:
        return {
            "id": str(tenant.id),
            "companyName": tenant.display_name,
            "defaultAddress": _address(profile, tenant),
            "tenantId": str(tenant.id),
            "domain": tenant.domain,
            "email": profile.primary_contact_email,
            "language": "en",
            "culture": "en-US",
        }
    if section is ProfileSection.BILLING:
        return {
            "companyName": name,
            "address": _address(profile, tenant),
            "primaryContact": _contact(profile),
            "purchaseOrderNumber": None,
            "taxId": None,
            "billingCurrency": "USD" if tenant.country == "US" else None,
        }
    return {"email": profile.primary_contact_email, "telephone": None, "website": None, "displayName": name}


async def read_section(ctx: SandboxContext, section: ProfileSection) -> Section:
    """The calling partner's section: its defaults overlaid with what the partner last wrote."""
    tenant, profile = await service.get_partner_profile(ctx)
    stored = await ctx.session.get(PartnerProfileSection, (ctx.sandbox_id, tenant.id, section))
    document = _defaults(section, tenant, profile) | (stored.body if stored else {})
    if section is ProfileSection.LEGAL_BUSINESS:
        # The partner profile's own fields stay the truth (PRG-4 reads them), whoever wrote them last.
        document |= {"companyName": profile.legal_name or document["companyName"]}
        document["address"] = document["address"] | {k: v for k, v in _address(profile, tenant).items() if v}
        document["primaryContact"] = document["primaryContact"] | {"email": profile.primary_contact_email}
    return Section(tenant, profile, section, document)


async def write_section(
    ctx: SandboxContext, section: ProfileSection, *, document: dict[str, Any], if_match: str | None
) -> Section:
    """Replace a section (Global admin). A stale etag (If-Match, or the body's `attributes.etag`) answers 412. The
    legal business profile also updates the partner profile's legal name, address and primary contact email, which
    the enrollments check (PRG-4)."""
    service.require_global_admin(ctx, f"update the {section}")
    current = await read_section(ctx, section)
    if if_match is not None and sent_etag(if_match) != current.etag:
        raise PreconditionFailed(
            f"The {section} changed since that etag was read: read it again and send its etag in If-Match.",
            data=[{"currentEtag": current.etag}],
        )
    if section is ProfileSection.LEGAL_BUSINESS:
        address, contact = document["address"], document["primaryContact"]
        await service.update_partner_profile(
            ctx,
            legal_name=document["companyName"],
            primary_contact_email=contact["email"],
            partner_id=None,
            address={
                "line1": address["addressLine1"],
                "line2": address.get("addressLine2"),
                "city": address["city"],
                "state": address.get("state"),
                "postalCode": address["postalCode"],
                "country": address["country"],
            },
        )
    stored = await ctx.session.get(PartnerProfileSection, (ctx.sandbox_id, current.tenant.id, section))
    if stored is None:
        stored = PartnerProfileSection(
            sandbox_id=ctx.sandbox_id, tenant_id=current.tenant.id, section=section, body=document, updated_at=ctx.now
        )
        ctx.session.add(stored)
    else:
        stored.body, stored.updated_at = document, ctx.now
    await ctx.session.flush()
    return await read_section(ctx, section)


@dataclass(frozen=True)
class MpnProfile:
    tenant: Tenant
    partner_id: str


async def mpn_profile(ctx: SandboxContext, mpn_id: str | None = None) -> MpnProfile:
    """The caller's own PartnerID and name; with `mpn_id`, the partner of the sandbox holding it (Partner Center's
    800015 when none does)."""
    if mpn_id is None:
        tenant, profile = await service.get_partner_profile(ctx)
        if not profile.partner_id:
            raise NotFound("The PartnerID of tenant", tenant.id)
        return MpnProfile(tenant, profile.partner_id)
    found = await _partner_by_mpn_id(ctx, mpn_id)
    if found is None:
        raise NotFound("A partner with PartnerID", mpn_id).with_code(800015, "MpnIdNotFound")
    return MpnProfile(found, mpn_id)


async def _partner_by_mpn_id(ctx: SandboxContext, mpn_id: str) -> Tenant | None:
    row = await ctx.session.execute(
        select(Tenant)
        .join(
            PartnerProfile, (PartnerProfile.sandbox_id == Tenant.sandbox_id) & (PartnerProfile.tenant_id == Tenant.id)
        )
        .where(Tenant.sandbox_id == ctx.sandbox_id, PartnerProfile.partner_id == mpn_id)
    )
    return row.scalar_one_or_none()


async def mpa_signed(ctx: SandboxContext, *, program: str, mpn_id: str | None, tenant_id: str | None) -> bool:
    """Whether a partner of the sandbox (by PartnerID or tenant id: exactly one) has accepted the Microsoft Partner
    Agreement; an indirect provider signed it to become one. Errors as Partner Center documents them: 2001 when
    neither is given, 2000 when both are or one is malformed, 800015 when no partner holds it."""
    if program.casefold() != "csp":
        raise NotFound("The compliance program", program)
    if mpn_id is None and tenant_id is None:
        raise BadRequest("Send mpnId or tenantId to name the partner.").with_code(2001, "MissingPartnerIdentifier")
    if mpn_id is not None and tenant_id is not None:
        raise BadRequest("Send mpnId or tenantId, not both.").with_code(2000, "InvalidPartnerIdentifier")
    if mpn_id is not None:
        if not mpn_id.isdigit():
            raise BadRequest(f"'{mpn_id}' is not a PartnerID (digits only).").with_code(
                2000, "InvalidPartnerIdentifier"
            )
        partner = await _partner_by_mpn_id(ctx, mpn_id)
    else:
        try:
            partner_tenant = uuid.UUID(str(tenant_id))
        except ValueError:
            raise BadRequest(f"'{tenant_id}' is not a tenant id (a GUID).").with_code(
                2000, "InvalidPartnerIdentifier"
            ) from None
        partner = await ctx.session.get(Tenant, (ctx.sandbox_id, partner_tenant))
        if partner is not None and await service.find_profile(ctx, partner.id) is None:
            partner = None
    if partner is None:
        raise NotFound("A partner named", mpn_id or tenant_id).with_code(800015, "MpnIdNotFound")
    accepted = await ctx.session.scalar(
        select(
            exists().where(
                PartnerAgreement.sandbox_id == ctx.sandbox_id,
                PartnerAgreement.tenant_id == partner.id,
                PartnerAgreement.agreement_type == MPA,
                PartnerAgreement.status == AgreementStatus.ACCEPTED,
            )
        )
    )
    return bool(accepted) or (await service.capabilities(ctx, partner.id)).indirect_provider


@dataclass(frozen=True)
class AgreementDocument:
    template_id: str
    agreement_type: str
    agreement_link: str
    language: str
    country: str

    @property
    def display_uri(self) -> str:
        return f"{self.agreement_link}?lang={self.language}&country={self.country}"

    @property
    def download_uri(self) -> str:
        return f"{self.display_uri}&download=true"


def agreement_document(*, template_id: str, language: str, country: str) -> AgreementDocument:
    """An agreement template's document in a language and country (404 for a template cspsim does not know)."""
    if template_id not in DOCUMENTS:
        raise NotFound("The agreement template", template_id)
    spelled = next((lang for lang in DOCUMENT_LANGUAGES if lang.casefold() == language.casefold()), None)
    if spelled is None:
        raise BadRequest(
            f"The document is not published in '{language}': use one of {', '.join(sorted(DOCUMENT_LANGUAGES))}."
        )
    agreement_type, link = DOCUMENTS[template_id]
    return AgreementDocument(template_id, agreement_type, link, spelled, country.upper())
