"""The storefront: orders with a purchase mode (COM-7), affiliate accounts made while ordering (seed 003), and the
customer's click-through of the Microsoft Customer Agreement (seed 002).

Purchase modes, and the tenant each buys for:

- PersonalUse: the reseller's own tenant (made at its first such order); no partner of record (no rebate).
- AffiliateAccount: one of its affiliates, or a new one named in the order; no partner of record (no rebate).
- EndCustomer: a customer it holds as indirect reseller with the distributor; its PartnerID on record (incentives).
Each is billed to the reseller.

A partner tenant is never a customer in cspsim, so "the reseller's own tenant" is a customer tenant the distributor
makes for the reseller's own use and keeps on its account. Every storefront order becomes the distributor's Partner
Center order through `commerce.orders.place_order` (its rules included: REL-5, AGR-1, COM-3, COM-4).
"""

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.commerce import orders as commerce
from app.customers import agreements
from app.customers import service as customers
from app.events.service import move, record_change
from app.kernel.context import PartnerContext, SandboxContext, SandboxState, TenantContext
from app.kernel.errors import BadRequest, Forbidden, NotFound, RuleViolation
from app.kernel.lookup import one
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.roles import CustomerRole
from app.kernel.statements import add_now
from app.marketplace.access import require_program_access
from app.marketplace.accounts import distributor_acting, get_visible_account
from app.marketplace.lifecycle import CLICK_THROUGH
from app.marketplace.resale import require_resale
from app.models import (
    MCA,
    MCA_TEMPLATE_ID,
    AffiliateAccount,
    ClickThroughStatus,
    CustomerAgreement,
    MarketplaceAccount,
    MarketplaceRole,
    McaClickThrough,
    Order,
    PurchaseMode,
    RelationshipKind,
    StorefrontOrder,
    Tenant,
)
from app.programs import service as programs
from app.resale import service as price_books

R = MarketplaceRole
M = PurchaseMode
BUYERS = (R.RESELLER_ADMIN, R.RESELLER_BUYER, R.DISTRIBUTOR_OPERATIONS)
CLICK_THROUGH_DAYS = 30


@dataclass(frozen=True)
class NewTenant:
    company_name: str
    domain: str


@dataclass(frozen=True)
class Contact:
    first_name: str
    last_name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True)
class PlacedOrder:
    storefront: StorefrontOrder
    order: Order


@dataclass(frozen=True)
class PricedLine:
    """A storefront line: list price, the reseller's cost and the customer's price (BIL-6), per unit."""

    line_item_number: int
    offer_id: str
    quantity: int
    prices: price_books.UnitPrices


async def priced_lines(ctx: SandboxContext, placed: StorefrontOrder, order: Order) -> list[PricedLine]:
    """The order's lines priced through the reseller's price book on the day it was placed."""
    prices = await price_books.order_prices(
        ctx,
        provider_id=order.partner_tenant_id,
        reseller_id=placed.reseller_tenant_id,
        lines=[(line["offerId"], Decimal(line["unitPrice"])) for line in order.line_items],
        currency=order.currency,
        on=placed.created_at.date(),
    )
    return [
        PricedLine(int(line["lineItemNumber"]), line["offerId"], int(line["quantity"]), unit)
        for line, unit in zip(order.line_items, prices, strict=True)
    ]


# --- the tenants of a reseller ------------------------------------------------------------------------------------


async def _affiliate_of(ctx: SandboxContext, tenant_id: uuid.UUID) -> AffiliateAccount | None:
    return await ctx.session.scalar(
        select(AffiliateAccount).where(
            AffiliateAccount.sandbox_id == ctx.sandbox_id, AffiliateAccount.customer_tenant_id == tenant_id
        )
    )


async def _own_tenant_of_anyone(ctx: SandboxContext, tenant_id: uuid.UUID) -> MarketplaceAccount | None:
    return await ctx.session.scalar(
        select(MarketplaceAccount).where(
            MarketplaceAccount.sandbox_id == ctx.sandbox_id, MarketplaceAccount.own_tenant_id == tenant_id
        )
    )


