"""Links to customers: the reseller relationship request (REL-7) and the indirect reseller invitation (REL-1).

Acceptance happens in the customer's admin center, by its Global admin, through the HTML page or its JSON twin:
both call `accept_invitation`. Existing subscriptions of the customer are never touched (REL-8).
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.customers.lifecycle import INVITATION
from app.customers.service import relate, relationships_with
from app.events.service import move, record_event
from app.identity import service as identity
from app.kernel import timers
from app.kernel.clock import add_business_days
from app.kernel.context import CustomerContext, PartnerContext, SandboxContext
from app.kernel.errors import Conflict, Forbidden, NotFound, RuleViolation
from app.kernel.roles import CustomerRole, PartnerRole, require_role
from app.kernel.statements import add_now
from app.models import (
    InvitationKind,
    InvitationStatus,
    RelationshipInvitation,
    RelationshipKind,
    RelationshipOrigin,
    Sandbox,
    Tenant,
    TenantKind,
)
from app.programs import service as programs
from app.providers import service as providers

K = RelationshipKind
POLICY_TIMER = "policy.customer-invitation"


def _code() -> str:
    return secrets.token_urlsafe(24)


async def relationship_request(ctx: PartnerContext) -> RelationshipInvitation:
    """REL-7: the partner's standing link for new or existing customers; each customer that accepts makes the
    partner its reseller of record. An indirect reseller invites with its provider instead (REL-1)."""
    require_role(
        ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, action="request a reseller relationship", apps=True
    )
    partner_id = ctx.tenant_id
    can = await programs.capabilities(ctx, partner_id)
    if not (can.direct_bill or can.indirect_provider):
        raise RuleViolation(
            "REL-7",
            "Only a transacting partner (direct bill or indirect provider) becomes a "
            "customer's reseller of record this way; an indirect reseller sends an indirect "
            "reseller invitation with its provider (POST /v1/customers/invitations).",
        )
    kind = K.DIRECT_BILL if can.direct_bill else K.INDIRECT_PROVIDER
    standing = (
        (
            await ctx.session.execute(
                select(RelationshipInvitation).where(
                    RelationshipInvitation.sandbox_id == ctx.sandbox_id,
                    RelationshipInvitation.partner_tenant_id == partner_id,
                    RelationshipInvitation.kind == InvitationKind.RESELLER_RELATIONSHIP,
                    RelationshipInvitation.relationship_kind == kind,
                    RelationshipInvitation.expires_at > ctx.now,
                )
            )
        )
        .scalars()
        .first()
    )
    if standing is not None:
        return standing
    return await _invitation(
        ctx,
        kind=InvitationKind.RESELLER_RELATIONSHIP,
        relationship_kind=kind,
        provider_id=None,
        customer_id=None,
        reusable=True,
    )


async def _invitation(
    ctx: PartnerContext,
    *,
    kind: InvitationKind,
    relationship_kind: RelationshipKind,
    provider_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    reusable: bool,
) -> RelationshipInvitation:
    invitation = RelationshipInvitation(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        code=_code(),
        kind=kind,
        status=InvitationStatus.PENDING,
        partner_tenant_id=ctx.tenant_id,
        relationship_kind=relationship_kind,
        indirect_provider_tenant_id=provider_id,
        customer_tenant_id=customer_id,
        reusable=reusable,
        created_by=ctx.actor.name,
        created_at=ctx.now,
        expires_at=ctx.now + timedelta(days=ctx.settings.invitation_expiry_days),
    )
    await add_now(ctx.session, invitation)
    return invitation


async def invite_with_provider(
    ctx: PartnerContext, *, indirect_provider_id: uuid.UUID, customer_tenant_id: uuid.UUID | None
) -> RelationshipInvitation:
    """REL-1: an indirect reseller (Admin agent or Global admin) invites a customer to relationships with itself
    and one of its partnered providers at once: a personalized link and a draft email."""
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, action="invite a customer", rule="REL-1")
    reseller_id = ctx.tenant_id
    if not (await programs.capabilities(ctx, reseller_id)).indirect_reseller:
        raise RuleViolation(
            "REL-1", "Only an enrolled indirect reseller (agreement accepted) sends indirect reseller invitations."
        )
    if not await providers.are_partners(ctx, provider_id=indirect_provider_id, reseller_id=reseller_id):
        raise RuleViolation(
            "REL-1",
            f"{indirect_provider_id} is not one of your indirect providers: accept its partnership invitation first.",
            status_code=400,
        )
    invitation = await _invitation(
        ctx,
        kind=InvitationKind.INDIRECT_RESELLER,
        relationship_kind=K.INDIRECT_RESELLER,
        provider_id=indirect_provider_id,
        customer_id=customer_tenant_id,
        reusable=False,
    )
    await _apply_policy(ctx, invitation)
    return invitation


@dataclass(frozen=True)
class FoundInvitation:
    sandbox: Sandbox
    invitation: RelationshipInvitation
    partner: Tenant
    provider: Tenant | None


async def find_invitation(session: AsyncSession, code: str) -> FoundInvitation:
    """The invitation behind a link, wherever its sandbox (link codes are globally unique)."""
    invitation = (
        await session.execute(select(RelationshipInvitation).where(RelationshipInvitation.code == code))
    ).scalar_one_or_none()
    if invitation is None:
        raise NotFound("Invitation", code)
    sandbox = await session.get(Sandbox, invitation.sandbox_id)
    partner = await session.get(Tenant, (invitation.sandbox_id, invitation.partner_tenant_id))
    if sandbox is None or partner is None:  # a link outliving its sandbox or its partner leads nowhere
        raise NotFound("Invitation", code)
    provider = (
        await session.get(Tenant, (invitation.sandbox_id, invitation.indirect_provider_tenant_id))
        if invitation.indirect_provider_tenant_id
        else None
    )
    return FoundInvitation(sandbox=sandbox, invitation=invitation, partner=partner, provider=provider)


def state_of(ctx: SandboxContext, invitation: RelationshipInvitation) -> str:
    """Pending, Accepted or Expired, at the sandbox clock's now."""
    if invitation.status is not InvitationStatus.PENDING:
        return invitation.status.value
    if invitation.expires_at <= ctx.now:
        return "Expired"
    return "Pending"


