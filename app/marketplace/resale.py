"""COM-6, the requirements for resale (seed 002), checked in one function: a platform account, a PartnerID as an
indirect reseller with a partnership to this distributor, the Microsoft Partner Agreement accepted, and the
customer's acceptance of the Microsoft Customer Agreement confirmed to Microsoft by the distributor."""

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.customers import agreements
from app.kernel.context import SandboxContext
from app.kernel.errors import RuleViolation
from app.models import AccountStatus, Enrollment, EnrollmentStatus, MarketplaceAccount, Program
from app.programs import service as programs
from app.providers import service as providers


@dataclass(frozen=True)
class Prerequisite:
    name: str
    met: bool
    remedy: str


async def resale_prerequisites(
    ctx: SandboxContext, *, account: MarketplaceAccount, customer_tenant_id: uuid.UUID | None
) -> list[Prerequisite]:
    """COM-6, each requirement met or not (the customer's MCA only when a customer is named)."""
    reseller, distributor = account.reseller_tenant_id, account.distributor_tenant_id
    profile = await programs.find_profile(ctx, reseller)
    enrolled = await ctx.session.scalar(
        select(Enrollment.id).where(
            Enrollment.sandbox_id == ctx.sandbox_id,
            Enrollment.tenant_id == reseller,
            Enrollment.program == Program.INDIRECT_RESELLER,
            Enrollment.status.in_([EnrollmentStatus.APPROVED, EnrollmentStatus.ACTIVE]),
        )
    )
    partnered = await providers.are_partners(ctx, provider_id=distributor, reseller_id=reseller)
    mpa = (await programs.capabilities(ctx, reseller)).indirect_reseller
    found = [
        Prerequisite(
            "PlatformAccount",
            account.status is AccountStatus.ACTIVE,
            "the distributor's operations activate the reseller's platform account",
        ),
        Prerequisite(
            "IndirectResellerPartnerId",
            bool(profile and profile.partner_id) and enrolled is not None and partnered,
            "a PartnerID enrolled as an indirect reseller (POST /v1/enrollments) that accepted the distributor's "
            "partnership invitation (POST /v1/partnerships/invitations/{id}/accept)",
        ),
        Prerequisite(
            "PartnerAgreementAccepted",
            mpa,
            "the reseller's Global admin accepts the Microsoft Partner Agreement (POST /v1/agreements/{id}/accept)",
        ),
    ]
    if customer_tenant_id is not None:
        found.append(
            Prerequisite(
                "CustomerAgreementConfirmed",
                await agreements.mca_valid_for(ctx, customer_tenant_id, distributor),
                "the customer's admin accepts the Microsoft Customer Agreement on the storefront page "
                "(POST /marketplace/v1/accounts/{accountId}/clickthroughs)",
            )
        )
    return found


async def require_resale(ctx: SandboxContext, *, account: MarketplaceAccount, customer_tenant_id: uuid.UUID) -> None:
    """COM-6: every requirement for resale is met, or a refusal naming the unmet ones and what to do."""
    missing = [
        p for p in await resale_prerequisites(ctx, account=account, customer_tenant_id=customer_tenant_id) if not p.met
    ]
    if missing:
        raise RuleViolation(
            "COM-6",
            "The requirements for resale are not met: " + "; ".join(f"{p.name}: {p.remedy}" for p in missing) + ".",
            data=[{"missing": [p.name for p in missing]}],
        )