async def _is_end_customer(ctx: SandboxContext, account: MarketplaceAccount, tenant_id: uuid.UUID) -> bool:
    held = await customers.relationships_with(ctx, tenant_id, account.reseller_tenant_id)
    return any(
        r.kind is RelationshipKind.INDIRECT_RESELLER and r.counterpart_tenant_id == account.distributor_tenant_id
        for r in held
    )


def _domain_label(domain: str) -> str:
    return re.sub(r"[^a-z0-9-]", "", domain.split(".", 1)[0].lower())[:40] or "reseller"


async def _new_customer_tenant(
    ctx: SandboxContext, account: MarketplaceAccount, *, company_name: str, domain: str
) -> Tenant:
    """A customer tenant the distributor creates for the reseller's own use or an affiliate (no reseller on it: no
    partner of record)."""
    platform = distributor_acting(ctx, account.distributor_tenant_id, on_behalf_of=company_name)
    created = await customers.create_customer(
        platform,
        domain=domain,
        company_name=company_name,
        country=(await _tenant(ctx, account.reseller_tenant_id)).country,
        billing_profile={"companyName": company_name, "billedTo": str(account.reseller_tenant_id)},
        associated_partner_id=None,
    )
    return created.tenant


async def _tenant(ctx: SandboxContext, tenant_id: uuid.UUID) -> Tenant:
    return await one(ctx, Tenant, tenant_id, what="Tenant")


async def _own_tenant(ctx: SandboxContext, account: MarketplaceAccount, given: NewTenant | None) -> uuid.UUID:
    if account.own_tenant_id is not None:
        if given is not None:
            raise BadRequest("This reseller's own tenant exists already: leave ownTenant out.")
        return account.own_tenant_id
    reseller = await _tenant(ctx, account.reseller_tenant_id)
    name = given.company_name if given else reseller.display_name
    domain = given.domain if given else f"{_domain_label(reseller.domain)}-own.onmicrosoft.com"
    tenant = await _new_customer_tenant(ctx, account, company_name=name, domain=domain)
    account.own_tenant_id = tenant.id
    return tenant.id


async def _affiliate(
    ctx: SandboxContext, account: MarketplaceAccount, tenant_id: uuid.UUID | None, new: NewTenant | None
) -> uuid.UUID:
    """COM-7: an affiliate of this reseller, or a new one made now (seed 003: ad hoc, while ordering)."""
    if new is not None and tenant_id is None:
        tenant = await _new_customer_tenant(ctx, account, company_name=new.company_name, domain=new.domain)
        ctx.session.add(
            AffiliateAccount(
                sandbox_id=ctx.sandbox_id,
                id=await ctx.new_id(),
                account_id=account.id,
                reseller_tenant_id=account.reseller_tenant_id,
                customer_tenant_id=tenant.id,
                created_by=ctx.actor.name,
                created_at=ctx.now,
            )
        )
        await ctx.session.flush()
        return tenant.id
    if tenant_id is None or new is not None:
        raise BadRequest(
            "An affiliate order names its affiliate (customerTenantId) or a new one (affiliate), not both."
        )
    affiliate = await _affiliate_of(ctx, tenant_id)
    if affiliate is None:
        raise RuleViolation(
            "COM-7",
            f"{tenant_id} is not an affiliate account of this reseller: buy for an affiliate it made while ordering "
            "(GET .../affiliates), or name a new one (affiliate).",
            status_code=400,
        )
    if affiliate.account_id != account.id:
        raise RuleViolation(
            "COM-7",
            f"{tenant_id} is an affiliate account of another reseller: a reseller buys only for its own affiliates.",
            status_code=400,
        )
    return tenant_id


