"""Enrolling in the partner programs, deciding enrollments, and the partner agreement (MPA)."""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from app.events.service import move, notify, record_change, record_event
from app.kernel import timers
from app.kernel.clock import add_business_days
from app.kernel.context import SandboxContext
from app.kernel.errors import Conflict, RuleViolation
from app.kernel.lookup import one
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.statements import add_now
from app.models import (
    AgreementStatus,
    Enrollment,
    EnrollmentStatus,
    PartnerAgreement,
    Program,
    Tenant,
)
from app.programs import service
from app.programs.lifecycle import AGREEMENT, ENROLLMENT, LIVE, OVERRIDABLE

E = EnrollmentStatus
APPROVE_TIMER = "enrollment.approve"
REVIEW_TIMER = "enrollment.revenue-review"
INCENTIVES_TIMER = "enrollment.incentives-invitation"
OVERRIDE_WARNING = (
    "Direct bill overrides indirect reseller: once this enrollment is active, this tenant loses its "
    "indirect reseller access (PRG-8)."
)


@dataclass
class Submitted:
    enrollment: Enrollment
    warnings: list[str] = field(default_factory=list)


async def _enrollments(ctx: SandboxContext, tenant_id: uuid.UUID, program: Program) -> list[Enrollment]:
    return list(
        (
            await ctx.session.execute(
                select(Enrollment)
                .where(
                    Enrollment.sandbox_id == ctx.sandbox_id,
                    Enrollment.tenant_id == tenant_id,
                    Enrollment.program == program,
                )
                .order_by(Enrollment.submitted_at, Enrollment.id)
            )
        ).scalars()
    )


def _with(enrollments: list[Enrollment], *statuses: EnrollmentStatus) -> Enrollment | None:
    return next((e for e in reversed(enrollments) if e.status in statuses), None)


async def _check_revenue(ctx: SandboxContext, tenant_id: uuid.UUID) -> None:
    """PRG-1: direct bill needs the threshold's revenue over the 12 months before now."""
    revenue = await service.trailing_revenue(ctx, tenant_id)
    threshold = ctx.settings.revenue_threshold_usd
    if revenue < threshold:
        first, last = service.trailing_window(ctx.now)
        raise RuleViolation(
            "PRG-1",
            f"Direct bill needs at least USD {threshold:,} of CSP revenue over the 12 months "
            f"{first} to {last}; this partner has USD {revenue:,}. Enroll as an indirect reseller "
            "with a provider instead, or apply again when the revenue is there.",
            data=[{"trailingRevenueUsd": str(revenue), "thresholdUsd": str(threshold)}],
        )


