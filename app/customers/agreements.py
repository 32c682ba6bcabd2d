"""The Microsoft Customer Agreement: partner attestations (AGR-3), the customer's own acceptance, and whether the
MCA holds for a given partner (AGR-1, AGR-2)."""

import uuid
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import bindparam, select

from app.customers.service import get_visible_customer, purchasing_partner
from app.events.service import record_audit, record_event
from app.kernel.context import CustomerContext, PartnerContext, SandboxContext
from app.kernel.errors import Conflict, RuleViolation
from app.kernel.roles import CustomerRole, require_role
from app.models import MCA, MCA_TEMPLATE_ID, AcceptanceChannel, CustomerAgreement, Tenant, TenantKind

# Built once, with bound parameters (see customers.service._SEEN_CUSTOMER).
_ACCEPTANCES = (
    select(CustomerAgreement)
    .where(
        CustomerAgreement.sandbox_id == bindparam("sandbox_id"),
        CustomerAgreement.customer_tenant_id == bindparam("customer_id"),
    )
    .order_by(CustomerAgreement.recorded_at, CustomerAgreement.id)
)


async def acceptances(ctx: SandboxContext, customer_id: uuid.UUID) -> list[CustomerAgreement]:
    params = {"sandbox_id": ctx.sandbox_id, "customer_id": customer_id}
    return list((await ctx.session.execute(_ACCEPTANCES, params)).scalars())


def _holds_for(acceptance: CustomerAgreement, partner_id: uuid.UUID) -> bool:
    """AGR-2: the customer's own acceptance holds for every partner; a partner's attestation only for that partner
    (so it is not carried over when the relationship moves to a provider)."""
    return acceptance.channel is AcceptanceChannel.ADMIN_CENTER or acceptance.partner_tenant_id == partner_id


async def mca_valid_for(ctx: SandboxContext, customer_id: uuid.UUID, partner_id: uuid.UUID) -> bool:
    """AGR-2, for one customer."""
    return any(_holds_for(a, partner_id) for a in await acceptances(ctx, customer_id))


async def customers_with_mca(
    ctx: SandboxContext, customer_ids: Collection[uuid.UUID], partner_id: uuid.UUID
) -> set[uuid.UUID]:
    """AGR-2 for a page of customers in one query: those for which the MCA holds for the partner."""
    if not customer_ids:
        return set()
    found = await ctx.session.execute(
        select(CustomerAgreement).where(
            CustomerAgreement.sandbox_id == ctx.sandbox_id, CustomerAgreement.customer_tenant_id.in_(customer_ids)
        )
    )
    return {a.customer_tenant_id for a in found.scalars() if _holds_for(a, partner_id)}


async def require_mca(ctx: SandboxContext, customer_id: uuid.UUID) -> None:
    """AGR-1: no new purchase for a customer until the MCA holds for the purchasing partner (Partner Center 13605)."""
    if not await mca_valid_for(ctx, customer_id, purchasing_partner(ctx)):
        raise RuleViolation(
            "AGR-1",
            "The customer has not accepted the Microsoft Customer Agreement for you: record "
            "its acceptance (POST /v1/customers/{id}/agreements) or have it accept in its admin "
            "center before purchasing.",
            code=13605,
            error_name="MCAAcceptanceRequired",
        )


async def attest(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    template_id: str,
    agreement_type: str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str | None,
    date_agreed: datetime,
) -> CustomerAgreement:
    """AGR-3: the partner records the customer's acceptance: the contact (first name, last name, email), the date
    agreed, the template, and who recorded it. Confirming again answers Partner Center's 600061."""
    seen = await get_visible_customer(ctx, customer_id)
    if agreement_type != MCA or template_id != MCA_TEMPLATE_ID:
        raise RuleViolation(
            "AGR-3",
            f"An attestation names the Microsoft Customer Agreement: type {MCA} and template "
            f"{MCA_TEMPLATE_ID} (GET /v1/agreements?agreementType={MCA}).",
            status_code=400,
        )
    date_agreed = date_agreed.astimezone(UTC)  # answered and kept in UTC, whatever zone it was sent in
    if date_agreed > ctx.now:
        raise RuleViolation("AGR-3", "The date agreed cannot be in the future.", status_code=400)
    partner_id = ctx.tenant_id
    if any(a.partner_tenant_id == partner_id for a in await acceptances(ctx, customer_id)):
        raise Conflict(
            "This customer's acceptance of the Microsoft Customer Agreement is already confirmed by you.",
            data=[{"code": 600061}],
        ).with_code(600061, "PartnerConfirmedAgreementAlreadyExists")
    agreement = CustomerAgreement(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=seen.tenant.id,
        channel=AcceptanceChannel.PARTNER_ATTESTATION,
        partner_tenant_id=partner_id,
        template_id=template_id,
        agreement_type=agreement_type,
        contact_first_name=first_name,
        contact_last_name=last_name,
        contact_email=email.lower(),
        contact_phone=phone,
        date_agreed=date_agreed,
        recorded_by=ctx.actor.name,
        recorded_by_user_id=ctx.actor.user_id,
        recorded_at=ctx.now,
    )
    ctx.session.add(agreement)
    await ctx.session.flush()
    await record_audit(
        ctx,
        tenant_id=partner_id,
        customer_id=customer_id,
        operation_type="create_customer_agreement",
        resource_type="CustomerAgreement",
        resource_id=agreement.id,
        new_value={"templateId": template_id, "contactEmail": email},
    )
    return agreement


async def accept_in_admin_center(
    ctx: CustomerContext, *, first_name: str, last_name: str, email: str
) -> CustomerAgreement:
    """The customer's own acceptance, by its Global admin: it holds for every partner, now and after any move."""
    customer = await ctx.session.get(Tenant, (ctx.sandbox_id, ctx.tenant_id))
    if customer is None or customer.kind is not TenantKind.CUSTOMER:
        raise Conflict("Only a customer tenant accepts the Microsoft Customer Agreement in its admin center.")
    require_role(ctx, CustomerRole.GLOBAL_ADMIN, action="accept the Microsoft Customer Agreement")
    if any(a.channel is AcceptanceChannel.ADMIN_CENTER for a in await acceptances(ctx, customer.id)):
        raise Conflict("Your organization has already accepted the Microsoft Customer Agreement.")
    agreement = CustomerAgreement(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        customer_tenant_id=customer.id,
        channel=AcceptanceChannel.ADMIN_CENTER,
        partner_tenant_id=None,
        template_id=MCA_TEMPLATE_ID,
        agreement_type=MCA,
        contact_first_name=first_name,
        contact_last_name=last_name,
        contact_email=email.lower(),
        contact_phone=None,
        date_agreed=ctx.now,
        recorded_by=ctx.actor.name,
        recorded_by_user_id=ctx.actor.user_id,
        recorded_at=ctx.now,
    )
    ctx.session.add(agreement)
    await ctx.session.flush()
    await record_event(
        ctx,
        name="customer-agreement-accepted",
        resource_type="CustomerAgreement",
        resource_id=agreement.id,
        data={"customerId": str(customer.id)},
    )
    return agreement
