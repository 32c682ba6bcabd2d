"""The customer's side of GDAP, in its admin center: the requests addressed to it, approval by its Global admin
through the approval page or its JSON twin (GDP-1, GDP-4), and termination (GDP-2)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.gdap.service import (
    ACTIVATION_TIMER,
    APPROVAL_EXPIRY_TIMER,
    POLICY_TIMER,
    activate,
    move_relationship,
    refuse_extension_only,
    terminate,
)
from app.identity import service as identity
from app.kernel import lookup, timers
from app.kernel.context import CustomerContext, SandboxContext
from app.kernel.errors import Forbidden, NotFound, RuleViolation
from app.kernel.roles import CustomerRole, require_role
from app.models import DelegatedAdminRelationship, GdapRelationshipStatus, Tenant, TenantKind
from app.programs import service as programs

R = GdapRelationshipStatus


@dataclass(frozen=True)
class ApprovalView:
    """What the approval page shows: who asks, for what, and for whom."""

    relationship: DelegatedAdminRelationship
    partner: Tenant
    partner_mpn_id: str | None
    customer: Tenant | None


async def approval_view(ctx: SandboxContext, relationship: DelegatedAdminRelationship) -> ApprovalView:
    partner = await lookup.one(ctx, Tenant, relationship.partner_tenant_id, what="Partner tenant")
    profile = await programs.find_profile(ctx, partner.id)
    customer = (
        await ctx.session.get(Tenant, (ctx.sandbox_id, relationship.customer_tenant_id))
        if relationship.customer_tenant_id
        else None
    )
    return ApprovalView(
        relationship=relationship,
        partner=partner,
        partner_mpn_id=profile.partner_id if profile else None,
        customer=customer,
    )


async def _require_customer(ctx: CustomerContext) -> Tenant:
    # A person signed in on the approval page may belong to any tenant: the kind is checked here, not assumed.
    tenant = await ctx.session.get(Tenant, (ctx.sandbox_id, ctx.tenant_id))
    if tenant is None or tenant.kind is not TenantKind.CUSTOMER:
        raise Forbidden("Sign in as a Global admin of the customer's own tenant to answer a partner's request.")
    return tenant


async def addressed_to_customer(
    ctx: CustomerContext, relationship_id: uuid.UUID, *, for_update: bool = False
) -> DelegatedAdminRelationship:
    """A relationship the calling customer may see: one addressed to it, or an open request (no customer named) that
    waits for approval by whoever holds its link. Any other is not found."""
    what = "Delegated admin relationship"
    relationship = await lookup.one(ctx, DelegatedAdminRelationship, relationship_id, what=what, for_update=for_update)
    mine = relationship.customer_tenant_id == ctx.tenant_id or (
        relationship.customer_tenant_id is None and relationship.status is R.APPROVAL_PENDING
    )
    if not mine:
        raise NotFound(what, relationship_id)
    return relationship


async def list_for_customer(ctx: CustomerContext) -> list[ApprovalView]:
    """The customer's own list: only the relationships addressed to it (sent, so never one still `created`)."""
    stmt = (
        select(DelegatedAdminRelationship)
        .where(
            DelegatedAdminRelationship.sandbox_id == ctx.sandbox_id,
            DelegatedAdminRelationship.customer_tenant_id == ctx.tenant_id,
            DelegatedAdminRelationship.status != R.CREATED,
        )
        .order_by(DelegatedAdminRelationship.seq, DelegatedAdminRelationship.id)
    )
    return [await approval_view(ctx, r) for r in (await ctx.session.execute(stmt)).scalars()]


async def customer_view(ctx: CustomerContext, *, relationship_id: uuid.UUID) -> ApprovalView:
    """One relationship addressed to the calling customer (or an open request it holds the link of)."""
    return await approval_view(ctx, await addressed_to_customer(ctx, relationship_id))