async def _tenant_for(
    ctx: SandboxContext,
    account: MarketplaceAccount,
    *,
    mode: PurchaseMode,
    customer_tenant_id: uuid.UUID | None,
    affiliate: NewTenant | None,
    own_tenant: NewTenant | None,
) -> uuid.UUID:
    """COM-7: the tenant the purchase mode buys for, or a refusal when the mode does not match the tenant."""
    if affiliate is not None and mode is not M.AFFILIATE:
        raise BadRequest("Only an AffiliateAccount order names a new affiliate.")
    if own_tenant is not None and mode is not M.PERSONAL_USE:
        raise BadRequest("Only a PersonalUse order names the reseller's own tenant (ownTenant).")
    if customer_tenant_id is not None and mode is not M.AFFILIATE:
        own = await _own_tenant_of_anyone(ctx, customer_tenant_id)
        affiliate_row = await _affiliate_of(ctx, customer_tenant_id)
        if mode is M.PERSONAL_USE and (own is None or own.id != account.id):
            kind = "an affiliate account" if affiliate_row else "an end customer's" if own is None else "another's"
            raise RuleViolation(
                "COM-7",
                f"PersonalUse buys for the reseller's own tenant, and {customer_tenant_id} is {kind} tenant: buy for "
                "it as AffiliateAccount or EndCustomer, or leave customerTenantId out.",
                status_code=400,
            )
        if mode is M.END_CUSTOMER and (own is not None or affiliate_row is not None):
            mine = (own is not None and own.id == account.id) or (
                affiliate_row is not None and affiliate_row.account_id == account.id
            )
            what = ("your own tenant" if own is not None else "your affiliate account") if mine else "another's tenant"
            raise RuleViolation(
                "COM-7",
                f"{customer_tenant_id} is {what}, not an end customer: buy for it as "
                f"{'PersonalUse' if own is not None else 'AffiliateAccount'} (no partner of record).",
                status_code=400,
            )
    if mode is M.PERSONAL_USE:
        return await _own_tenant(ctx, account, own_tenant)
    if mode is M.AFFILIATE:
        if customer_tenant_id is not None and await _own_tenant_of_anyone(ctx, customer_tenant_id) is not None:
            raise RuleViolation(
                "COM-7", f"{customer_tenant_id} is a reseller's own tenant: buy for it as PersonalUse.", status_code=400
            )
        if customer_tenant_id is not None and await _is_end_customer(ctx, account, customer_tenant_id):
            raise RuleViolation(
                "COM-7",
                f"{customer_tenant_id} is an end customer of this reseller: buy for it as EndCustomer (with its "
                "PartnerID on record).",
                status_code=400,
            )
        return await _affiliate(ctx, account, customer_tenant_id, affiliate)
    if customer_tenant_id is None:
        raise BadRequest("An EndCustomer order names the end customer (customerTenantId).")
    if not await _is_end_customer(ctx, account, customer_tenant_id):
        raise RuleViolation(
            "COM-7",
            f"{customer_tenant_id} is not an end customer of this reseller with this distributor: the distributor "
            "creates it for the reseller (POST /v1/customers with associatedPartnerId), or the reseller invites it "
            "with the distributor.",
            status_code=400,
        )
    return customer_tenant_id


# --- orders ---------------------------------------------------------------------------------------------------------


