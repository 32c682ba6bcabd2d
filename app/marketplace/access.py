"""Program access (COM-5): the reseller asks for the distributor's Microsoft programs; operations decide, or the
distributor's counter-party policy does after N business days (as enrollments' PRG-5 policy does); each program
gates a product family.

The families, from seed 002 ("Microsoft CSP, which includes (1) Azure Plan and (2) NCE, RI, perpetual software,
software subscriptions"; "Microsoft Modern Workplace (Legacy License only)"):

- Microsoft Azure Reseller Program: asked first, needed for every Microsoft product; alone it opens new-commerce
  licenses, reservations and software.
- Microsoft Azure Plan: the Azure plan (the catalog's product type `Azure`: usage-based, not license-based).
- Microsoft Modern Workplace: legacy (pre-new-commerce) license-based offers.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from app.catalog.offers import OFFERS, Offer, ProductType
from app.events.service import move, notify, record_change
from app.kernel import timers
from app.kernel.clock import add_business_days
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict, RuleViolation
from app.kernel.lookup import one
from app.kernel.statements import add_now
from app.marketplace.accounts import get_visible_account, require_active, require_distributor, reseller_contact
from app.marketplace.lifecycle import PROGRAM_ACCESS
from app.models import (
    DistributorPolicy,
    MarketplaceAccount,
    MarketplaceProgram,
    MarketplaceRole,
    ProgramAccess,
    ProgramAccessStatus,
    Tenant,
)

P = MarketplaceProgram
S = ProgramAccessStatus
R = MarketplaceRole
DECIDE_TIMER = "marketplace.program-access.decide"
DECISIONS = ("manual", "accept", "reject")


def family_of(offer: Offer) -> MarketplaceProgram:
    """The program that gates an offer's product family (see the table above)."""
    if offer.product_type is ProductType.AZURE:
        return P.AZURE_PLAN
    if offer.license_based and not offer.new_commerce:
        return P.MODERN_WORKPLACE
    return P.AZURE_RESELLER


def _offer(offer_id: str) -> Offer | None:
    wanted = offer_id.lower()
    return next((o for o in OFFERS if wanted in {o.catalog_item_id.lower(), o.product_id.lower()}), None)


async def _requests(ctx: SandboxContext, account_id: uuid.UUID) -> list[ProgramAccess]:
    return list(
        (
            await ctx.session.execute(
                select(ProgramAccess)
                .where(ProgramAccess.sandbox_id == ctx.sandbox_id, ProgramAccess.account_id == account_id)
                .order_by(ProgramAccess.requested_at, ProgramAccess.id)
            )
        ).scalars()
    )


async def approved_programs(ctx: SandboxContext, account_id: uuid.UUID) -> set[MarketplaceProgram]:
    return {r.program for r in await _requests(ctx, account_id) if r.status is S.APPROVED}


async def require_program_access(ctx: SandboxContext, account: MarketplaceAccount, offer_ids: Iterable[str]) -> None:
    """COM-5: no Microsoft product before the Microsoft Azure Reseller Program is approved; then each offer's family
    needs its own program. The refusal names the missing program."""
    approved = await approved_programs(ctx, account.id)
    if P.AZURE_RESELLER not in approved:
        raise RuleViolation(
            "COM-5",
            f"This reseller has no access to the {P.AZURE_RESELLER.value}, which every Microsoft product needs: "
            "request it (POST /marketplace/v1/accounts/{accountId}/programs) and wait for the distributor's approval.",
            data=[{"missingProgram": P.AZURE_RESELLER.value}],
        )
    for offer_id in offer_ids:
        offer = _offer(offer_id)
        program = family_of(offer) if offer else P.AZURE_RESELLER
        if program not in approved:
            raise RuleViolation(
                "COM-5",
                f"{offer.title if offer else offer_id} belongs to the {program.value} family, and this reseller has "
                f"no access to the {program.value}: request it and wait for the distributor's approval.",
                data=[{"missingProgram": program.value, "offerId": offer_id}],
            )