def approval_expires_at(ctx: SandboxContext, relationship: DelegatedAdminRelationship) -> datetime | None:
    """When a request waiting for approval stops being approvable (GDP-1); None once it waits no more."""
    if relationship.status is not R.APPROVAL_PENDING or relationship.approval_pending_at is None:
        return None
    return relationship.approval_pending_at + timedelta(days=ctx.settings.gdap_approval_expiry_days)


async def approve_relationship(ctx: CustomerContext, *, relationship_id: uuid.UUID) -> ApprovalView:
    """GDP-1: the customer's Global admin approves a pending request (through the page or its JSON twin); a request
    named for another customer is not found, and one past its approval window has expired. GDP-4: not for a provider
    related to this customer only through the extension. GDP-2: approved, then activating, then active (at once, or
    after `gdapActivationSeconds`)."""
    customer = await _require_customer(ctx)
    relationship = await addressed_to_customer(ctx, relationship_id, for_update=True)
    require_role(ctx, CustomerRole.GLOBAL_ADMIN, action="approve a partner's admin access", rule="GDP-1")
    expires_at = approval_expires_at(ctx, relationship)
    if expires_at is not None and expires_at <= ctx.now:
        # The expiry timer has not run yet (the clock just passed it); the request is over all the same.
        raise RuleViolation(
            "GDP-1", f"This request expired on {expires_at:%Y-%m-%d}; ask the partner for a new one.", status_code=409
        )
    await refuse_extension_only(ctx, partner_id=relationship.partner_tenant_id, customer_id=customer.id)
    await move_relationship(ctx, relationship, R.APPROVED, action="approve")
    relationship.customer_tenant_id, relationship.customer_display_name = customer.id, customer.display_name
    relationship.approved_by = ctx.actor.name
    await timers.cancel(ctx, kind=APPROVAL_EXPIRY_TIMER, ref=relationship.id)
    await move_relationship(ctx, relationship, R.ACTIVATING, action="approve")
    delay = ctx.settings.gdap_activation_seconds
    if delay == 0:
        await activate(ctx, relationship)
    else:
        await timers.schedule(
            ctx, kind=ACTIVATION_TIMER, ref=relationship.id, due_at=ctx.now + timedelta(seconds=delay)
        )
    await ctx.session.flush()
    return await approval_view(ctx, relationship)


async def terminate_by_customer(ctx: CustomerContext, *, relationship_id: uuid.UUID) -> ApprovalView:
    """GDP-2: the customer's Global admin ends an active relationship with a partner."""
    await _require_customer(ctx)
    relationship = await addressed_to_customer(ctx, relationship_id, for_update=True)
    require_role(ctx, CustomerRole.GLOBAL_ADMIN, action="end a partner's admin access")
    await terminate(ctx, relationship, side="customer")
    await ctx.session.flush()
    return await approval_view(ctx, relationship)


async def find_for_page(ctx: SandboxContext, relationship_id: uuid.UUID) -> ApprovalView:
    """The relationship behind an approval link, whoever opens it (the page asks for a sign-in before acting)."""
    what = "Delegated admin relationship"
    relationship = await lookup.one(ctx, DelegatedAdminRelationship, relationship_id, what=what)
    if relationship.status is R.CREATED:  # not sent yet: its link is not out, so nobody holds it
        raise NotFound(what, relationship_id)
    return await approval_view(ctx, relationship)


@timers.on_timer(POLICY_TIMER)
async def _customer_approves(ctx: SandboxContext, timer: timers.Due) -> None:
    """The gdapApproval counter-party policy: the customer's first Global admin approves, through the same call as
    the approval page's button, if the request is still waiting for it."""
    relationship = await ctx.session.get(DelegatedAdminRelationship, (ctx.sandbox_id, uuid.UUID(timer.ref)))
    if relationship is None or relationship.status is not R.APPROVAL_PENDING or relationship.customer_tenant_id is None:
        return
    admin = await identity.as_global_admin(ctx, relationship.customer_tenant_id, CustomerContext)
    if admin is not None:
        await approve_relationship(admin, relationship_id=relationship.id)
