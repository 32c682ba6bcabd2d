"""A distributor's price books, their assignment to resellers, support plans and billing settings (BIL-5, BIL-6).

The caller is always the distributor: an indirect provider (an active IndirectProvider enrollment) acting through
its operations users (Global admin, Admin agent, Billing admin) or its app. A reseller is an indirect reseller with
an active partnership with it; an end customer is a customer tenant the distributor serves with one of them (the
provider's customer relationship names the reseller as its counterpart). Anything else is not found.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.catalog import service as catalog
from app.customers import service as customers
from app.events.service import record_change
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, NotFound, RuleViolation
from app.kernel.lookup import one
from app.kernel.roles import PartnerRole, require_role
from app.kernel.statements import add_now
from app.models import (
    Partnership,
    PartnershipStatus,
    PriceBook,
    PriceBookAssignment,
    PriceOverride,
    RelationshipKind,
    ResaleBillingSettings,
    SupportPlan,
    SupportPlanKind,
    Tenant,
)
from app.programs import service as programs
from app.resale.pricing import DEFAULT_BOOK, Book, Override

DEFAULT = "default"
MARKUP_FLOOR = Decimal(-100)


# --- who calls, and whom it names ---------------------------------------------------------------------------------


async def require_distributor(ctx: PartnerContext, *, action: str) -> None:
    """The caller is an indirect provider's operations user (or its app)."""
    require_role(
        ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.ADMIN_AGENT, PartnerRole.BILLING_ADMIN, action=action, apps=True
    )
    if not (await programs.capabilities(ctx, ctx.tenant_id)).indirect_provider:
        raise RuleViolation(
            "BIL-6",
            "Price books, support plans and reseller invoices are a distributor's: the caller needs an active "
            "IndirectProvider enrollment.",
        )


async def resellers_of(ctx: SandboxContext, provider_id: uuid.UUID) -> set[uuid.UUID]:
    """The tenants partnered with the provider (active partnerships)."""
    stmt = select(Partnership.reseller_tenant_id).where(
        Partnership.sandbox_id == ctx.sandbox_id,
        Partnership.provider_tenant_id == provider_id,
        Partnership.status == PartnershipStatus.ACTIVE,
    )
    return set((await ctx.session.execute(stmt)).scalars())


async def require_reseller(ctx: PartnerContext, reseller_id: uuid.UUID) -> Tenant:
    """One of the caller's resellers; any other tenant is not found."""
    if reseller_id not in await resellers_of(ctx, ctx.tenant_id):
        raise NotFound("Reseller", reseller_id)
    return await one(ctx, Tenant, reseller_id, what="Reseller")