async def enroll(
    ctx: SandboxContext, *, program: Program, primary_contact_email: str | None, acknowledge_indirect_override: bool
) -> Submitted:
    """Submit an enrollment in a partner program.

    PRG-4: only a Global admin, and only with a complete profile. PRG-1: direct bill needs the revenue.
    PRG-3: indirect reseller on a direct-bill tenant only once direct bill is Restricted. PRG-8: direct bill on a
    tenant with an indirect reseller enrollment in any live stage (Pending, Approved with its MPA pending, Active)
    needs `acknowledgeIndirectOverride`, and overrides it when direct bill becomes Active. PRG-10: a tenant that
    went indirect by restricting its direct bill cannot make direct bill active again. PRG-5: approval is immediate
    or after the set delay.
    """
    service.require_global_admin(ctx, "submit an enrollment", rule="PRG-4")
    tenant, profile = await service.get_partner_profile(ctx)
    missing = service.missing_profile_fields(profile)
    if missing:
        raise RuleViolation(
            "PRG-4",
            f"Complete the partner profile before enrolling: {', '.join(missing)} missing (PUT /v1/profiles/partner).",
            data=[{"missing": missing}],
        )
    same = await _enrollments(ctx, tenant.id, program)
    if (live := _with(same, E.PENDING, E.APPROVED, E.ACTIVE)) is not None:
        raise Conflict(f"This tenant already has a {live.status} {program} enrollment ({live.id}).")
    warnings: list[str] = []
    if program is Program.DIRECT_BILL:
        restricted = _with(same, E.RESTRICTED)
        if restricted is not None:
            return Submitted(await _reinstate_direct_bill(ctx, tenant, restricted))
        await _check_revenue(ctx, tenant.id)
        # Whatever stage indirect reseller is in (its MPA pending or accepted), direct bill would override it.
        indirect = _with(await _enrollments(ctx, tenant.id, Program.INDIRECT_RESELLER), *OVERRIDABLE)
        if indirect is not None:
            if not acknowledge_indirect_override:
                raise RuleViolation(
                    "PRG-8",
                    OVERRIDE_WARNING + " Send acknowledgeIndirectOverride: true to "
                    "confirm, or enroll in direct bill with a new tenant.",
                    status_code=409,
                )
            warnings.append(OVERRIDE_WARNING)
    on_restricted = False
    if program is Program.INDIRECT_RESELLER:
        direct = _with(await _enrollments(ctx, tenant.id, Program.DIRECT_BILL), *LIVE)
        if direct is not None and direct.status is not E.RESTRICTED:
            raise RuleViolation(
                "PRG-3",
                f"This tenant's direct-bill enrollment is {direct.status}: it can enroll as "
                "an indirect reseller only once direct bill is Restricted. Ask support to restrict "
                "it (POST /v1/servicerequests with category DirectBillRestriction), or enroll with "
                "a new tenant.",
                status_code=409,
            )
        on_restricted = direct is not None
    enrollment = Enrollment(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        tenant_id=tenant.id,
        program=program,
        status=E.PENDING,
        primary_contact_email=(primary_contact_email or profile.primary_contact_email or "").lower(),
        acknowledged_indirect_override=acknowledge_indirect_override,
        on_restricted_direct_bill=on_restricted,
        submitted_by=ctx.actor.name,
        submitted_at=ctx.now,
    )
    await add_now(ctx.session, enrollment)
    await record_change(
        ctx,
        event="enrollment-submitted",
        operation_type="submit_enrollment",
        resource_type="Enrollment",
        resource_id=enrollment.id,
        tenant_id=tenant.id,
        data={"program": program.value},
        new_value={"program": program.value, "status": E.PENDING.value},
    )
    decision = ctx.settings.counterparty_policies.enrollment_decision.action
    delay = ctx.settings.enrollment_approval_business_days
    if decision == "manual":
        pass  # Pending until the operator decides
    elif delay == 0:
        await _decide(ctx, enrollment, approve=decision == "accept", reason=_policy_reason(decision))
    else:
        due_at = add_business_days(ctx.now, delay)
        await timers.schedule(ctx, kind=APPROVE_TIMER, ref=enrollment.id, due_at=due_at, payload={"action": decision})
    return Submitted(enrollment, warnings)


async def _reinstate_direct_bill(ctx: SandboxContext, tenant: Tenant, restricted: Enrollment) -> Enrollment:
    """PRG-10: a restricted direct bill comes back only on a tenant that never went indirect through it."""
    indirect = _with(await _enrollments(ctx, tenant.id, Program.INDIRECT_RESELLER), *LIVE, E.OVERRIDDEN)
    if indirect is not None and indirect.on_restricted_direct_bill:
        raise RuleViolation(
            "PRG-10",
            "This tenant became an indirect reseller by restricting its direct-bill "
            "enrollment, so direct bill cannot be made active again on it. Apply for direct bill "
            "with a new tenant (meeting the revenue requirement), then move your customers to it.",
        )
    await _check_revenue(ctx, tenant.id)
    await _move(ctx, restricted, E.ACTIVE, action="reinstate direct bill", event="enrollment-reinstated")
    await _activated(ctx, restricted)
    return restricted


async def _move(
    ctx: SandboxContext, enrollment: Enrollment, target: EnrollmentStatus, *, action: str, event: str
) -> None:
    await move(
        ctx,
        enrollment,
        ENROLLMENT,
        target,
        action=action,
        event=event,
        resource_type="Enrollment",
        tenant_ids=[enrollment.tenant_id],
    )


async def _approve(ctx: SandboxContext, enrollment: Enrollment) -> None:
    """PRG-5: approval notifies the form's contact. PRG-6: indirect reseller waits for its MPA to be accepted."""
    await _move(ctx, enrollment, E.APPROVED, action="approve", event="enrollment-approved")
    await notify(
        ctx,
        to=enrollment.primary_contact_email,
        kind="enrollment-approved",
        tenant_id=enrollment.tenant_id,
        subject=f"Your {enrollment.program} enrollment is approved",
        body=_approval_mail(enrollment),
    )
    if enrollment.program is Program.INDIRECT_RESELLER:
        agreement = PartnerAgreement(
            sandbox_id=ctx.sandbox_id,
            id=await ctx.new_id(),
            tenant_id=enrollment.tenant_id,
            enrollment_id=enrollment.id,
            status=AgreementStatus.PENDING,
            created_at=ctx.now,
        )
        await add_now(ctx.session, agreement)
        await record_event(
            ctx,
            name="partner-agreement-pending",
            resource_type="PartnerAgreement",
            resource_id=agreement.id,
            tenant_ids=[enrollment.tenant_id],
        )
        return
    await _move(ctx, enrollment, E.ACTIVE, action="activate", event="enrollment-activated")
    await _activated(ctx, enrollment)


