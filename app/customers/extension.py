"""The reseller relationship extension (REL-6): a transitioning partner hands its provider a reseller relationship
with one of its existing direct-bill customers, without a new customer invitation."""

import uuid

from sqlalchemy import select

from app.customers.service import get_visible_customer, relate
from app.events.service import record_event
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import RuleViolation
from app.kernel.roles import PartnerRole, require_role
from app.models import CustomerRelationship, Enrollment, Program, RelationshipKind, RelationshipOrigin
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


async def extend_to_provider(
    ctx: PartnerContext, *, customer_id: uuid.UUID, indirect_provider_id: uuid.UUID, customer_consent_recorded: bool
) -> CustomerRelationship:
    """REL-6, all four conditions: (a) the caller is a direct-bill partner that completed the indirect reseller
    enrollment; (b) the customer is one of its direct-bill customers, never an indirect one; (c) the provider is one
    whose partnership invitation it accepted; (d) it records that the customer was informed and consented.
    The customer's bill-to copy goes to the provider, which gets no admin privileges (GDAP needs an indirect reseller
    invitation) and appears among the customer's partners."""
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
    await record_event(
        ctx,
        name="reseller-relationship-extended",
        resource_type="Customer",
        resource_id=customer.id,
        tenant_ids=[partner_id, indirect_provider_id],
    )
    return relationship
