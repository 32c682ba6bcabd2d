"""A customer's account as its partner manages it: the billing profile (with its etag), the company profile, the
customer's qualifications, a domain's availability, and removing a customer from the integration sandbox."""

import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select

from app.customers.service import count_customers, get_visible_customer
from app.events.service import record_change
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, NotFound, PreconditionFailed
from app.kernel.roles import PartnerRole, require_role
from app.kernel.statements import add_now
from app.models import (
    CustomerQualification,
    CustomerRelationship,
    ExtensionConsent,
    Qualification,
    Subscription,
    SubscriptionStatus,
    Tenant,
    VettingStatus,
)
from app.wire import document_etag, sent_etag

# The subscriptions that still stand in the way of removing a customer: what is neither cancelled nor over.
_STANDING = (SubscriptionStatus.ACTIVE,)
# Partner Center vets education and government customers; a state-owned entity is recorded as the partner says.
_VETTING = {
    Qualification.EDUCATION: VettingStatus.IN_REVIEW,
    Qualification.GOVERNMENT_COMMUNITY_CLOUD: VettingStatus.IN_REVIEW,
    Qualification.STATE_OWNED_ENTITY: VettingStatus.APPROVED,
}


@dataclass(frozen=True)
class BillingProfile:
    """The bill-to information one partner holds for a customer, as the partner's relationship keeps it."""

    relationship: CustomerRelationship
    document: dict[str, Any]
    country: str  # the customer tenant's, for a bill-to recorded without an address

    @property
    def etag(self) -> str:
        return document_etag(self.document)


def _holding(relationships: list[CustomerRelationship]) -> CustomerRelationship:
    return next((r for r in relationships if r.billing_profile), relationships[0])


def _default_document(tenant: Tenant) -> dict[str, Any]:
    """The bill-to a relationship made through an invitation starts from: the tenant's name and country."""
    return {"companyName": tenant.display_name, "defaultAddress": {"country": tenant.country}}


async def billing_profile(ctx: SandboxContext, customer_id: uuid.UUID) -> BillingProfile:
    """The caller's bill-to for a customer it holds (404 for any other partner)."""
    seen = await get_visible_customer(ctx, customer_id)
    holding = _holding(seen.relationships)
    return BillingProfile(holding, dict(holding.billing_profile or _default_document(seen.tenant)), seen.tenant.country)


async def update_billing_profile(
    ctx: PartnerContext, *, customer_id: uuid.UUID, document: dict[str, Any], if_match: str | None
) -> BillingProfile:
    """Replace the caller's bill-to for the customer. The etag read with the profile, sent as `If-Match` (or in
    `attributes.etag`), must still be current: a profile changed since answers 412 (Partner Center's 2055)."""
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, action="update a billing profile", apps=True)
    current = await billing_profile(ctx, customer_id)
    if if_match is not None and sent_etag(if_match) != current.etag:
        raise PreconditionFailed(
            "The billing profile changed since that etag was read: read it again (GET .../profiles/billing) and "
            "send its etag in If-Match.",
            data=[{"currentEtag": current.etag}],
        )
    if current.document == document:
        return current
    relationship = current.relationship
    relationship.billing_profile = document
    await ctx.session.flush()
    await record_change(
        ctx,
        event="customer-billing-profile-updated",
        operation_type="update_customer_billing_profile",
        resource_type="CustomerBillingProfile",
        resource_id=customer_id,
        tenant_id=ctx.tenant_id,
        customer_id=customer_id,
        old_value=current.document,
        new_value=document,
    )
    return BillingProfile(relationship, document, current.country)


async def company_profile(ctx: SandboxContext, customer_id: uuid.UUID) -> tuple[Tenant, BillingProfile]:
    """The customer's company as its tenant names it (and, for its address and email, the caller's bill-to)."""
    seen = await get_visible_customer(ctx, customer_id)
    holding = _holding(seen.relationships)
    return seen.tenant, BillingProfile(
        holding, dict(holding.billing_profile or _default_document(seen.tenant)), seen.tenant.country
    )


async def qualifications(ctx: SandboxContext, customer_id: uuid.UUID) -> list[CustomerQualification]:
    seen = await get_visible_customer(ctx, customer_id)
    found = await ctx.session.execute(
        select(CustomerQualification)
        .where(
            CustomerQualification.sandbox_id == ctx.sandbox_id,
            CustomerQualification.customer_tenant_id == seen.tenant.id,
        )
        .order_by(CustomerQualification.created_at, CustomerQualification.id)
    )
    return list(found.scalars())


