"""Invoices per reseller, issued at the distributor's billing run, and the reports read from them (BIL-5, BIL-6).

Billing's run issues the distributor's invoices for a billing period of its customers of one country; then, in the
same transaction, each of their lines is re-billed to the reseller that serves its customer (the subscription's
partner of record, else the reseller the provider's customer relationship names), priced through the price book
the reseller has on the line's first day. Each end customer with a support plan and a line (or a live
subscription) in the period gets its support charge. A reseller gets one invoice per currency, or by its setting one
per end customer and currency: the same lines either way, so the totals are equal.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Select, Table, select

from app.billing import service as billing
from app.billing.periods import BillingPeriod
from app.events.service import record_event
from app.kernel.bulk import DocumentLines, in_turns, parts_of
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, NotFound
from app.kernel.pagination import Page, PageRequest, keyset
from app.models import (
    Invoice,
    InvoiceLine,
    ResaleInvoice,
    ResaleInvoiceLine,
    ResaleLineType,
    Subscription,
    SubscriptionStatus,
    SupportPlan,
    Tenant,
)
from app.programs import service as programs
from app.resale import service
from app.resale.pricing import customer_cost, support_charge

SUPPORT_PLAN = "Support plan"
REPORT_FORMATS = {"json", "csv"}
ZERO = Decimal("0.00")


# A resale line not on an invoice yet: ResaleInvoiceLine's columns but its id, invoice and number, as plain values.
ResaleDraft = dict[str, Any]


@billing.after_billing_run
async def rebill(
    ctx: SandboxContext, provider_id: uuid.UUID, country: str, period: BillingPeriod, invoices: list[Invoice]
) -> list[ResaleInvoice]:
    """BIL-5, BIL-6: the period's invoices of every reseller of the provider (a provider without resellers, or a
    partner that is no provider, has none). The provider's lines are read as a stream and re-billed by parts, so a
    run of half a million lines neither holds the worker nor its memory."""
    resellers = await service.resellers_of(ctx, provider_id)
    if not resellers:
        return []
    numbers = {invoice.id: invoice.number for invoice in invoices}
    by_mpn = {p.partner_id: tenant for tenant, p in (await programs.find_profiles(ctx, resellers)).items()}
    assignments = await service.assignments_of(ctx, provider_id, resellers)
    books = await service.price_book_views(
        ctx, provider_id, {a.price_book_id for held in assignments.values() for a in held}
    )
    run = _Rebilling(ctx, provider_id, country, period, await service.settings_of(ctx, provider_id, resellers))
    lines = (
        select(*InvoiceLine.__table__.c)
        .join(Invoice, (Invoice.sandbox_id == InvoiceLine.sandbox_id) & (Invoice.id == InvoiceLine.invoice_id))
        .where(InvoiceLine.sandbox_id == ctx.sandbox_id, InvoiceLine.invoice_id.in_(numbers))
        .order_by(Invoice.number, InvoiceLine.line_number)
    )
    async for part in parts_of(ctx.session, lines):
        serving = await service.resellers_serving(ctx, provider_id, {line.customer_tenant_id for line in part})
        async for line in in_turns(part):
            reseller = by_mpn.get(line.reseller_mpn_id or "") or serving.get(line.customer_tenant_id)
            if reseller is None:
                continue  # the provider's own customer: nothing to re-bill
            assignment = service.in_force(assignments[reseller], line.charge_start_date)
            book = books[assignment.price_book_id if assignment else None]
            await run.add(reseller, _priced(ctx, numbers[line.invoice_id], line, book))
    for plan, name in await _support_plans(ctx, provider_id, country, period, resellers, run.billed):
        charged = run.charged.get((plan.reseller_tenant_id, plan.customer_tenant_id, plan.currency), ZERO)
        support = _support_line(ctx, plan, name, period, charged)
        if support is not None:
            await run.add(plan.reseller_tenant_id, support)
    return await run.close()


def _priced(ctx: SandboxContext, number: str, line: Any, book: service.PriceBookView) -> ResaleDraft:
    """BIL-6: a billing line at list price, the reseller's cost (the line, passed through) and the customer's price."""
    unit = book.pricing().unit_price(
        list_unit=line.unit_price, product_id=line.product_id, sku_id=line.sku_id, currency=line.currency
    )
    price = customer_cost(
        list_subtotal=line.subtotal,
        list_unit=line.unit_price,
        customer_unit=unit,
        billable_quantity=line.billable_quantity,
    )
    return {
        "sandbox_id": ctx.sandbox_id,
        "line_type": ResaleLineType.CHARGE,
        "customer_tenant_id": line.customer_tenant_id,
        "customer_name": line.customer_name,
        "source_invoice_number": number,
        "subscription_id": line.subscription_id,
        "product_id": line.product_id,
        "sku_id": line.sku_id,
        "product_name": line.product_name,
        "charge_type": line.charge_type,
        "charge_start_date": line.charge_start_date,
        "charge_end_date": line.charge_end_date,
        "quantity": line.quantity,
        "billable_quantity": line.billable_quantity,
        "price_book_id": book.book.id if book.book else None,
        "list_unit_price": line.unit_price,
        "reseller_unit_cost": line.unit_price,
        "customer_unit_price": unit,
        "seller_cost": line.subtotal,
        "customer_cost": price,
        "margin": price - line.subtotal,
        "currency": line.currency,
    }


async def _support_plans(
    ctx: SandboxContext,
    provider_id: uuid.UUID,
    country: str,
    period: BillingPeriod,
    resellers: set[uuid.UUID],
    billed: set[uuid.UUID],
) -> list[tuple[SupportPlan, str]]:
    """The plans (and customer names) of end customers of `country` billed in the period (`billed`) or holding a
    live subscription of the provider."""
    stmt = (
        select(SupportPlan, Tenant.display_name)
        .join(Tenant, (Tenant.sandbox_id == SupportPlan.sandbox_id) & (Tenant.id == SupportPlan.customer_tenant_id))
        .where(
            SupportPlan.sandbox_id == ctx.sandbox_id,
            SupportPlan.provider_tenant_id == provider_id,
            SupportPlan.reseller_tenant_id.in_(resellers),
            Tenant.country == country,
        )
        .order_by(SupportPlan.customer_tenant_id)
    )
    plans = [(plan, name) for plan, name in (await ctx.session.execute(stmt)).all()]
    live_stmt = select(Subscription.customer_tenant_id).where(
        Subscription.sandbox_id == ctx.sandbox_id,
        Subscription.partner_tenant_id == provider_id,
        Subscription.customer_tenant_id.in_([p.customer_tenant_id for p, _ in plans]),
        Subscription.status.in_([SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED]),
    )
    live = set((await ctx.session.execute(live_stmt)).scalars()) if plans else set()
    return [(p, name) for p, name in plans if p.customer_tenant_id in billed | live]


def _support_line(
    ctx: SandboxContext, plan: SupportPlan, name: str, period: BillingPeriod, charged: Decimal
) -> ResaleDraft | None:
    """BIL-6: the customer's support charge for the period (`charged`: its lines' customer cost in the plan's
    currency): cost to the reseller nothing, price the plan's."""
    charge = support_charge(percent=plan.percent, minimum=plan.minimum, amount=plan.amount, customer_cost=charged)
    if charge == 0:
        return None
    return {
        "sandbox_id": ctx.sandbox_id,
        "line_type": ResaleLineType.SUPPORT_PLAN,
        "customer_tenant_id": plan.customer_tenant_id,
        "customer_name": name,
        "source_invoice_number": None,
        "subscription_id": None,
        "product_id": "SUPPORT",
        "sku_id": plan.kind.value.upper(),
        "product_name": SUPPORT_PLAN,
        "charge_type": ResaleLineType.SUPPORT_PLAN.value,
        "charge_start_date": period.start,
        "charge_end_date": period.last_day,
        "quantity": 1,
        "billable_quantity": Decimal(1),
        "price_book_id": None,
        "list_unit_price": ZERO,
        "reseller_unit_cost": ZERO,
        "customer_unit_price": charge,
        "seller_cost": ZERO,
        "customer_cost": charge,
        "margin": charge,
        "currency": plan.currency,
    }


