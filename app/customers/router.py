"""Partner Center's customers (and links, the extension, MCA attestations) and the admin center's JSON twin."""

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Request, status

from app.customers import agreements, extension, invitations, service
from app.customers.schemas import (
    AdminInvitationAccepted,
    AdminInvitationOut,
    AdminPartner,
    AdminPartnerList,
    ConsentContact,
    CustomerAgreementCreate,
    CustomerAgreementOut,
    CustomerCreate,
    CustomerOut,
    ExtensionCreate,
    ExtensionOut,
    InvitationCreate,
    InvitationOut,
    McaAcceptIn,
    RelatedPartnerOut,
    RelationshipRequestOut,
    billing_profile,
    company_profile,
)
from app.customers.service import ShownRelationship, ShownTenant
from app.kernel.context import CustomerContext, SandboxContext
from app.kernel.pagination import Collection, Page, PageRequest, collection, page_request
from app.kernel.pipeline import ADMIN_CENTER, PARTNER_CENTER_API, CustomerCaller, PartnerCaller, reads_ahead
from app.models import (
    CustomerAgreement,
    CustomerRelationship,
    ExtensionConsent,
    RelationshipInvitation,
    RelationshipKind,
    Tenant,
)
from app.programs import service as programs
from app.wire import document_etag

router = PARTNER_CENTER_API.router(tags=["partner center: customers"], prefix="/customers")
admin = ADMIN_CENTER.router(tags=["admin center"])
Pages = Annotated[PageRequest, Depends(page_request)]


def _customer_out(
    tenant: Tenant | ShownTenant,
    mine: Sequence[CustomerRelationship | ShownRelationship],
    *,
    mca_accepted: bool,
    credentials: dict[str, str] | None = None,
) -> CustomerOut:
    """The customer as the caller sees it: one document, validated once (a model built for each of its parts cost
    three times as much, a page of a hundred customers doing it a hundred times)."""
    holding = next((r for r in mine if r.billing_profile), None)
    billing = (
        billing_profile(
            tenant.id,
            holding.id,
            holding.billing_profile,
            document_etag(holding.billing_profile),
            country=tenant.country,
        )
        if holding and holding.billing_profile
        else None
    )
    associated = next((r.counterpart_tenant_id for r in mine if r.kind is RelationshipKind.INDIRECT_PROVIDER), None)
    return CustomerOut.model_validate(
        {
            "id": tenant.id,
            "commerce_id": tenant.id,
            "company_profile": company_profile(tenant, holding.billing_profile if holding else None),
            "billing_profile": billing,
            "allow_delegated_access": any(r.admin_privileges for r in mine),
            "custom_domains": [tenant.domain],
            "partner_relationships": [
                {
                    "kind": r.kind,
                    "origin": r.origin,
                    "admin_privileges": r.admin_privileges,
                    "counterpart_tenant_id": r.counterpart_tenant_id,
                }
                for r in mine
            ],
            "allowed_operations": service.operations(mine),
            "mca_accepted": mca_accepted,
            "associated_partner_id": associated,
            "user_credentials": credentials,
            "links": {"self": {"uri": f"/v1/customers/{tenant.id}"}},
        }
    )


def _invitation_url(request: Request, invitation: RelationshipInvitation) -> str:
    return str(request.url_for("invitation_page", code=invitation.code))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CustomerOut, summary="Create a customer")
async def create_customer(ctx: PartnerCaller, body: CustomerCreate) -> Any:
    """A direct-bill partner adds a customer and creates its tenant; a provider creates one for itself or, with
    `associatedPartnerId`, for one of its indirect resellers; an indirect reseller cannot (REL-2). The customer
    admin's first password is answered once in `userCredentials`."""
    billing = body.billing_profile.model_dump(by_alias=True, mode="json")
    created = await service.create_customer(
        ctx,
        domain=body.company_profile.domain,
        company_name=body.company_profile.company_name or body.billing_profile.company_name,
        country=body.billing_profile.default_address.country,
        billing_profile=billing,
        associated_partner_id=body.associated_partner_id,
    )
    mine = [r for r in created.relationships if r.partner_tenant_id == ctx.tenant_id]
    # Partner Center answers the admin's short user name (`admin`); the sign-in name is it at the customer's domain.
    user_name = created.admin.user_principal_name.split("@", 1)[0]
    credentials = {"user_name": user_name, "password": created.password or ""}
    # a tenant created by this request has accepted nothing yet: no query needed to say so
    return _customer_out(created.tenant, mine, mca_accepted=False, credentials=credentials)