async def find_for_customer(ctx: CustomerContext, code: str) -> FoundInvitation:
    """The invitation behind a link, as a customer's admin center sees it: one of its own sandbox, sent to anyone
    or to this customer. An invitation personalized for another customer is not found (404): its partners' names
    and ids are not this customer's to read (the link's page shows names to whoever holds the link, by design)."""
    found = await find_invitation(ctx.session, code)
    addressed = found.invitation.customer_tenant_id
    if found.sandbox.id != ctx.sandbox_id or (addressed is not None and addressed != ctx.tenant_id):
        raise NotFound("Invitation", code)
    return found


async def accept_invitation(ctx: SandboxContext, found: FoundInvitation) -> list[uuid.UUID]:
    """The customer's Global admin accepts a link (REL-1, REL-7). An indirect reseller invitation creates both
    relationships, reseller's and provider's, in this one transaction. The customer's existing subscriptions,
    terms and partners of record stay exactly as they were (REL-8). Answers the partners now related."""
    invitation = found.invitation
    customer = await ctx.session.get(Tenant, (ctx.sandbox_id, ctx.actor.tenant_id))
    rule = "REL-1" if invitation.kind is InvitationKind.INDIRECT_RESELLER else "REL-7"
    if customer is None or customer.kind is not TenantKind.CUSTOMER:
        raise Forbidden("Sign in as a user of the customer's own tenant to accept a partner's invitation.")
    state = state_of(ctx, invitation)
    if state == "Expired":
        raise Conflict(f"This invitation expired on {invitation.expires_at:%Y-%m-%d}; ask the partner for a new link.")
    if state != "Pending":  # accepted, or declined
        raise Conflict("This invitation was already used; ask the partner for a new link.")
    if invitation.customer_tenant_id is not None and invitation.customer_tenant_id != customer.id:
        raise Forbidden("This invitation was sent to another customer; it cannot be accepted by your organization.")
    require_role(ctx, CustomerRole.GLOBAL_ADMIN, action="accept a partner's invitation", rule=rule)
    if await relationships_with(ctx, customer.id, invitation.partner_tenant_id) and invitation.reusable:
        raise Conflict(f"{found.partner.display_name} is already a partner of your organization.")
    origin = RelationshipOrigin.INVITATION
    related = [invitation.partner_tenant_id]
    await relate(
        ctx,
        customer=customer,
        partner_id=invitation.partner_tenant_id,
        kind=invitation.relationship_kind,
        origin=origin,
        counterpart_id=invitation.indirect_provider_tenant_id,
    )
    if invitation.indirect_provider_tenant_id is not None:
        await relate(
            ctx,
            customer=customer,
            partner_id=invitation.indirect_provider_tenant_id,
            kind=K.INDIRECT_PROVIDER,
            origin=origin,
            counterpart_id=invitation.partner_tenant_id,
        )
        related.append(invitation.indirect_provider_tenant_id)
    if not invitation.reusable:  # a personal link is spent; a standing one (REL-7) serves the next customer
        invitation.customer_tenant_id, invitation.accepted_by = customer.id, ctx.actor.name
        await move(
            ctx,
            invitation,
            INVITATION,
            InvitationStatus.ACCEPTED,
            action="accept",
            event="invitation-accepted",
            resource_type="RelationshipInvitation",
            tenant_ids=related,
        )
    event = (
        "indirect-reseller-relationship-accepted-by-customer"
        if invitation.kind is InvitationKind.INDIRECT_RESELLER
        else "reseller-relationship-accepted-by-customer"
    )
    await record_event(
        ctx,
        name=event,
        resource_type="Customer",
        resource_id=customer.id,
        tenant_ids=related,
        data={"invitationId": str(invitation.id)},
    )
    return related