async def resellers_serving(
    ctx: SandboxContext, provider_id: uuid.UUID, customer_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The reseller each customer is served with by the provider (the counterpart of its provider relationship)."""
    partnered = await resellers_of(ctx, provider_id)
    found: dict[uuid.UUID, uuid.UUID] = {}
    for customer_id, rows in (await customers.relationships_by_customer(ctx, customer_ids, provider_id)).items():
        for r in rows:
            if r.kind is RelationshipKind.INDIRECT_PROVIDER and r.counterpart_tenant_id in partnered:
                found[customer_id] = r.counterpart_tenant_id
    return found


async def require_end_customer(ctx: PartnerContext, customer_id: uuid.UUID) -> tuple[Tenant, uuid.UUID]:
    """A customer the caller serves with one of its resellers, and that reseller; any other is not found."""
    reseller = (await resellers_serving(ctx, ctx.tenant_id, [customer_id])).get(customer_id)
    if reseller is None:
        raise NotFound("Customer", customer_id)
    return await one(ctx, Tenant, customer_id, what="Customer"), reseller


# --- price books ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverrideIn:
    product_id: str
    sku_id: str | None
    unit_price: Decimal
    currency: str


@dataclass(frozen=True)
class PriceBookView:
    """A price book with its overrides; `book` None is the default price book (list price)."""

    book: PriceBook | None
    overrides: list[PriceOverride]

    @property
    def id(self) -> str:
        return str(self.book.id) if self.book else DEFAULT

    def pricing(self) -> Book:
        if self.book is None:
            return DEFAULT_BOOK
        return Book(
            markup_percent=self.book.markup_percent,
            overrides=tuple(Override(o.product_id, o.sku_id, o.unit_price, o.currency) for o in self.overrides),
        )


def _check_prices(markup_percent: Decimal, overrides: list[OverrideIn]) -> None:
    if markup_percent < MARKUP_FLOOR:
        raise RuleViolation(
            "BIL-6",
            f"A markup of {markup_percent} % would sell below nothing: a markup is -100 % or more.",
            status_code=400,
        )
    for o in overrides:
        if o.unit_price < 0:
            raise RuleViolation(
                "BIL-6",
                f"The price {o.unit_price} {o.currency} for {o.product_id} is negative: a price is 0 or more.",
                status_code=400,
            )
    seen = set()
    for o in overrides:
        key = (o.product_id.upper(), (o.sku_id or "").upper(), o.currency.upper())
        if key in seen:
            raise BadRequest(f"Two prices for {o.product_id} {o.sku_id or ''} in {o.currency}: name each once.")
        seen.add(key)


async def create_price_book(
    ctx: PartnerContext, *, name: str, markup_percent: Decimal, overrides: list[OverrideIn]
) -> PriceBookView:
    """BIL-6: a custom price book: a markup percentage over list, and fixed prices per product or SKU; a negative
    price or a markup below -100 % is refused."""
    await require_distributor(ctx, action="create price books")
    _check_prices(markup_percent, overrides)
    book = PriceBook(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        provider_tenant_id=ctx.tenant_id,
        name=name,
        markup_percent=markup_percent,
        created_at=ctx.now,
        created_by=ctx.actor.name,
    )
    await add_now(ctx.session, book)
    rows = []
    for o in overrides:
        row = PriceOverride(
            sandbox_id=ctx.sandbox_id,
            id=await ctx.new_id(),
            price_book_id=book.id,
            product_id=o.product_id.upper(),
            sku_id=o.sku_id.upper() if o.sku_id else None,
            unit_price=o.unit_price,
            currency=o.currency.upper(),
        )
        ctx.session.add(row)
        rows.append(row)
    await ctx.session.flush()
    await record_change(
        ctx,
        event="price-book-created",
        operation_type="create_price_book",
        resource_type="PriceBook",
        resource_id=book.id,
        tenant_id=ctx.tenant_id,
        new_value={"name": name, "markupPercent": str(markup_percent), "overrides": len(rows)},
    )
    return PriceBookView(book, rows)


async def _overrides(ctx: SandboxContext, book_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[PriceOverride]]:
    found: dict[uuid.UUID, list[PriceOverride]] = {b: [] for b in book_ids}
    if found:
        stmt = select(PriceOverride).where(
            PriceOverride.sandbox_id == ctx.sandbox_id, PriceOverride.price_book_id.in_(found)
        )
        for o in (await ctx.session.execute(stmt.order_by(PriceOverride.id))).scalars():
            found[o.price_book_id].append(o)
    return found


async def list_price_books(ctx: PartnerContext) -> list[PriceBookView]:
    """BIL-6: the default price book (list price), then the distributor's custom ones, oldest first."""
    await require_distributor(ctx, action="read price books")
    stmt = select(PriceBook).where(
        PriceBook.sandbox_id == ctx.sandbox_id, PriceBook.provider_tenant_id == ctx.tenant_id
    )
    books = list((await ctx.session.execute(stmt.order_by(PriceBook.created_at, PriceBook.id))).scalars())
    overrides = await _overrides(ctx, [b.id for b in books])
    return [PriceBookView(None, []), *(PriceBookView(b, overrides[b.id]) for b in books)]


async def price_book_views(
    ctx: SandboxContext, provider_id: uuid.UUID, ids: Collection[uuid.UUID | None]
) -> dict[uuid.UUID | None, PriceBookView]:
    """The named price books of a provider (None: the default one), with their overrides."""
    wanted = {i for i in ids if i is not None}
    books = (
        list(
            (
                await ctx.session.execute(
                    select(PriceBook).where(
                        PriceBook.sandbox_id == ctx.sandbox_id,
                        PriceBook.provider_tenant_id == provider_id,
                        PriceBook.id.in_(wanted),
                    )
                )
            ).scalars()
        )
        if wanted
        else []
    )
    overrides = await _overrides(ctx, [b.id for b in books])
    found: dict[uuid.UUID | None, PriceBookView] = {None: PriceBookView(None, [])}
    found.update({b.id: PriceBookView(b, overrides[b.id]) for b in books})
    return found


def _book_id(text: str) -> uuid.UUID | None:
    if text.strip().lower() == DEFAULT:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound("PriceBook", text) from None


async def get_price_book(ctx: PartnerContext, price_book_id: str) -> PriceBookView:
    """BIL-6: one of the distributor's price books, or `default`."""
    await require_distributor(ctx, action="read price books")
    book_id = _book_id(price_book_id)
    if book_id is None:
        return PriceBookView(None, [])
    book = await one(ctx, PriceBook, book_id, what="PriceBook", where=[PriceBook.provider_tenant_id == ctx.tenant_id])
    return PriceBookView(book, (await _overrides(ctx, [book.id]))[book.id])


# --- a reseller's price book --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResellerPriceBook:
    reseller: Tenant
    current: PriceBookView
    effective_from: date | None  # None: the default price book since always
    assignments: list[tuple[PriceBookAssignment, PriceBookView]]


async def assignments_of(
    ctx: SandboxContext, provider_id: uuid.UUID, reseller_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[PriceBookAssignment]]:
    """Each reseller's price book assignments, earliest effective first."""
    found: dict[uuid.UUID, list[PriceBookAssignment]] = {r: [] for r in reseller_ids}
    if found:
        stmt = select(PriceBookAssignment).where(
            PriceBookAssignment.sandbox_id == ctx.sandbox_id,
            PriceBookAssignment.provider_tenant_id == provider_id,
            PriceBookAssignment.reseller_tenant_id.in_(found),
        )
        for a in (await ctx.session.execute(stmt.order_by(PriceBookAssignment.effective_from))).scalars():
            found[a.reseller_tenant_id].append(a)
    return found


def in_force(assignments: list[PriceBookAssignment], day: date) -> PriceBookAssignment | None:
    """BIL-6: the assignment that prices a charge starting on `day` (the latest effective on or before it)."""
    held = [a for a in assignments if a.effective_from <= day]
    return held[-1] if held else None


async def reseller_price_book(ctx: PartnerContext, reseller_id: uuid.UUID) -> ResellerPriceBook:
    """BIL-6: the price book a reseller has today, and every assignment (later ones are scheduled)."""
    await require_distributor(ctx, action="read price books")
    reseller = await require_reseller(ctx, reseller_id)
    assignments = (await assignments_of(ctx, ctx.tenant_id, [reseller.id]))[reseller.id]
    views = await price_book_views(ctx, ctx.tenant_id, [a.price_book_id for a in assignments])
    current = in_force(assignments, ctx.now.date())
    return ResellerPriceBook(
        reseller=reseller,
        current=views[current.price_book_id if current else None],
        effective_from=current.effective_from if current else None,
        assignments=[(a, views[a.price_book_id]) for a in assignments],
    )


async def assign_price_book(
    ctx: PartnerContext, *, reseller_id: uuid.UUID, price_book_id: str, effective_from: date | None
) -> ResellerPriceBook:
    """BIL-6: the distributor gives a reseller the default or a custom price book from a day on (today by default,
    never in the past: a billed charge keeps its price); the same day again replaces that day's assignment."""
    await require_distributor(ctx, action="assign price books")
    reseller = await require_reseller(ctx, reseller_id)
    today = ctx.now.date()
    day = effective_from or today
    if day < today:
        raise RuleViolation(
            "BIL-6",
            f"A price book takes effect today ({today.isoformat()}) or later, not on {day.isoformat()}.",
            status_code=400,
        )
    view = await get_price_book(ctx, price_book_id)
    book_id = view.book.id if view.book else None
    existing = (
        await ctx.session.execute(
            select(PriceBookAssignment).where(
                PriceBookAssignment.sandbox_id == ctx.sandbox_id,
                PriceBookAssignment.provider_tenant_id == ctx.tenant_id,
                PriceBookAssignment.reseller_tenant_id == reseller.id,
                PriceBookAssignment.effective_from == day,
            )
        )
    ).scalar_one_or_none()
    if existing is None:
        existing = PriceBookAssignment(
            sandbox_id=ctx.sandbox_id,
            id=await ctx.new_id(),
            provider_tenant_id=ctx.tenant_id,
            reseller_tenant_id=reseller.id,
            effective_from=day,
        )
        ctx.session.add(existing)
    existing.price_book_id = book_id
    existing.assigned_at, existing.assigned_by = ctx.now, ctx.actor.name
    await ctx.session.flush()
    await record_change(
        ctx,
        event="reseller-price-book-assigned",
        operation_type="assign_price_book",
        resource_type="PriceBookAssignment",
        resource_id=existing.id,
        tenant_id=ctx.tenant_id,
        new_value={"resellerTenantId": str(reseller.id), "priceBookId": view.id, "effectiveFrom": day.isoformat()},
    )
    return await reseller_price_book(ctx, reseller.id)


# --- support plans ------------------------------------------------------------------------------------------------


async def get_support_plan(ctx: PartnerContext, customer_id: uuid.UUID) -> SupportPlan:
    """BIL-6: an end customer's support plan."""
    await require_distributor(ctx, action="read support plans")
    customer, _ = await require_end_customer(ctx, customer_id)
    plan = await _plan(ctx, customer.id)
    if plan is None:
        raise NotFound("SupportPlan", customer_id)
    return plan


async def _plan(ctx: PartnerContext, customer_id: uuid.UUID) -> SupportPlan | None:
    stmt = select(SupportPlan).where(
        SupportPlan.sandbox_id == ctx.sandbox_id,
        SupportPlan.provider_tenant_id == ctx.tenant_id,
        SupportPlan.customer_tenant_id == customer_id,
    )
    return (await ctx.session.execute(stmt)).scalar_one_or_none()


async def set_support_plan(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    kind: SupportPlanKind,
    percent: Decimal | None,
    minimum: Decimal | None,
    amount: Decimal | None,
    currency: str,
) -> SupportPlan:
    """BIL-6: a support plan for an end customer: a percentage of its cost with a minimum, or a fixed amount each
    billing period; it replaces the customer's plan."""
    await require_distributor(ctx, action="set support plans")
    customer, reseller = await require_end_customer(ctx, customer_id)
    if kind is SupportPlanKind.PERCENTAGE:
        if percent is None or amount is not None:
            raise BadRequest("A percentage support plan names `percent` (and optionally `minimum`), not `amount`.")
        if percent < 0 or (minimum is not None and minimum < 0):
            raise RuleViolation("BIL-6", "A support plan's percentage and minimum are 0 or more.", status_code=400)
    else:
        if amount is None or percent is not None or minimum is not None:
            raise BadRequest("A fixed support plan names `amount` only.")
        if amount < 0:
            raise RuleViolation("BIL-6", f"A support plan of {amount} {currency} is negative.", status_code=400)
    plan = await _plan(ctx, customer.id)
    if plan is None:
        plan = SupportPlan(
            sandbox_id=ctx.sandbox_id,
            id=await ctx.new_id(),
            provider_tenant_id=ctx.tenant_id,
            customer_tenant_id=customer.id,
        )
        ctx.session.add(plan)
    plan.reseller_tenant_id, plan.kind, plan.currency = reseller, kind, currency.upper()
    plan.percent, plan.minimum, plan.amount = percent, minimum, amount
    plan.updated_at, plan.updated_by = ctx.now, ctx.actor.name
    await ctx.session.flush()
    await record_change(
        ctx,
        event="support-plan-updated",
        operation_type="set_support_plan",
        resource_type="SupportPlan",
        resource_id=plan.id,
        tenant_id=ctx.tenant_id,
        customer_id=customer.id,
        new_value={"type": kind.value, "percent": str(percent), "minimum": str(minimum), "amount": str(amount)},
    )
    return plan


# --- billing settings ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingSettings:
    reseller_id: uuid.UUID
    invoice_per_end_customer: bool


async def settings_of(
    ctx: SandboxContext, provider_id: uuid.UUID, reseller_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, bool]:
    """BIL-5: whether each reseller is invoiced per end customer (aggregated unless it says so)."""
    found = dict.fromkeys(reseller_ids, False)
    if found:
        stmt = select(ResaleBillingSettings).where(
            ResaleBillingSettings.sandbox_id == ctx.sandbox_id,
            ResaleBillingSettings.provider_tenant_id == provider_id,
            ResaleBillingSettings.reseller_tenant_id.in_(found),
        )
        for s in (await ctx.session.execute(stmt)).scalars():
            found[s.reseller_tenant_id] = s.invoice_per_end_customer
    return found


async def billing_settings(ctx: PartnerContext, reseller_id: uuid.UUID) -> BillingSettings:
    """BIL-5: how the reseller is invoiced."""
    await require_distributor(ctx, action="read billing settings")
    reseller = await require_reseller(ctx, reseller_id)
    return BillingSettings(reseller.id, (await settings_of(ctx, ctx.tenant_id, [reseller.id]))[reseller.id])


async def set_billing_settings(
    ctx: PartnerContext, *, reseller_id: uuid.UUID, invoice_per_end_customer: bool
) -> BillingSettings:
    """BIL-5: one aggregated invoice, or one invoice per end customer, from the next billing run on."""
    await require_distributor(ctx, action="change billing settings")
    reseller = await require_reseller(ctx, reseller_id)
    stmt = select(ResaleBillingSettings).where(
        ResaleBillingSettings.sandbox_id == ctx.sandbox_id,
        ResaleBillingSettings.provider_tenant_id == ctx.tenant_id,
        ResaleBillingSettings.reseller_tenant_id == reseller.id,
    )
    row = (await ctx.session.execute(stmt)).scalar_one_or_none()
    if row is None:
        row = ResaleBillingSettings(
            sandbox_id=ctx.sandbox_id,
            id=await ctx.new_id(),
            provider_tenant_id=ctx.tenant_id,
            reseller_tenant_id=reseller.id,
        )
        ctx.session.add(row)
    row.invoice_per_end_customer, row.updated_at, row.updated_by = invoice_per_end_customer, ctx.now, ctx.actor.name
    await ctx.session.flush()
    await record_change(
        ctx,
        event="reseller-billing-settings-updated",
        operation_type="set_billing_settings",
        resource_type="ResaleBillingSettings",
        resource_id=row.id,
        tenant_id=ctx.tenant_id,
        new_value={"resellerTenantId": str(reseller.id), "invoicePerEndCustomer": invoice_per_end_customer},
    )
    return BillingSettings(reseller.id, invoice_per_end_customer)


# --- prices a reseller sees ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitPrices:
    """BIL-6: one unit's list price, the reseller's cost and the customer's price, in one currency."""

    list_price: Decimal
    reseller_price: Decimal
    customer_price: Decimal
    currency: str
    price_book_id: str


async def unit_prices(
    ctx: SandboxContext,
    *,
    provider_id: uuid.UUID,
    reseller_id: uuid.UUID,
    product_id: str,
    sku_id: str,
    list_price: Decimal,
    currency: str,
    on: date,
) -> UnitPrices:
    """BIL-6: a unit of a product's SKU at list price, as the reseller buys it (list: the distributor passes
    Microsoft's price through) and as its customer is charged on `on` (the reseller's price book then). The one
    pricing a storefront line or a price sheet shows."""
    view = await book_on(ctx, provider_id=provider_id, reseller_id=reseller_id, on=on)
    return _unit_prices(view, product_id=product_id, sku_id=sku_id, list_price=list_price, currency=currency)


async def order_prices(
    ctx: SandboxContext,
    *,
    provider_id: uuid.UUID,
    reseller_id: uuid.UUID,
    lines: list[tuple[str, Decimal]],
    currency: str,
    on: date,
) -> list[UnitPrices]:
    """BIL-6: the lines of one order (catalogItemId, list unit price), each priced through the reseller's price book
    of the day: what a storefront line shows."""
    view = await book_on(ctx, provider_id=provider_id, reseller_id=reseller_id, on=on)
    priced = []
    for offer_id, list_price in lines:
        product_id, sku_id = ([*offer_id.split(":"), ""])[:2]
        priced.append(
            _unit_prices(view, product_id=product_id, sku_id=sku_id, list_price=list_price, currency=currency)
        )
    return priced


async def book_on(ctx: SandboxContext, *, provider_id: uuid.UUID, reseller_id: uuid.UUID, on: date) -> PriceBookView:
    """BIL-6: the price book a reseller has on a day."""
    assignment = in_force((await assignments_of(ctx, provider_id, [reseller_id]))[reseller_id], on)
    book_id = assignment.price_book_id if assignment else None
    return (await price_book_views(ctx, provider_id, [book_id]))[book_id]


def _unit_prices(
    view: PriceBookView, *, product_id: str, sku_id: str, list_price: Decimal, currency: str
) -> UnitPrices:
    customer = view.pricing().unit_price(
        list_unit=list_price, product_id=product_id.upper(), sku_id=sku_id.upper(), currency=currency.upper()
    )
    return UnitPrices(list_price, list_price, customer, currency.upper(), view.id)


@dataclass(frozen=True)
class PriceSheetRow:
    product_id: str
    sku_id: str
    availability_id: str
    title: str
    term_duration: str
    prices: UnitPrices


async def price_sheet(
    ctx: PartnerContext, *, reseller_id: uuid.UUID, country: str, product_id: str | None
) -> list[PriceSheetRow]:
    """BIL-6: the catalog's new-commerce offers for customers of `country` (or one product's), each term at list
    price, the reseller's cost and the customer's price today."""
    await require_distributor(ctx, action="read price sheets")
    reseller = await require_reseller(ctx, reseller_id)
    offers = (
        catalog.product(product_id, country=country)
        if product_id
        else [
            offer
            for first in catalog.products(country=country, target_view=None)
            for offer in catalog.product(first.product_id, country=country)
        ]
    )
    view = await book_on(ctx, provider_id=ctx.tenant_id, reseller_id=reseller.id, on=ctx.now.date())
    rows = []
    for offer in offers:
        if not offer.new_commerce:
            continue
        for term in offer.terms:
            unit, currency = catalog.price(term, country=country)
            prices = _unit_prices(
                view, product_id=offer.product_id, sku_id=offer.sku_id, list_price=unit, currency=currency
            )
            rows.append(
                PriceSheetRow(offer.product_id, offer.sku_id, offer.availability_id, offer.title, term.duration, prices)
            )
    return rows