@router.get("", response_model=Collection[CustomerOut], summary="List the partner's customers")
@reads_ahead(service.LISTED_AHEAD)
async def list_customers(ctx: PartnerCaller, request: Request, page: Pages) -> Any:
    """Only customers the caller holds a relationship with."""
    found = await service.list_customers(ctx, page)
    # The page's relationships and whether the MCA holds for each customer in one query, whatever the page's size.
    related = await service.relationships_of_page(
        ctx, [t.id for t in found.items], ctx.tenant_id, agreements.MCA_OF_RELATED
    )
    items = [
        _customer_out(t, related.relationships[t.id], mca_accepted=bool(related.also[t.id][0])) for t in found.items
    ]
    return collection(request, found, items)


@router.get(
    "/relationshiprequests",
    response_model=RelationshipRequestOut,
    summary="The link that asks a customer for a reseller relationship",
)
async def relationship_request(ctx: PartnerCaller, request: Request) -> Any:
    """REL-7: the partner's templated link for new or existing customers; each customer that accepts makes the
    partner its reseller of record."""
    return RelationshipRequestOut(url=_invitation_url(request, await invitations.relationship_request(ctx)))


@router.post(
    "/invitations",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationOut,
    summary="Invite a customer with one of your providers (indirect reseller)",
)
async def invite_customer(ctx: PartnerCaller, request: Request, body: InvitationCreate) -> Any:
    """REL-1: a personalized link and a draft email; the customer's acceptance relates it to both partners."""
    invitation = await invitations.invite_with_provider(
        ctx, indirect_provider_id=body.indirect_provider_id, customer_tenant_id=body.customer_tenant_id
    )
    url = _invitation_url(request, invitation)
    reseller, _ = await programs.get_partner_profile(ctx)
    draft = {
        "subject": f"{reseller.display_name} invites you to a reseller relationship",
        "body": f"{reseller.display_name} and its indirect provider would like to become your Cloud Solution "
        f"Provider partners. A Global admin of your organization can accept here: {url}",
    }
    return InvitationOut(
        id=invitation.id,
        url=url,
        status=invitations.state_of(ctx, invitation),
        expires_at=invitation.expires_at,
        email_draft=draft,
    )


@router.get("/{customer_id}", response_model=CustomerOut, summary="Read a customer")
@reads_ahead(agreements.SHOWN_WITH_MCA_AHEAD)
async def read_customer(ctx: PartnerCaller, customer_id: uuid.UUID) -> Any:
    """How the caller is related to the customer and what it may do (REL-4); 404 for any other partner."""
    shown, mca_accepted = await agreements.shown_with_mca(ctx, customer_id)
    return _customer_out(shown.tenant, shown.relationships, mca_accepted=mca_accepted)