# A reseller's invoice: (reseller, currency, end customer, or None for the one of every end customer).
_Key = tuple[uuid.UUID, str, uuid.UUID | None]


@dataclass
class _Rebilling:
    """A re-billing's invoices while their lines stream in, as billing's `_Issuing`: each written at its first line
    (numbered provisionally), its lines by parts; at the end numbered on, by reseller, currency and end customer."""

    ctx: SandboxContext
    provider_id: uuid.UUID
    country: str
    period: BillingPeriod
    per_customer: dict[uuid.UUID, bool]
    invoices: dict[_Key, ResaleInvoice] = field(default_factory=dict)
    # The customer cost of each end customer's charge lines: (reseller, customer, currency) -> amount.
    charged: dict[tuple[uuid.UUID, uuid.UUID, str], Decimal] = field(default_factory=dict)
    lines: DocumentLines = field(init=False)

    def __post_init__(self) -> None:
        self.lines = DocumentLines(self.ctx.session, cast(Table, ResaleInvoiceLine.__table__), "invoice_id")

    async def add(self, reseller_id: uuid.UUID, line: ResaleDraft) -> None:
        customer_id, currency = line["customer_tenant_id"], line["currency"]
        key = (reseller_id, currency, customer_id if self.per_customer.get(reseller_id) else None)
        invoice = self.invoices.get(key) or await self._open(key)
        invoice.seller_cost += line["seller_cost"]
        invoice.customer_cost += line["customer_cost"]
        invoice.margin += line["margin"]
        if line["line_type"] is ResaleLineType.CHARGE:
            invoice.seats += line["quantity"]
            charged = (reseller_id, customer_id, currency)
            self.charged[charged] = self.charged.get(charged, ZERO) + line["customer_cost"]
        else:
            invoice.support_total += line["customer_cost"]
        await self.lines.add(invoice.id, line)

    @property
    def billed(self) -> set[uuid.UUID]:
        """The end customers with a charge line."""
        return {customer_id for _, customer_id, _ in self.charged}

    async def _open(self, key: _Key) -> ResaleInvoice:
        ctx, (reseller_id, currency, customer_id) = self.ctx, key
        invoice = ResaleInvoice(
            sandbox_id=ctx.sandbox_id,
            id=await ctx.new_id(),
            number=f"~{len(self.invoices) + 1}",  # until `close` numbers it: unique in the sandbox, never shown
            provider_tenant_id=self.provider_id,
            reseller_tenant_id=reseller_id,
            end_customer_tenant_id=customer_id,
            country=self.country,
            billing_period_start=self.period.start,
            billing_period_end=self.period.last_day,
            invoice_date=ctx.now,
            currency=currency,
            seller_cost=ZERO,
            customer_cost=ZERO,
            support_total=ZERO,
            margin=ZERO,
            seats=0,
            created_at=ctx.now,
        )
        ctx.session.add(invoice)
        await ctx.session.flush()  # before its lines: they name it
        self.invoices[key] = invoice
        return invoice

    async def close(self) -> list[ResaleInvoice]:
        """The invoices, written whole, numbered R000001 on in the sandbox, each announced."""
        await self.lines.write_all()
        issued = [self.invoices[key] for key in sorted(self.invoices, key=lambda k: (k[0], k[1], str(k[2])))]
        await billing.number_in_order(self.ctx, issued, "R")
        for invoice in issued:
            await record_event(
                self.ctx,
                name="reseller-invoice-ready",
                resource_type="ResaleInvoice",
                resource_id=invoice.number,
                tenant_ids=[self.provider_id],
                data={
                    "invoiceId": invoice.number,
                    "resellerTenantId": str(invoice.reseller_tenant_id),
                    "currency": invoice.currency,
                },
            )
        return issued