async def _apply_policy(ctx: SandboxContext, invitation: RelationshipInvitation) -> None:
    """A link sent to one customer: its Global admin accepts or declines by itself when the sandbox says so."""
    policy = ctx.settings.counterparty_policies.customer_invitation
    if policy.action == "manual" or invitation.customer_tenant_id is None:
        return
    await timers.schedule(
        ctx,
        kind=POLICY_TIMER,
        ref=invitation.id,
        due_at=add_business_days(ctx.now, policy.after_business_days),
        payload={"action": policy.action},
    )


async def decline_invitation(ctx: SandboxContext, found: FoundInvitation) -> None:
    """The customer says no: the link is spent and nobody is related."""
    require_role(ctx, CustomerRole.GLOBAL_ADMIN, action="decline a partner's invitation")
    invitation = found.invitation
    await move(
        ctx,
        invitation,
        INVITATION,
        InvitationStatus.DECLINED,
        action="decline",
        event="invitation-declined",
        resource_type="RelationshipInvitation",
        tenant_ids=[t for t in (invitation.partner_tenant_id, invitation.indirect_provider_tenant_id) if t],
    )


@timers.on_timer(POLICY_TIMER)
async def _customer_acts(ctx: SandboxContext, timer: timers.Due) -> None:
    invitation = (
        await ctx.session.execute(
            select(RelationshipInvitation).where(
                RelationshipInvitation.sandbox_id == ctx.sandbox_id, RelationshipInvitation.id == uuid.UUID(timer.ref)
            )
        )
    ).scalar_one()
    if invitation.status is not InvitationStatus.PENDING or invitation.customer_tenant_id is None:
        return
    admin = await identity.as_global_admin(ctx, invitation.customer_tenant_id, CustomerContext)
    if admin is None:
        return
    found = await find_invitation(ctx.session, invitation.code)
    if timer.payload.get("action") == "accept":
        await accept_invitation(admin, found)
    else:
        await decline_invitation(admin, found)