async def add_qualification(
    ctx: PartnerContext, *, customer_id: uuid.UUID, qualification: Qualification, validation_code: str | None
) -> CustomerQualification:
    """Qualify a customer: Education and GovernmentCommunityCloud go to vetting (InReview), a StateOwnedEntity is
    recorded as approved. GovernmentCommunityCloud needs the validation code Microsoft gave the partner (`code`); a
    qualification the customer already has is a 409."""
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, action="qualify a customer", apps=True)
    existing = await qualifications(ctx, customer_id)
    if qualification is Qualification.GOVERNMENT_COMMUNITY_CLOUD and not validation_code:
        raise BadRequest(
            "A GovernmentCommunityCloud qualification needs the partner's validation code: "
            "POST .../qualifications?code=<validation code>."
        )
    if any(q.qualification is qualification for q in existing):
        raise Conflict(f"The customer already has the {qualification} qualification.").with_code(
            710012, "QualificationAlreadyExists"
        )
    row = CustomerQualification(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=customer_id,
        qualification=qualification,
        vetting_status=_VETTING[qualification],
        validation_code=validation_code,
        requested_by=ctx.actor.name,
        requested_by_tenant_id=ctx.tenant_id,
        created_at=ctx.now,
    )
    await add_now(ctx.session, row)
    await record_change(
        ctx,
        event="customer-qualification-created",
        operation_type="create_customer_qualification",
        resource_type="CustomerQualification",
        resource_id=row.id,
        tenant_id=ctx.tenant_id,
        customer_id=customer_id,
        new_value={"qualification": qualification.value, "vettingStatus": row.vetting_status.value},
    )
    return row


def initial_domain(domain: str) -> str:
    """`contoso` or `contoso.onmicrosoft.com`, as customer creation reads it."""
    value = domain.strip().lower()
    return value if "." in value else f"{value}.onmicrosoft.com"


async def domain_exists(ctx: SandboxContext, domain: str) -> bool:
    """Whether a tenant of the sandbox already holds the domain (so a new customer cannot take it)."""
    found = await ctx.session.scalar(
        select(Tenant.id).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.domain == initial_domain(domain))
    )
    return found is not None


async def delete_customer(ctx: PartnerContext, *, customer_id: uuid.UUID) -> None:
    """Remove a customer from the partner's integration sandbox account, as Partner Center's sandbox does: only once
    every subscription the partner sold it is cancelled (or suspended); otherwise a 409 naming them. The partner's
    relationships with the customer go; the tenant, and any other partner's relationship, stay."""
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, action="delete a customer", apps=True)
    seen = await get_visible_customer(ctx, customer_id)
    standing = list(
        (
            await ctx.session.execute(
                select(Subscription.id)
                .where(
                    Subscription.sandbox_id == ctx.sandbox_id,
                    Subscription.customer_tenant_id == seen.tenant.id,
                    Subscription.partner_tenant_id == ctx.tenant_id,
                    Subscription.status.in_(_STANDING),
                )
                .order_by(Subscription.id)
            )
        ).scalars()
    )
    if standing:
        named = ", ".join(str(s) for s in standing[:10])
        raise Conflict(
            f"The customer still has {len(standing)} active subscription(s) with you ({named}): cancel them "
            "(PATCH .../subscriptions/{id} with status deleted) or suspend them before deleting the customer.",
            data=[{"subscriptionId": str(s)} for s in standing],
        ).with_code(710011, "CustomerHasActiveSubscriptions")
    ids = [r.id for r in seen.relationships]
    await ctx.session.execute(
        delete(ExtensionConsent).where(
            ExtensionConsent.sandbox_id == ctx.sandbox_id, ExtensionConsent.relationship_id.in_(ids)
        )
    )
    ended = await ctx.session.execute(
        delete(CustomerRelationship).where(
            CustomerRelationship.sandbox_id == ctx.sandbox_id, CustomerRelationship.id.in_(ids)
        )
    )
    if not cast(CursorResult[Any], ended).rowcount:
        # Another delete of this customer committed while this one waited for its rows (a client's retry): the
        # customer is gone, and counted out once.
        raise NotFound("Customer", customer_id)
    await count_customers(ctx, partner_id=ctx.tenant_id, customer_id=customer_id, by=-1)
    await record_change(
        ctx,
        event="customer-deleted",
        operation_type="delete_customer",
        resource_type="Customer",
        resource_id=customer_id,
        tenant_id=ctx.tenant_id,
        customer_id=customer_id,
        old_value={"relationships": [r.kind.value for r in seen.relationships]},
    )