@router.get(
    "/{customer_id}/relationships",
    response_model=Collection[RelatedPartnerOut],
    summary="The indirect resellers and providers of a customer",
)
async def customer_relationships(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    """The customer's other indirect partners; a provider related through the extension sees the transitioning
    partner as the indirect reseller (REL-6)."""
    items = [
        RelatedPartnerOut(
            id=related.relationship.partner_tenant_id,
            name=related.name,
            relationship_type="indirect_reseller"
            if kind is RelationshipKind.INDIRECT_RESELLER
            else "indirect_provider",
            mpn_id=related.mpn_id,
        )
        for related, kind in await service.indirect_partners(ctx, customer_id)
    ]
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


@router.post(
    "/{customer_id}/resellerrelationshipextension",
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerOut,
    summary="Extend your relationship with a direct-bill customer to a provider",
)
async def extend_relationship(ctx: PartnerCaller, customer_id: uuid.UUID, body: ExtensionCreate) -> Any:
    """REL-6: for a transitioning partner, its direct-bill customer, a provider it partners with, and the
    customer's recorded consent. The provider gets the bill-to copy and no admin privileges."""
    consented_by = body.consented_by
    await extension.extend_to_provider(
        ctx,
        customer_id=customer_id,
        indirect_provider_id=body.indirect_provider_id,
        customer_consent_recorded=body.customer_consent_recorded,
        consented_by=extension.ConsentingContact(
            consented_by.first_name, consented_by.last_name, str(consented_by.email)
        )
        if consented_by
        else None,
        date_consented=body.date_consented,
    )
    shown, mca_accepted = await agreements.shown_with_mca(ctx, customer_id)
    return _customer_out(shown.tenant, shown.relationships, mca_accepted=mca_accepted)


def _extension_out(consent: ExtensionConsent) -> ExtensionOut:
    named = consent.contact_email or consent.contact_first_name or consent.contact_last_name
    return ExtensionOut(
        id=consent.id,
        customer_id=consent.customer_tenant_id,
        reseller_id=consent.partner_tenant_id,
        indirect_provider_id=consent.indirect_provider_tenant_id,
        relationship_id=consent.relationship_id,
        consented_by=ConsentContact(
            first_name=consent.contact_first_name, last_name=consent.contact_last_name, email=consent.contact_email
        )
        if named
        else None,
        date_consented=consent.date_consented,
        recorded_by=consent.recorded_by,
        user_id=consent.recorded_by_user_id,
        recorded_at=consent.recorded_at,
    )


@router.get(
    "/{customer_id}/resellerrelationshipextension",
    response_model=Collection[ExtensionOut],
    summary="The reseller relationship extensions of a customer, with the consent recorded for each",
)
async def list_extensions(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    """REL-6 (d): the transitioning partner and its provider both read back the relationship the extension created
    and who recorded the customer's consent, when."""
    items = [_extension_out(c) for c in await extension.list_extensions(ctx, customer_id)]
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


def _agreement_out(agreement: CustomerAgreement) -> CustomerAgreementOut:
    return CustomerAgreementOut(
        id=agreement.id,
        template_id=agreement.template_id,
        date_agreed=agreement.date_agreed,
        type=agreement.agreement_type,
        channel=agreement.channel,
        user_id=agreement.recorded_by_user_id,
        recorded_by=agreement.recorded_by,
        primary_contact={
            "first_name": agreement.contact_first_name,
            "last_name": agreement.contact_last_name,
            "email": agreement.contact_email,
            "phone_number": agreement.contact_phone,
        },
    )


@router.post(
    "/{customer_id}/agreements",
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerAgreementOut,
    summary="Confirm the customer's acceptance of the MCA (attestation)",
)
async def attest_agreement(ctx: PartnerCaller, customer_id: uuid.UUID, body: CustomerAgreementCreate) -> Any:
    """AGR-3: the contact, the date agreed, the template and who recorded it; again answers 600061."""
    c = body.primary_contact
    return _agreement_out(
        await agreements.attest(
            ctx,
            customer_id=customer_id,
            template_id=body.template_id,
            agreement_type=body.type,
            first_name=c.first_name,
            last_name=c.last_name,
            email=str(c.email),
            phone=c.phone_number,
            date_agreed=body.date_agreed,
        )
    )


@router.get(
    "/{customer_id}/agreements",
    response_model=Collection[CustomerAgreementOut],
    summary="The customer's MCA acceptances",
)
async def list_agreements(ctx: PartnerCaller, request: Request, customer_id: uuid.UUID) -> Any:
    seen = await service.get_visible_customer(ctx, customer_id)
    items = [_agreement_out(a) for a in await agreements.acceptances(ctx, seen.tenant.id)]
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


# --- the customer's admin center (JSON) ----------------------------------------------------------------------------


async def _found_in_my_sandbox(ctx: CustomerContext, code: str) -> invitations.FoundInvitation:
    return await invitations.find_for_customer(ctx, code)


def _admin_invitation(ctx: SandboxContext, found: invitations.FoundInvitation) -> AdminInvitationOut:
    provider = found.provider
    return AdminInvitationOut(
        code=found.invitation.code,
        kind=found.invitation.kind,
        status=invitations.state_of(ctx, found.invitation),
        partner={"id": str(found.partner.id), "name": found.partner.display_name},
        indirect_provider={"id": str(provider.id), "name": provider.display_name} if provider else None,
        expires_at=found.invitation.expires_at,
    )


@admin.get("/invitations/{code}", response_model=AdminInvitationOut, summary="Who invites the customer, for what")
async def read_invitation(ctx: CustomerCaller, code: str) -> Any:
    return _admin_invitation(ctx, await _found_in_my_sandbox(ctx, code))


@admin.post(
    "/invitations/{code}/accept",
    response_model=AdminInvitationAccepted,
    summary="Accept a partner's invitation (customer Global admin)",
)
async def accept_invitation(ctx: CustomerCaller, code: str) -> Any:
    """The same service call as the invitation page's Accept button (REL-1, REL-7, REL-8)."""
    await invitations.accept_invitation(ctx, await _found_in_my_sandbox(ctx, code))
    partners = [AdminPartner.model_validate(p) for p in await service.partner_view_for_customer(ctx)]
    return AdminInvitationAccepted(status="Accepted", partners=partners)


@admin.get("/partnerRelationships", response_model=AdminPartnerList, summary="The customer's partners")
async def partner_relationships(ctx: CustomerCaller) -> Any:
    """Resellers and providers, with their roles; a provider related through the extension shows too (REL-6)."""
    return AdminPartnerList(
        items=[AdminPartner.model_validate(p) for p in await service.partner_view_for_customer(ctx)]
    )


@admin.post(
    "/agreements/mca/accept",
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerAgreementOut,
    summary="Accept the Microsoft Customer Agreement (customer Global admin)",
)
async def accept_mca(ctx: CustomerCaller, body: McaAcceptIn) -> Any:
    """Valid for every partner of the customer, now and after its relationships move (AGR-2)."""
    return _agreement_out(
        await agreements.accept_in_admin_center(
            ctx, first_name=body.first_name, last_name=body.last_name, email=str(body.email)
        )
    )