def _approval_mail(enrollment: Enrollment) -> str:
    if enrollment.program is Program.INDIRECT_RESELLER:
        return (
            "Your indirect reseller enrollment is approved. Sign in to Partner Center as a Global admin and "
            "accept the indirect reseller agreement (Microsoft Partner Agreement) on your Agreements page to "
            "enable indirect reseller capabilities."
        )
    return f"Your {enrollment.program} enrollment is approved and active."


async def _activated(ctx: SandboxContext, enrollment: Enrollment) -> None:
    """What follows an enrollment becoming Active: PRG-8's override, PRG-2's review, PRG-11's invitation."""
    if enrollment.program is Program.DIRECT_BILL:
        indirect = _with(await _enrollments(ctx, enrollment.tenant_id, Program.INDIRECT_RESELLER), *OVERRIDABLE)
        if indirect is not None:
            # Pending or Approved too: an override that waited for the MPA would let indirect reseller come back.
            await _move(ctx, indirect, E.OVERRIDDEN, action="direct bill overrides", event="enrollment-overridden")
        interval = timedelta(days=ctx.settings.revenue_review_interval_days)
        await timers.schedule(ctx, kind=REVIEW_TIMER, ref=enrollment.id, due_at=ctx.now + interval)
    if enrollment.program is Program.INDIRECT_RESELLER and enrollment.on_restricted_direct_bill:
        window = timedelta(days=ctx.settings.incentive_invitation_days)
        await timers.schedule(
            ctx, kind=INCENTIVES_TIMER, ref=enrollment.id, due_at=min(add_business_days(ctx.now, 1), ctx.now + window)
        )


async def decide_enrollment(
    ctx: SandboxContext, *, enrollment_id: uuid.UUID, approve: bool, reason: str | None
) -> Enrollment:
    """The operator decides a pending enrollment before the policy does (PRG-5): approve, or reject with a reason."""
    enrollment = await _get(ctx, enrollment_id, for_update=True)
    await timers.cancel(ctx, kind=APPROVE_TIMER, ref=enrollment.id)
    await _decide(ctx, enrollment, approve=approve, reason=reason)
    return enrollment


async def _decide(ctx: SandboxContext, enrollment: Enrollment, *, approve: bool, reason: str | None) -> None:
    """Approve (PRG-5's mail, PRG-6's MPA) or reject with a reason, mailing the form's contact either way."""
    enrollment.decision_reason = reason
    if approve:
        await _approve(ctx, enrollment)
        return
    await _move(ctx, enrollment, E.REJECTED, action="reject", event="enrollment-rejected")
    await notify(
        ctx,
        to=enrollment.primary_contact_email,
        kind="enrollment-rejected",
        tenant_id=enrollment.tenant_id,
        subject=f"Your {enrollment.program} enrollment was not approved",
        body=f"Your {enrollment.program} enrollment was rejected. Reason: {reason or 'not given'}.",
    )


async def _get(
    ctx: SandboxContext, enrollment_id: uuid.UUID, *, for_update: bool = False, tenant_id: uuid.UUID | None = None
) -> Enrollment:
    mine = [Enrollment.tenant_id == tenant_id] if tenant_id is not None else []
    return await one(ctx, Enrollment, enrollment_id, what="Enrollment", for_update=for_update, where=mine)


async def get_enrollment(ctx: SandboxContext, enrollment_id: uuid.UUID) -> Enrollment:
    """One of the calling partner's own enrollments."""
    return await _get(ctx, enrollment_id, tenant_id=ctx.actor.tenant_id)


async def list_enrollments(ctx: SandboxContext, page: PageRequest, *, tenant_id: uuid.UUID | None) -> Page[Enrollment]:
    stmt = select(Enrollment).where(Enrollment.sandbox_id == ctx.sandbox_id)
    if tenant_id is not None:
        stmt = stmt.where(Enrollment.tenant_id == tenant_id)
    return await keyset(ctx.session, stmt, keys=[Enrollment.submitted_at, Enrollment.id], page=page)


# --- the partner agreement (MPA) ---------------------------------------------------------------------------------


async def list_agreements(
    ctx: SandboxContext, page: PageRequest, *, status: AgreementStatus | None, agreement_type: str | None
) -> Page[PartnerAgreement]:
    stmt = select(PartnerAgreement).where(
        PartnerAgreement.sandbox_id == ctx.sandbox_id, PartnerAgreement.tenant_id == ctx.actor.tenant_id
    )
    if status is not None:
        stmt = stmt.where(PartnerAgreement.status == status)
    if agreement_type is not None:
        stmt = stmt.where(PartnerAgreement.agreement_type == agreement_type)
    return await keyset(ctx.session, stmt, keys=[PartnerAgreement.created_at, PartnerAgreement.id], page=page)


