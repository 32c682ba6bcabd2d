"""The Microsoft Customer Agreement: partner attestations (AGR-3), the customer's own acceptance, and whether the
MCA holds for a given partner (AGR-1, AGR-2)."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select
from sqlalchemy.orm import QueryableAttribute

from app.customers.service import (
    ShownCustomer,
    get_visible_customer,
    purchasing_partner,
    show_visible_customer,
    shown_ahead,
)
from app.events.service import record_audit, record_event
from app.kernel.context import CustomerContext, PartnerContext, SandboxContext
from app.kernel.errors import Conflict, RuleViolation
from app.kernel.roles import CustomerRole, require_role
from app.kernel.statements import add_now
from app.models import (
    MCA,
    MCA_TEMPLATE_ID,
    AcceptanceChannel,
    CustomerAgreement,
    CustomerRelationship,
    Tenant,
    TenantKind,
)

# Built once, with bound parameters (see customers.service._seen_customer).
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


def _holding(customer: ColumnElement[bool], partner_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """AGR-2, the acceptances that make the MCA hold: the customer's own holds for every partner; a partner's
    attestation only for that partner (so it is not carried over when the relationship moves to a provider). Said
    once, in SQL, for every reader."""
    return and_(
        CustomerAgreement.sandbox_id == bindparam("sandbox_id"),
        customer,
        or_(
            CustomerAgreement.channel == AcceptanceChannel.ADMIN_CENTER,
            CustomerAgreement.partner_tenant_id == partner_id,
        ),
    )


def _holds_for(
    customer_id: ColumnElement[Any] | QueryableAttribute[Any], partner_id: ColumnElement[Any]
) -> ColumnElement[bool]:
    return exists().where(_holding(CustomerAgreement.customer_tenant_id == customer_id, partner_id))


# AGR-2 about the customer that customers.show_visible_customer (or require_purchase_relationship) reads, for the
# partner it reads it for: one statement.
MCA_HOLDS = _holds_for(Tenant.id, bindparam("partner_id")).label("mca_holds")
_MCA_VALID = select(_holds_for(bindparam("customer_id"), bindparam("partner_id")))


# `shown_with_mca` of a route's customer, read with its caller's principal (`pipeline.reads_ahead`).
SHOWN_WITH_MCA_AHEAD = shown_ahead(MCA_HOLDS)


async def shown_with_mca(ctx: PartnerContext, customer_id: uuid.UUID) -> tuple[ShownCustomer, bool]:
    """The customer as `show_visible_customer` shows it, and whether AGR-2 holds for the caller: one statement."""
    shown = await show_visible_customer(ctx, customer_id, MCA_HOLDS)
    return shown, bool(shown.also[0])


async def mca_valid_for(ctx: SandboxContext, customer_id: uuid.UUID, partner_id: uuid.UUID) -> bool:
    """AGR-2, for one customer."""
    params = {"sandbox_id": ctx.sandbox_id, "customer_id": customer_id, "partner_id": partner_id}
    return bool(await ctx.session.scalar(_MCA_VALID, params))


# AGR-2 about the customer of each relationship `customers.service.relationships_of_page` reads, for its partner: a
# page of the customer listing reads it with the page's relationships. Driven by the page's customer ids, an index
# lookup per customer whatever the statistics: a semi-join from the page's tenants, planned from statistics older
# than a bulk load, had PostgreSQL aggregate every acceptance of the sandbox (0.5 s for a page of a 100,000-customer
# partner).
MCA_OF_RELATED = _holds_for(CustomerRelationship.customer_tenant_id, bindparam("partner_id")).label("mca_holds")


async def require_mca(ctx: SandboxContext, customer_id: uuid.UUID, *, holds: bool | None = None) -> None:
    """AGR-1: no new purchase for a customer until the MCA holds for the purchasing partner (Partner Center 13605).
    `holds`: AGR-2 as the caller read it with the customer (`MCA_HOLDS`); else it is asked here."""
    if holds is None:
        holds = await mca_valid_for(ctx, customer_id, purchasing_partner(ctx))
    if not holds:
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
    await add_now(ctx.session, agreement)
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
    await add_now(ctx.session, agreement)
    await record_event(
        ctx,
        name="customer-agreement-accepted",
        resource_type="CustomerAgreement",
        resource_id=agreement.id,
        data={"customerId": str(customer.id)},
    )
    return agreement