async def request_program(ctx: PartnerContext, *, account_id: uuid.UUID, program: MarketplaceProgram) -> ProgramAccess:
    """COM-5: the reseller's admin requests a program: the Microsoft Azure Reseller Program first, then the Azure
    Plan or Modern Workplace. The distributor's policy decides at once, after N business days, or leaves it to
    operations (manual, the default)."""
    seen = await get_visible_account(ctx, account_id, for_update=True)
    seen.require(R.RESELLER_ADMIN, action="request program access")
    account = seen.account
    require_active(account)
    requests = await _requests(ctx, account.id)
    held = next((r for r in requests if r.program is program and r.status in (S.REQUESTED, S.APPROVED)), None)
    if held is not None:
        raise Conflict(f"The {program.value} is already {held.status} for this reseller ({held.id}).")
    if program is not P.AZURE_RESELLER and not any(
        r.program is P.AZURE_RESELLER and r.status is S.APPROVED for r in requests
    ):
        raise RuleViolation(
            "COM-5",
            f"Request the {P.AZURE_RESELLER.value} first: the {program.value} is asked for once it is approved.",
            data=[{"missingProgram": P.AZURE_RESELLER.value}],
        )
    access = ProgramAccess(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        account_id=account.id,
        reseller_tenant_id=account.reseller_tenant_id,
        distributor_tenant_id=account.distributor_tenant_id,
        program=program,
        status=S.REQUESTED,
        requested_by=ctx.actor.name,
        requested_at=ctx.now,
    )
    await add_now(ctx.session, access)
    await record_change(
        ctx,
        event="program-access-requested",
        operation_type="request_program_access",
        resource_type="ProgramAccess",
        resource_id=access.id,
        tenant_id=account.distributor_tenant_id,
        data={"program": program.value, "resellerTenantId": str(account.reseller_tenant_id)},
        new_value={"status": S.REQUESTED.value},
    )
    policy = await ctx.session.get(DistributorPolicy, (ctx.sandbox_id, account.distributor_tenant_id))
    if policy is None or policy.program_access_decision == "manual":
        return access
    if policy.business_days == 0:
        await _decide(ctx, access, approve=policy.program_access_decision == "accept", by="the distributor's policy")
    else:
        due_at = add_business_days(ctx.now, policy.business_days)
        payload = {"action": policy.program_access_decision}
        await timers.schedule(ctx, kind=DECIDE_TIMER, ref=access.id, due_at=due_at, payload=payload)
    return access


async def decide_program(
    ctx: PartnerContext, *, account_id: uuid.UUID, access_id: uuid.UUID, approve: bool, reason: str | None
) -> ProgramAccess:
    """COM-5: the distributor's operations approve or reject a request (before any policy does); the reseller is
    mailed either way."""
    seen = await get_visible_account(ctx, account_id)
    seen.require(R.DISTRIBUTOR_OPERATIONS, action="decide program access")
    access = await one(
        ctx, ProgramAccess, access_id, what="Program access request", for_update=True,
        where=[ProgramAccess.account_id == seen.account.id],
    )  # fmt: skip
    await timers.cancel(ctx, kind=DECIDE_TIMER, ref=access.id)
    await _decide(ctx, access, approve=approve, by=ctx.actor.name, reason=reason)
    return access


async def list_programs(ctx: PartnerContext, *, account_id: uuid.UUID) -> list[ProgramAccess]:
    seen = await get_visible_account(ctx, account_id)
    return await _requests(ctx, seen.account.id)


async def _decide(
    ctx: SandboxContext, access: ProgramAccess, *, approve: bool, by: str, reason: str | None = None
) -> None:
    target = S.APPROVED if approve else S.REJECTED
    verb = "approved" if approve else "rejected"
    await move(
        ctx,
        access,
        PROGRAM_ACCESS,
        target,
        action="approve" if approve else "reject",
        event=f"program-access-{verb}",
        resource_type="ProgramAccess",
        tenant_ids=[access.reseller_tenant_id, access.distributor_tenant_id],
    )
    access.decided_by, access.decision_reason = by, reason
    distributor = await ctx.session.get(Tenant, (ctx.sandbox_id, access.distributor_tenant_id))
    name = distributor.display_name if distributor else "The distributor"
    body = (
        f"Your account is authorized for the {access.program.value} on {name}'s marketplace."
        if approve
        else f"Your request for the {access.program.value} was rejected. Reason: {reason or 'not given'}."
    )
    await notify(
        ctx,
        to=await reseller_contact(ctx, access.reseller_tenant_id),
        kind=f"program-access-{verb}",
        tenant_id=access.reseller_tenant_id,
        subject=f"{access.program.value}: access {verb}",
        body=body,
    )


@timers.on_timer(DECIDE_TIMER)
async def _decide_when_due(ctx: SandboxContext, timer: timers.Due) -> None:
    """The policy's business days are over: the request is decided as the policy said, unless operations did."""
    access = await one(ctx, ProgramAccess, uuid.UUID(timer.ref), what="Program access request", for_update=True)
    if access.status is S.REQUESTED:
        approve = timer.payload.get("action", "accept") != "reject"
        reason = None if approve else "Rejected by the distributor's programAccessDecision policy."
        await _decide(ctx, access, approve=approve, by="the distributor's policy", reason=reason)


async def set_policy(
    ctx: SandboxContext, *, distributor_tenant_id: uuid.UUID, decision: str, business_days: int
) -> DistributorPolicy:
    """The operator sets the counter-party policy of a distributor's operations: `manual`, or `accept`/`reject`
    each program access request after `businessDays` business days (0: at once)."""
    if decision not in DECISIONS:
        raise BadRequest(f"programAccessDecision is one of {', '.join(DECISIONS)}, not {decision!r}.")
    await require_distributor(ctx, distributor_tenant_id)
    policy = await ctx.session.get(DistributorPolicy, (ctx.sandbox_id, distributor_tenant_id))
    if policy is None:
        policy = DistributorPolicy(sandbox_id=ctx.sandbox_id, distributor_tenant_id=distributor_tenant_id)
        ctx.session.add(policy)
    policy.program_access_decision, policy.business_days, policy.updated_at = decision, business_days, ctx.now
    await ctx.session.flush()
    return policy