async def accept_agreement(ctx: SandboxContext, *, agreement_id: uuid.UUID) -> PartnerAgreement:
    """PRG-4: only a Global admin accepts. PRG-6: acceptance makes the indirect reseller enrollment Active,
    and only then do its capabilities exist; an enrollment direct bill overrode (PRG-8) is not brought back."""
    service.require_global_admin(ctx, "accept a partner agreement", rule="PRG-4")
    agreement = await one(
        ctx,
        PartnerAgreement,
        agreement_id,
        what="Agreement",
        for_update=True,
        where=[PartnerAgreement.tenant_id == ctx.actor.tenant_id],
    )
    await move(
        ctx,
        agreement,
        AGREEMENT,
        AgreementStatus.ACCEPTED,
        action="accept",
        event="partner-agreement-accepted",
        resource_type="PartnerAgreement",
        tenant_ids=[agreement.tenant_id],
    )
    agreement.accepted_by = ctx.actor.name
    enrollment = await _get(ctx, agreement.enrollment_id, for_update=True)
    if enrollment.status is E.OVERRIDDEN:
        # PRG-8 was decided when direct bill became active (the acknowledged override): this is no new refusal
        # of the rule, only a state that no longer moves, said in words a person can act on.
        raise Conflict(
            "Direct bill is active on this tenant and has overridden its indirect reseller enrollment, so this "
            "agreement can no longer enable indirect reseller capabilities. Enroll as an indirect reseller with a "
            "new tenant."
        )
    await _move(ctx, enrollment, E.ACTIVE, action="accept the partner agreement", event="enrollment-activated")
    await _activated(ctx, enrollment)
    return agreement


# --- timers -------------------------------------------------------------------------------------------------------


def _policy_reason(decision: str) -> str | None:
    return "Rejected by the sandbox's enrollmentDecision policy." if decision == "reject" else None


@timers.on_timer(APPROVE_TIMER)
async def _decide_when_due(ctx: SandboxContext, timer: timers.Due) -> None:
    """PRG-5's delay is over: the operator decides as the sandbox's enrollmentDecision policy says."""
    enrollment = await _get(ctx, uuid.UUID(timer.ref), for_update=True)
    decision = timer.payload.get("action", "accept")
    if enrollment.status is E.PENDING:
        await _decide(ctx, enrollment, approve=decision != "reject", reason=_policy_reason(decision))


@timers.on_timer(REVIEW_TIMER)
async def _review_revenue(ctx: SandboxContext, timer: timers.Due) -> None:
    """PRG-2: an Active direct bill under the threshold is Restricted, and the primary contact told; otherwise the
    next review is scheduled."""
    enrollment = await _get(ctx, uuid.UUID(timer.ref), for_update=True)
    if enrollment.status is not E.ACTIVE:
        return
    revenue = await service.trailing_revenue(ctx, enrollment.tenant_id)
    threshold = ctx.settings.revenue_threshold_usd
    if revenue >= threshold:
        interval = timedelta(days=ctx.settings.revenue_review_interval_days)
        await timers.schedule(ctx, kind=REVIEW_TIMER, ref=enrollment.id, due_at=ctx.now + interval)
        return
    await _move(ctx, enrollment, E.RESTRICTED, action="revenue review", event="enrollment-restricted")
    profile = await service.find_profile(ctx, enrollment.tenant_id)
    contact = (profile.primary_contact_email if profile else None) or enrollment.primary_contact_email
    await notify(
        ctx,
        to=contact,
        kind="direct-bill-restricted",
        tenant_id=enrollment.tenant_id,
        subject="Your direct-bill enrollment is restricted",
        body=f"Your CSP revenue over the last 12 months (USD {revenue:,}) is below the direct-bill "
        f"requirement of USD {threshold:,}, so your direct-bill enrollment is now Restricted (PRG-2).",
    )


@timers.on_timer(INCENTIVES_TIMER)
async def _invite_to_incentives(ctx: SandboxContext, timer: timers.Due) -> None:
    """PRG-11: the invitation to indirect reseller incentives, to the partner-program account's email."""
    enrollment = await _get(ctx, uuid.UUID(timer.ref))
    profile = await service.find_profile(ctx, enrollment.tenant_id)
    contact = (profile.primary_contact_email if profile else None) or enrollment.primary_contact_email
    await notify(
        ctx,
        to=contact,
        kind="incentives-invitation",
        tenant_id=enrollment.tenant_id,
        subject="Enroll for indirect reseller incentives",
        body="Your indirect reseller enrollment is active. You are invited to enroll for indirect reseller "
        "incentives; your direct-bill incentives stay available and are managed separately.",
    )