async def place_storefront_order(
    ctx: PartnerContext,
    *,
    account_id: uuid.UUID,
    purchase_mode: PurchaseMode,
    customer_tenant_id: uuid.UUID | None,
    affiliate: NewTenant | None,
    own_tenant: NewTenant | None,
    customer_agreement: Contact | None,
    line_items: list[commerce.LineItem],
) -> PlacedOrder:
    """A storefront order (COM-7), by the reseller's admin or buyer (or the distributor's operations for it):
    the tenant its purchase mode buys for, the program of every offer's family (COM-5), the requirements for resale
    (COM-6), then the distributor's Partner Center order through commerce, with the reseller's PartnerID on record
    for an end customer only. For its own tenant and its affiliates the reseller is the customer: it may accept the
    MCA in the order (customerAgreement), recorded as the distributor's attestation; an end customer's admin
    accepts on the storefront page."""
    seen = await get_visible_account(ctx, account_id, for_update=True)
    seen.require(*BUYERS, action="place storefront orders")
    account = seen.account
    if customer_agreement is not None and purchase_mode is M.END_CUSTOMER:
        raise RuleViolation(
            "COM-6",
            "An end customer accepts the Microsoft Customer Agreement itself, on the storefront page "
            "(POST /marketplace/v1/accounts/{accountId}/clickthroughs): leave customerAgreement out.",
            status_code=400,
        )
    if any(line.partner_id_on_record for line in line_items):
        raise BadRequest("The purchase mode decides the partner of record: leave partnerIdOnRecord out.")
    await require_program_access(ctx, account, [line.offer_id for line in line_items])
    tenant_id = await _tenant_for(
        ctx,
        account,
        mode=purchase_mode,
        customer_tenant_id=customer_tenant_id,
        affiliate=affiliate,
        own_tenant=own_tenant,
    )
    reseller = await _tenant(ctx, account.reseller_tenant_id)
    platform = distributor_acting(ctx, account.distributor_tenant_id, on_behalf_of=reseller.display_name)
    if customer_agreement is not None and not await agreements.mca_valid_for(
        ctx, tenant_id, account.distributor_tenant_id
    ):
        await agreements.attest(
            platform,
            customer_id=tenant_id,
            template_id=MCA_TEMPLATE_ID,
            agreement_type=MCA,
            first_name=customer_agreement.first_name,
            last_name=customer_agreement.last_name,
            email=customer_agreement.email,
            phone=customer_agreement.phone,
            date_agreed=ctx.now,
        )
    await require_resale(ctx, account=account, customer_tenant_id=tenant_id)
    on_record = None
    if purchase_mode is M.END_CUSTOMER:
        profile = await programs.find_profile(ctx, account.reseller_tenant_id)
        on_record = profile.partner_id if profile else None
    lines = [
        commerce.LineItem(
            line_item_number=line.line_item_number,
            offer_id=line.offer_id,
            quantity=line.quantity,
            term_duration=line.term_duration,
            billing_cycle=line.billing_cycle,
            partner_id_on_record=on_record,
            friendly_name=line.friendly_name,
        )
        for line in line_items
    ]
    order = await commerce.place_order(platform, customer_id=tenant_id, line_items=lines)
    storefront = StorefrontOrder(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        account_id=account.id,
        distributor_tenant_id=account.distributor_tenant_id,
        reseller_tenant_id=account.reseller_tenant_id,
        customer_tenant_id=tenant_id,
        purchase_mode=purchase_mode,
        order_id=order.id,
        billed_to_tenant_id=account.reseller_tenant_id,
        partner_id_on_record=on_record,
        incentive_eligible=purchase_mode is M.END_CUSTOMER,
        created_by=ctx.actor.name,
        created_at=ctx.now,
    )
    await add_now(ctx.session, storefront)
    await record_change(
        ctx,
        event="storefront-order-created",
        operation_type="create_storefront_order",
        resource_type="StorefrontOrder",
        resource_id=storefront.id,
        tenant_id=account.reseller_tenant_id,
        customer_id=tenant_id,
        data={"purchaseMode": purchase_mode.value, "orderId": str(order.id)},
        new_value={"partnerIdOnRecord": on_record},
    )
    return PlacedOrder(storefront, order)


async def list_storefront_orders(
    ctx: PartnerContext, *, account_id: uuid.UUID, page: PageRequest
) -> Page[StorefrontOrder]:
    seen = await get_visible_account(ctx, account_id)
    stmt = select(StorefrontOrder).where(
        StorefrontOrder.sandbox_id == ctx.sandbox_id, StorefrontOrder.account_id == seen.account.id
    )
    return await keyset(ctx.session, stmt, keys=[StorefrontOrder.created_at, StorefrontOrder.id], page=page)


async def orders_by_id(ctx: SandboxContext, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, Order]:
    if not order_ids:
        return {}
    rows = await ctx.session.scalars(select(Order).where(Order.sandbox_id == ctx.sandbox_id, Order.id.in_(order_ids)))
    return {o.id: o for o in rows}


async def list_affiliates(ctx: PartnerContext, *, account_id: uuid.UUID) -> list[tuple[AffiliateAccount, Tenant]]:
    seen = await get_visible_account(ctx, account_id)
    rows = await ctx.session.execute(
        select(AffiliateAccount, Tenant)
        .join(
            Tenant,
            (Tenant.sandbox_id == AffiliateAccount.sandbox_id) & (Tenant.id == AffiliateAccount.customer_tenant_id),
        )
        .where(AffiliateAccount.sandbox_id == ctx.sandbox_id, AffiliateAccount.account_id == seen.account.id)
        .order_by(AffiliateAccount.created_at, AffiliateAccount.id)
    )
    return [(a, t) for a, t in rows.all()]