# --- reading ----------------------------------------------------------------------------------------------------


def _visible(ctx: PartnerContext, reseller_id: uuid.UUID) -> Select[ResaleInvoice]:
    return select(ResaleInvoice).where(
        ResaleInvoice.sandbox_id == ctx.sandbox_id,
        ResaleInvoice.provider_tenant_id == ctx.tenant_id,
        ResaleInvoice.reseller_tenant_id == reseller_id,
    )


async def list_invoices(ctx: PartnerContext, *, reseller_id: uuid.UUID, page: PageRequest) -> Page[ResaleInvoice]:
    """BIL-5: a reseller's invoices, oldest first."""
    await service.require_distributor(ctx, action="read reseller invoices")
    reseller = await service.require_reseller(ctx, reseller_id)
    return await keyset(
        ctx.session, _visible(ctx, reseller.id), keys=[ResaleInvoice.invoice_date, ResaleInvoice.number], page=page
    )


async def get_invoice(
    ctx: PartnerContext, *, reseller_id: uuid.UUID, number: str
) -> tuple[ResaleInvoice, list[ResaleInvoiceLine]]:
    """BIL-5, BIL-6: one of a reseller's invoices with its lines (list price, reseller cost, customer price)."""
    await service.require_distributor(ctx, action="read reseller invoices")
    reseller = await service.require_reseller(ctx, reseller_id)
    stmt = _visible(ctx, reseller.id).where(ResaleInvoice.number == number.upper())
    invoice = (await ctx.session.execute(stmt)).scalar_one_or_none()
    if invoice is None:
        raise NotFound("Invoice", number)
    return invoice, (await _lines_of(ctx, [invoice]))[invoice.id]


