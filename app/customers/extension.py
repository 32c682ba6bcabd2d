"""The reseller relationship extension (REL-6): a transitioning partner hands its provider a reseller relationship
with one of its existing direct-bill customers, without a new customer invitation."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from app.customers.service import get_visible_customer, relate
from app.events.service import record_change
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import RuleViolation
from app.kernel.roles import PartnerRole, require_role
from app.kernel.statements import add_now
from app.models import Enrollment, ExtensionConsent, Program, RelationshipKind, RelationshipOrigin
from app.programs import service as programs
from app.providers import service as providers


async def _was_direct_bill(ctx: SandboxContext, tenant_id: uuid.UUID) -> bool:
    return bool(
        await ctx.session.scalar(
            select(Enrollment.id)
            .where(
                Enrollment.sandbox_id == ctx.sandbox_id,
                Enrollment.tenant_id == tenant_id,
                Enrollment.program == Program.DIRECT_BILL,
                Enrollment.active_at.is_not(None),
            )
            .limit(1)
        )
    )


@dataclass(frozen=True)
class ConsentingContact:
    """Who at the customer consented to the extension, as the partner names them."""

    first_name: str
    last_name: str
    email: str


async def extend_to_provider(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    indirect_provider_id: uuid.UUID,
    customer_consent_recorded: bool,
    consented_by: ConsentingContact | None = None,
    date_consented: datetime | None = None,
) -> ExtensionConsent:
    """REL-6, all four conditions: (a) the caller is a direct-bill partner that completed the indirect reseller
    enrollment; (b) the customer is one of its direct-bill customers, never an indirect one; (c) the provider is one
    whose partnership invitation it accepted; (d) it records that the customer was informed and consented.
    The customer's bill-to copy goes to the provider, which gets no admin privileges (GDAP needs an indirect reseller
    invitation) and appears among the customer's partners. The consent is kept (who at the customer, when, who
    recorded it) beside the relationship it allowed, read back by both partners (`list_extensions`) and written
    to both partners' audit logs."""
    seen = await get_visible_customer(ctx, customer_id)  # a stranger learns nothing, not even a rule
    require_role(
        ctx,
        PartnerRole.GLOBAL_ADMIN,
        PartnerRole.ADMIN_AGENT,
        action="use the reseller relationship extension",
        rule="REL-6",
    )
    partner_id = ctx.tenant_id
    mine, customer = seen.relationships, seen.tenant
    if not (
        await _was_direct_bill(ctx, partner_id) and (await programs.capabilities(ctx, partner_id)).indirect_reseller
    ):
        raise RuleViolation(
            "REL-6",
            "The reseller relationship extension is only for direct-bill partners that "
            "completed the indirect reseller enrollment (agreement accepted).",
        )
    direct = next((r for r in mine if r.kind is RelationshipKind.DIRECT_BILL), None)
    if direct is None:
        raise RuleViolation(
            "REL-6",
            "The extension works only with your existing direct-bill customers; this one "
            "is an indirect reseller customer.",
        )
    if not await providers.are_partners(ctx, provider_id=indirect_provider_id, reseller_id=partner_id):
        raise RuleViolation(
            "REL-6", f"{indirect_provider_id} is not a provider whose partnership invitation you accepted."
        )
    if not customer_consent_recorded:
        raise RuleViolation(
            "REL-6",
            "Inform the customer and obtain its consent first, then send "
            "customerConsentRecorded: true (your partner agreement requires it).",
        )
    if date_consented is not None and date_consented > ctx.now:
        raise RuleViolation(
            "REL-6", "The customer's consent cannot be dated in the future: give the day it consented.", status_code=400
        )
    relationship = await relate(
        ctx,
        customer=customer,
        partner_id=indirect_provider_id,
        kind=RelationshipKind.INDIRECT_PROVIDER,
        origin=RelationshipOrigin.EXTENSION,
        counterpart_id=partner_id,
        admin_privileges=False,
        billing_profile=dict(direct.billing_profile) if direct.billing_profile else None,
    )
    consent = ExtensionConsent(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=customer.id,
        partner_tenant_id=partner_id,
        indirect_provider_tenant_id=indirect_provider_id,
        relationship_id=relationship.id,
        contact_first_name=consented_by.first_name if consented_by else None,
        contact_last_name=consented_by.last_name if consented_by else None,
        contact_email=consented_by.email.lower() if consented_by else None,
        date_consented=date_consented or ctx.now,
        recorded_by=ctx.actor.name,
        recorded_by_user_id=ctx.actor.user_id,
        recorded_at=ctx.now,
    )
    await add_now(ctx.session, consent)
    # One event for both partners and an audit record in each one's log: the consent is the partner's
    # contractual word, and the provider must be able to show what its relationship rests on.
    await record_change(
        ctx,
        event="reseller-relationship-extended",
        operation_type="extend_reseller_relationship",
        resource_type="ResellerRelationshipExtension",
        resource_id=consent.id,
        tenant_id=partner_id,
        also_for=[indirect_provider_id],
        customer_id=customer.id,
        data={"customerId": str(customer.id), "relationshipId": str(relationship.id)},
        new_value={
            "indirectProviderId": str(indirect_provider_id),
            "relationshipId": str(relationship.id),
            "customerConsentRecorded": True,
            "consentedBy": consent.contact_email,
            "dateConsented": consent.date_consented.isoformat(),
            "recordedBy": consent.recorded_by,
        },
    )
    return consent


async def list_extensions(ctx: PartnerContext, customer_id: uuid.UUID) -> list[ExtensionConsent]:
    """The extensions of a customer the caller sees, each with its recorded consent: those the caller made as the
    transitioning partner, and those that made it the customer's provider."""
    seen = await get_visible_customer(ctx, customer_id)
    mine = or_(
        ExtensionConsent.partner_tenant_id == ctx.tenant_id,
        ExtensionConsent.indirect_provider_tenant_id == ctx.tenant_id,
    )
    rows = await ctx.session.execute(
        select(ExtensionConsent)
        .where(
            ExtensionConsent.sandbox_id == ctx.sandbox_id, ExtensionConsent.customer_tenant_id == seen.tenant.id, mine
        )
        .order_by(ExtensionConsent.recorded_at, ExtensionConsent.id)
    )
    return list(rows.scalars())