# --- the customer's click-through (seed 002) ----------------------------------------------------------------------


async def create_click_through(
    ctx: PartnerContext, *, account_id: uuid.UUID, customer_tenant_id: uuid.UUID
) -> McaClickThrough:
    """COM-6: a link to the storefront page where the customer's admin accepts the MCA, for one of the reseller's
    tenants (an end customer, an affiliate, its own)."""
    seen = await get_visible_account(ctx, account_id)
    seen.require(*BUYERS, action="send the customer's click-through")
    account = seen.account
    own = account.own_tenant_id == customer_tenant_id
    affiliate = await _affiliate_of(ctx, customer_tenant_id)
    if not (
        own
        or (affiliate is not None and affiliate.account_id == account.id)
        or await _is_end_customer(ctx, account, customer_tenant_id)
    ):
        raise NotFound("Customer", customer_tenant_id)
    link = McaClickThrough(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        code=secrets.token_urlsafe(24),
        account_id=account.id,
        distributor_tenant_id=account.distributor_tenant_id,
        reseller_tenant_id=account.reseller_tenant_id,
        customer_tenant_id=customer_tenant_id,
        status=ClickThroughStatus.PENDING,
        created_by=ctx.actor.name,
        created_at=ctx.now,
        expires_at=ctx.now + timedelta(days=CLICK_THROUGH_DAYS),
    )
    await add_now(ctx.session, link)
    return link


@dataclass(frozen=True)
class FoundClickThrough:
    sandbox: SandboxState
    link: McaClickThrough
    customer: Tenant
    reseller: Tenant
    distributor: Tenant


async def click_through_by_code(ctx: SandboxContext, code: str) -> FoundClickThrough:
    """The page's link, in the sandbox it belongs to (the code is globally unique)."""
    link = await ctx.session.scalar(select(McaClickThrough).where(McaClickThrough.code == code))
    if link is None or link.sandbox_id != ctx.sandbox_id:
        raise NotFound("Click-through", code)
    return FoundClickThrough(
        sandbox=ctx.sandbox,
        link=link,
        customer=await _tenant(ctx, link.customer_tenant_id),
        reseller=await _tenant(ctx, link.reseller_tenant_id),
        distributor=await _tenant(ctx, link.distributor_tenant_id),
    )


def state_of(now: datetime, link: McaClickThrough) -> str:
    if link.status is ClickThroughStatus.PENDING and link.expires_at <= now:
        return "Expired"
    return str(link.status)


async def accept_click_through(ctx: TenantContext, found: FoundClickThrough, *, contact: Contact) -> CustomerAgreement:
    """Seed 002: the customer's Global admin, signed in on the storefront page, accepts the Microsoft Customer
    Agreement; the distributor records it in Partner Center as its attestation (the customers service's `attest`,
    as `POST /v1/customers/{id}/agreements` does) with the data points Microsoft asks: the contact's first and last
    name, email and phone, the date agreed, the agreement template, and who recorded it."""
    link = found.link
    if ctx.tenant_id != link.customer_tenant_id:
        raise Forbidden(f"Sign in as an admin of {found.customer.display_name}: this link is for that organization.")
    if CustomerRole.GLOBAL_ADMIN.value not in ctx.actor.roles:
        raise Forbidden("Only a Global admin accepts the Microsoft Customer Agreement for the organization.")
    await move(
        ctx,
        link,
        CLICK_THROUGH,
        ClickThroughStatus.ACCEPTED,
        action="accept",
        event="mca-click-through-accepted",
        resource_type="McaClickThrough",
        tenant_ids=[link.distributor_tenant_id, link.reseller_tenant_id],
    )
    platform = distributor_acting(ctx, link.distributor_tenant_id, on_behalf_of=f"click-through by {ctx.actor.name}")
    agreement = await agreements.attest(
        platform,
        customer_id=link.customer_tenant_id,
        template_id=MCA_TEMPLATE_ID,
        agreement_type=MCA,
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        phone=contact.phone,
        date_agreed=ctx.now,
    )
    link.agreement_id = agreement.id
    return agreement