async def _lines_of(ctx: SandboxContext, invoices: Iterable[ResaleInvoice]) -> dict[uuid.UUID, list[ResaleInvoiceLine]]:
    found: dict[uuid.UUID, list[ResaleInvoiceLine]] = {i.id: [] for i in invoices}
    if found:
        stmt = select(ResaleInvoiceLine).where(
            ResaleInvoiceLine.sandbox_id == ctx.sandbox_id, ResaleInvoiceLine.invoice_id.in_(found)
        )
        for line in (await ctx.session.execute(stmt.order_by(ResaleInvoiceLine.line_number))).scalars():
            found[line.invoice_id].append(line)
    return found


@dataclass(frozen=True)
class ReportRow:
    customer_tenant_id: uuid.UUID
    customer_name: str
    product_id: str
    sku_id: str
    product_name: str
    seats: int
    seller_cost: Decimal
    customer_cost: Decimal
    margin: Decimal
    currency: str


def _month(period: str | None) -> date | None:
    if period is None:
        return None
    try:
        year, month = (int(part) for part in period.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise BadRequest(f"Unknown period '{period}': name a month as YYYY-MM (e.g. 2029-03).") from None


async def report(
    ctx: PartnerContext, *, reseller_id: uuid.UUID, period: str | None, report_format: str | None
) -> list[ReportRow]:
    """BIL-5: a reseller's billing report from its invoices (of the billing periods starting in `period`, YYYY-MM,
    or all): per end customer and product, the seats, seller cost, customer cost and margin."""
    if (report_format or "json").lower() not in REPORT_FORMATS:
        raise BadRequest(f"Unknown report format '{report_format}': use 'json' or 'csv'.")
    month = _month(period)
    await service.require_distributor(ctx, action="read reseller reports")
    reseller = await service.require_reseller(ctx, reseller_id)
    stmt = _visible(ctx, reseller.id)
    if month is not None:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        stmt = stmt.where(ResaleInvoice.billing_period_start >= month, ResaleInvoice.billing_period_start < following)
    invoices = list((await ctx.session.execute(stmt.order_by(ResaleInvoice.number))).scalars())
    rows: dict[tuple[str, uuid.UUID, str, str], list[ResaleInvoiceLine]] = defaultdict(list)
    for lines in (await _lines_of(ctx, invoices)).values():
        for line in lines:
            rows[(line.currency, line.customer_tenant_id, line.product_id, line.sku_id)].append(line)
    return [
        ReportRow(
            customer_tenant_id=customer,
            customer_name=items[0].customer_name,
            product_id=product,
            sku_id=sku,
            product_name=items[0].product_name,
            seats=sum(i.quantity for i in items if i.line_type is ResaleLineType.CHARGE),
            seller_cost=sum((i.seller_cost for i in items), ZERO),
            customer_cost=sum((i.customer_cost for i in items), ZERO),
            margin=sum((i.margin for i in items), ZERO),
            currency=currency,
        )
        for (currency, customer, product, sku), items in sorted(rows.items(), key=lambda r: tuple(map(str, r[0])))
    ]
