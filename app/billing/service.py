"""Billing runs, invoices and reconciliation line items (BIL-1, BIL-2).

A partner's first charge for customers of a country starts a chain of billing runs for that country: each run is a
timer due when the billing period's invoice is ready (`INVOICE_READY_AFTER` after the period closes: the 8th of
the next month for a calendar month, as Microsoft's billing basics say invoices are ready "by the eighth"; the 27th
for Canada's 20th-to-19th period), prices the period's charges into an invoice, and schedules the next run while
the partner still has subscriptions there or charges after the period.
"""

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select

from app.billing.charges import PricedLine, price_subscription, tax_of
from app.billing.statement import render_statement
from app.events.service import notify, record_event
from app.kernel import timers
from app.kernel.clock import add_months
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, NotFound
from app.kernel.pagination import Page, PageRequest, keyset
from app.kernel.roles import PartnerRole, require_role
from app.models import (
    Charge,
    Invoice,
    InvoiceLine,
    InvoiceType,
    Order,
    PartnerProfile,
    Subscription,
    SubscriptionStatus,
    Tenant,
    Timer,
)

RUN_TIMER = "billing.run"
INVOICE_READY_AFTER = timedelta(days=7)
PROVIDERS = {"onetime"}
LINE_ITEM_TYPES = {"billinglineitems", "usagelineitems"}
PERIODS = {"current", "previous"}
RESERVATION = "AzureReservation"
FREQUENCIES = {"monthly": "Monthly", "annual": "Annual", "triennial": "Triennial", "one_time": "OneTime"}
SYMBOLS = {"USD": "$", "CAD": "$", "GBP": "£", "EUR": "€"}


@dataclass(frozen=True)
class BillingPeriod:
    """[start, end) in UTC dates; Partner Center shows the end inclusive (`last_day`)."""

    start: date
    end: date

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def bounds(self) -> tuple[datetime, datetime]:
        return datetime.combine(self.start, time(), UTC), datetime.combine(self.end, time(), UTC)

    @property
    def ready_at(self) -> datetime:
        return self.bounds()[1] + INVOICE_READY_AFTER

    def next(self) -> "BillingPeriod":
        return BillingPeriod(self.end, _day(add_months(self.bounds()[1], 1).date(), self.end.day))


def _day(moment: date, day: int) -> date:
    return moment.replace(day=day)


def billing_period(ctx: SandboxContext, country: str, moment: datetime) -> BillingPeriod:
    """BIL-2: the billing period holding `moment` for customers of `country`: it starts on the country's
    `billingPeriodStartDay` (US the 1st: the calendar month; Canada the 20th), 1 for a country not listed."""
    day = ctx.settings.billing_period_start_day.get(country.upper(), 1)
    first = moment.date().replace(day=day)
    if moment.day < day:
        first = add_months(datetime.combine(first, time(), UTC), -1).date()
    return BillingPeriod(first, add_months(datetime.combine(first, time(), UTC), 1).date())


def _ref(partner_id: uuid.UUID, country: str) -> str:
    return f"{partner_id}:{country}"


async def charge_recorded(ctx: SandboxContext, *, partner_tenant_id: uuid.UUID, customer_tenant_id: uuid.UUID) -> None:
    """BIL-1, BIL-2: a partner's charge for a customer starts the billing runs of the customer's country, unless a
    run is already waiting (each run schedules the next)."""
    customer = await ctx.session.get(Tenant, (ctx.sandbox_id, customer_tenant_id))
    country = customer.country.upper() if customer else "US"
    ref = _ref(partner_tenant_id, country)
    if await timers.is_pending(ctx, kind=RUN_TIMER, ref=ref):
        return
    period = billing_period(ctx, country, ctx.now)
    await timers.schedule(
        ctx, kind=RUN_TIMER, ref=ref, due_at=period.ready_at, payload={"periodStart": period.start.isoformat()}
    )


# What another domain does at a billing run, once the partner's invoices are issued (resale re-bills them, BIL-5):
# (ctx, partner tenant, customers' country, period, the invoices issued, possibly none).
RunListener = Callable[[SandboxContext, uuid.UUID, str, "BillingPeriod", list[Invoice]], Awaitable[object]]
_run_listeners: list[RunListener] = []


def after_billing_run(listener: RunListener) -> RunListener:
    """Register `listener` to run at every billing run, after its invoices are issued, in the same transaction."""
    _run_listeners.append(listener)
    return listener


async def issued_lines(ctx: SandboxContext, invoices: list[Invoice]) -> dict[uuid.UUID, list[InvoiceLine]]:
    """The billing line items of issued invoices, by invoice id, in line order (read, never priced again)."""
    found: dict[uuid.UUID, list[InvoiceLine]] = {invoice.id: [] for invoice in invoices}
    if not invoices:
        return found
    stmt = select(InvoiceLine).where(InvoiceLine.sandbox_id == ctx.sandbox_id, InvoiceLine.invoice_id.in_(found))
    for line in (await ctx.session.execute(stmt.order_by(InvoiceLine.invoice_id, InvoiceLine.line_number))).scalars():
        found[line.invoice_id].append(line)
    return found


@timers.on_timer(RUN_TIMER)
async def _run(ctx: SandboxContext, timer: Timer) -> None:
    """BIL-1, BIL-2: invoice the period, then schedule the next period's run while there is more to bill."""
    partner_text, country = timer.ref.split(":")
    partner_id = uuid.UUID(partner_text)
    start = date.fromisoformat(timer.payload["periodStart"])
    period = billing_period(ctx, country, datetime.combine(start, time(), UTC))
    issued = await issue_invoices(ctx, partner_tenant_id=partner_id, country=country, period=period)
    for listener in _run_listeners:
        await listener(ctx, partner_id, country, period, issued)
    if await _more_to_bill(ctx, partner_id, country, period):
        following = period.next()
        await timers.schedule(
            ctx,
            kind=RUN_TIMER,
            ref=timer.ref,
            due_at=following.ready_at,
            payload={"periodStart": following.start.isoformat()},
        )


def _customers_of(ctx: SandboxContext, country: str) -> Any:
    return select(Tenant.id).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.country == country)


async def _more_to_bill(ctx: SandboxContext, partner_id: uuid.UUID, country: str, period: BillingPeriod) -> bool:
    live = select(Subscription.id).where(
        Subscription.sandbox_id == ctx.sandbox_id,
        Subscription.partner_tenant_id == partner_id,
        Subscription.status.in_([SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED]),
        Subscription.customer_tenant_id.in_(_customers_of(ctx, country)),
    )
    later = select(Charge.id).where(
        Charge.sandbox_id == ctx.sandbox_id,
        Charge.partner_tenant_id == partner_id,
        Charge.occurred_at >= period.bounds()[1],
        Charge.customer_tenant_id.in_(_customers_of(ctx, country)),
    )
    for stmt in (live, later):
        if (await ctx.session.execute(stmt.limit(1))).first() is not None:
            return True
    return False


async def price_period(
    ctx: SandboxContext, *, partner_tenant_id: uuid.UUID, country: str, period: BillingPeriod
) -> list[InvoiceLine]:
    """BIL-1: the billing lines (not yet on an invoice: no id, no invoice) of a partner's customers of `country`
    for `period`, in the order the charges happened, taxed at the country's rate (`taxRates`, 0 by default)."""
    start, end = period.bounds()
    stmt = (
        select(Charge)
        .where(
            Charge.sandbox_id == ctx.sandbox_id,
            Charge.partner_tenant_id == partner_tenant_id,
            Charge.occurred_at < end,
            Charge.customer_tenant_id.in_(_customers_of(ctx, country)),
        )
        .order_by(Charge.seq)
    )
    histories: dict[uuid.UUID, list[Charge]] = defaultdict(list)
    for charge in (await ctx.session.execute(stmt)).scalars():
        histories[charge.subscription_id].append(charge)
    if not histories:
        return []
    facts = await _Facts.load(ctx, partner_tenant_id, set(histories))
    priced = [
        (subscription_id, line)
        for subscription_id, history in histories.items()
        for line in price_subscription(history, start, end, per_term=facts.priced_per_term(subscription_id))
    ]
    rate = ctx.settings.tax_rates.get(country.upper(), Decimal(0))
    return [facts.line(ctx, subscription_id, line, rate) for subscription_id, line in priced]


@dataclass
class _Facts:
    """What a line shows beside its money: the customer, the subscription, its order, the partner's MPN id."""

    mpn_id: str | None
    subscriptions: dict[uuid.UUID, Subscription]
    customers: dict[uuid.UUID, Tenant]
    orders: dict[uuid.UUID, Order]

    @classmethod
    async def load(cls, ctx: SandboxContext, partner_id: uuid.UUID, subscription_ids: set[uuid.UUID]) -> "_Facts":
        session, sandbox = ctx.session, ctx.sandbox_id
        subs = (
            await session.execute(
                select(Subscription).where(Subscription.sandbox_id == sandbox, Subscription.id.in_(subscription_ids))
            )
        ).scalars()
        subscriptions = {s.id: s for s in subs}
        customer_ids = {s.customer_tenant_id for s in subscriptions.values()}
        customers = {
            t.id: t
            for t in (
                await session.execute(select(Tenant).where(Tenant.sandbox_id == sandbox, Tenant.id.in_(customer_ids)))
            ).scalars()
        }
        order_ids = {s.order_id for s in subscriptions.values() if s.order_id}
        orders = {
            o.id: o
            for o in (
                await session.execute(select(Order).where(Order.sandbox_id == sandbox, Order.id.in_(order_ids)))
            ).scalars()
        }
        profile = await session.get(PartnerProfile, (sandbox, partner_id))
        return cls(profile.partner_id if profile else None, subscriptions, customers, orders)

    def priced_per_term(self, subscription_id: uuid.UUID) -> bool:
        """Reservations carry a price per term, license-based offers one per month (the catalog's convention)."""
        return self.subscriptions[subscription_id].product_type == RESERVATION

    def line(self, ctx: SandboxContext, subscription_id: uuid.UUID, priced: PricedLine, rate: Decimal) -> InvoiceLine:
        sub = self.subscriptions[subscription_id]
        customer = self.customers[sub.customer_tenant_id]
        order = self.orders.get(sub.order_id) if sub.order_id else None
        product_id, sku_id, availability_id = ([*sub.offer_id.split(":"), "", ""])[:3]
        tax = tax_of(priced.subtotal, rate)
        return InvoiceLine(
            sandbox_id=ctx.sandbox_id,
            mpn_id=self.mpn_id,
            reseller_mpn_id=getattr(priced.charge, "reseller_mpn_id", None) or sub.partner_of_record,
            customer_tenant_id=customer.id,
            customer_name=customer.display_name,
            customer_domain_name=customer.domain,
            customer_country=customer.country,
            order_id=sub.order_id,
            order_date=order.created_at if order else None,
            subscription_id=sub.id,
            subscription_description=sub.friendly_name or sub.offer_name,
            subscription_start_date=sub.effective_start_date.date() if sub.effective_start_date else None,
            subscription_end_date=sub.commitment_end_date,
            product_id=product_id,
            sku_id=sku_id,
            availability_id=availability_id,
            product_name=sub.offer_name,
            sku_name=sub.offer_name,
            product_type=sub.product_type,
            charge_type=priced.charge_type,
            unit_price=priced.unit_price,
            effective_unit_price=priced.effective_unit_price,
            unit_type="Licenses",
            quantity=priced.quantity,
            billable_quantity=priced.billable_quantity,
            subtotal=priced.subtotal,
            tax_total=tax,
            total=priced.subtotal + tax,
            currency=getattr(priced.charge, "currency", None) or sub.currency or "USD",
            charge_start_date=priced.charge_start,
            charge_end_date=priced.charge_end,
            term_and_billing_cycle=_term_text(priced.term_duration, priced.billing_cycle),
            billing_frequency=FREQUENCIES.get((priced.billing_cycle or "").lower(), "OneTime"),
            charge_id=getattr(priced.charge, "id", None),
        )


def invoice_type_of(line: InvoiceLine) -> InvoiceType:
    """BIL-3: a one-time purchase's line goes on the one-time invoice."""
    return InvoiceType.ONE_TIME if line.billing_frequency == "OneTime" else InvoiceType.RECURRING


def _term_text(duration: str | None, cycle: str | None) -> str:
    term = {"P1M": "1 Month", "P1Y": "1 Year", "P3Y": "3 Years"}.get(duration or "", "None")
    return f"{term} Subscription - {(cycle or 'none').capitalize()} Billing"


async def issue_invoices(
    ctx: SandboxContext, *, partner_tenant_id: uuid.UUID, country: str, period: BillingPeriod
) -> list[Invoice]:
    """BIL-1, BIL-2, BIL-3: the period's invoices of a partner for its customers of `country`, one per currency for
    the recurring charges and another for the one-time purchases, numbered G000001 on in the sandbox, dated when
    they are ready; each raises `invoice-ready` (webhooks deliver it) and a mail to the partner's primary contact.
    A period without charges gets no invoice."""
    lines = await price_period(ctx, partner_tenant_id=partner_tenant_id, country=country, period=period)
    apart: dict[tuple[str, InvoiceType], list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        apart[(line.currency, invoice_type_of(line))].append(line)
    issued = []
    for (currency, kind), items in sorted(apart.items()):
        invoice = await _invoice(ctx, partner_tenant_id, country, period, currency, kind, items)
        issued.append(invoice)
        await _announce(ctx, invoice)
    return issued


async def _invoice(
    ctx: SandboxContext,
    partner_id: uuid.UUID,
    country: str,
    period: BillingPeriod,
    currency: str,
    kind: InvoiceType,
    lines: list[InvoiceLine],
) -> Invoice:
    count = (
        await ctx.session.execute(select(func.count()).select_from(Invoice).where(Invoice.sandbox_id == ctx.sandbox_id))
    ).scalar_one()
    subtotal = sum((line.subtotal for line in lines), Decimal(0))
    tax = sum((line.tax_total for line in lines), Decimal(0))
    invoice = Invoice(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        number=f"G{count + 1:06d}",
        partner_tenant_id=partner_id,
        country=country,
        billing_period_start=period.start,
        billing_period_end=period.last_day,
        invoice_date=ctx.now,
        currency=currency,
        invoice_type=kind,
        subtotal=subtotal,
        tax_total=tax,
        total_charges=sum((line.total for line in lines), Decimal(0)),
        paid_amount=Decimal(0),
        created_at=ctx.now,
    )
    ctx.session.add(invoice)
    for number, line in enumerate(lines):
        line.id, line.invoice_id, line.line_number = await ctx.new_id(), invoice.id, number
        ctx.session.add(line)
    await ctx.session.flush()
    return invoice


async def _announce(ctx: SandboxContext, invoice: Invoice) -> None:
    await record_event(
        ctx,
        name="invoice-ready",
        resource_type="Invoice",
        resource_id=invoice.number,
        tenant_ids=[invoice.partner_tenant_id],
        data={"invoiceId": invoice.number, "totalCharges": str(invoice.total_charges), "currency": invoice.currency},
    )
    profile = await ctx.session.get(PartnerProfile, (ctx.sandbox_id, invoice.partner_tenant_id))
    if profile is None or not profile.primary_contact_email:
        return
    await notify(
        ctx,
        to=profile.primary_contact_email,
        kind="invoice-ready",
        subject=f"Your invoice {invoice.number} is ready",
        body=(
            f"Invoice {invoice.number} for {invoice.billing_period_start.isoformat()} to "
            f"{invoice.billing_period_end.isoformat()}: {invoice.total_charges} {invoice.currency}. "
            f"GET /v1/invoices/{invoice.number}"
        ),
        tenant_id=invoice.partner_tenant_id,
    )


# --- reading ----------------------------------------------------------------------------------------------------


def _may_read_invoices(ctx: PartnerContext) -> None:
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.BILLING_ADMIN, action="read invoices", apps=True)


def visible_invoices(ctx: PartnerContext) -> Select[Invoice]:
    """The invoices a partner sees: its own."""
    return select(Invoice).where(Invoice.sandbox_id == ctx.sandbox_id, Invoice.partner_tenant_id == ctx.tenant_id)


async def list_invoices(ctx: PartnerContext, page: PageRequest) -> Page[Invoice]:
    """BIL-1: the partner's invoices, oldest first."""
    _may_read_invoices(ctx)
    return await keyset(ctx.session, visible_invoices(ctx), keys=[Invoice.invoice_date, Invoice.id], page=page)


async def get_invoice(ctx: PartnerContext, number: str) -> Invoice:
    """One of the partner's invoices by its number (Partner Center's invoice id); another's is not found."""
    _may_read_invoices(ctx)
    found = (
        await ctx.session.execute(visible_invoices(ctx).where(Invoice.number == number.upper()))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("Invoice", number)
    return found


def _line_kind(provider: str, line_item_type: str) -> str:
    """The (provider, line item type) pair asked for, checked: new commerce's is OneTime with BillingLineItems
    (UsageLineItems is Azure plan usage, which has no lines yet)."""
    if provider.lower() not in PROVIDERS:
        raise BadRequest(f"Unknown billing provider '{provider}': new commerce's line items are provider 'onetime'.")
    if line_item_type.lower() not in LINE_ITEM_TYPES:
        raise BadRequest(
            f"Unknown invoice line item type '{line_item_type}': use 'billinglineitems' (or 'usagelineitems')."
        )
    return line_item_type.lower()


async def invoice_lines(ctx: PartnerContext, *, number: str, provider: str, line_item_type: str) -> list[InvoiceLine]:
    """BIL-1: an issued invoice's billing line items."""
    kind = _line_kind(provider, line_item_type)
    invoice = await get_invoice(ctx, number)
    if kind != "billinglineitems":
        return []
    stmt = select(InvoiceLine).where(InvoiceLine.sandbox_id == ctx.sandbox_id, InvoiceLine.invoice_id == invoice.id)
    return list((await ctx.session.execute(stmt.order_by(InvoiceLine.line_number))).scalars())


async def unbilled_lines(
    ctx: PartnerContext, *, provider: str, line_item_type: str, currency: str | None, period: str | None
) -> list[InvoiceLine]:
    """BIL-1, BIL-2: the lines the partner's next invoices will carry: `current`, the open billing period of each of
    its customers' countries; `previous`, the period before it while its invoice is not issued yet."""
    _may_read_invoices(ctx)
    kind = _line_kind(provider, line_item_type)
    if not currency:
        raise BadRequest("Name the currency of the lines (currencycode=USD).")
    if (period or "").lower() not in PERIODS:
        raise BadRequest(f"Unknown period '{period}': use 'current' or 'previous'.")
    if kind != "billinglineitems":
        return []
    countries = select(Tenant.country).where(
        Tenant.sandbox_id == ctx.sandbox_id,
        Tenant.id.in_(
            select(Charge.customer_tenant_id).where(
                Charge.sandbox_id == ctx.sandbox_id, Charge.partner_tenant_id == ctx.tenant_id
            )
        ),
    )
    found: list[InvoiceLine] = []
    for country in sorted(set((await ctx.session.execute(countries.distinct())).scalars())):
        current = billing_period(ctx, country, ctx.now)
        wanted = current if (period or "").lower() == "current" else _previous(ctx, country, current)
        if await _invoiced(ctx, country, wanted):
            continue
        lines = await price_period(ctx, partner_tenant_id=ctx.tenant_id, country=country, period=wanted)
        found += [line for line in lines if line.currency == currency.upper()]
    return found


def _previous(ctx: SandboxContext, country: str, current: BillingPeriod) -> BillingPeriod:
    return billing_period(ctx, country, current.bounds()[0] - timedelta(days=1))


async def _invoiced(ctx: PartnerContext, country: str, period: BillingPeriod) -> bool:
    stmt = visible_invoices(ctx).where(Invoice.country == country, Invoice.billing_period_start == period.start)
    return (await ctx.session.execute(stmt.limit(1))).first() is not None


@dataclass(frozen=True)
class Summary:
    balance: Decimal
    currency: str
    first_invoice: datetime | None
    latest_invoice: datetime | None


async def invoice_summary(ctx: PartnerContext) -> Summary:
    """The partner's balance: what its invoices charged less what was paid (in the currency it is most billed in)."""
    _may_read_invoices(ctx)
    invoices = list((await ctx.session.execute(visible_invoices(ctx).order_by(Invoice.invoice_date))).scalars())
    if not invoices:
        return Summary(Decimal("0.00"), "USD", None, None)
    currency = max({i.currency for i in invoices}, key=lambda c: sum(1 for i in invoices if i.currency == c))
    mine = [i for i in invoices if i.currency == currency]
    balance = sum((i.total_charges - i.paid_amount for i in mine), Decimal("0.00"))
    return Summary(balance, currency, mine[0].invoice_date, mine[-1].invoice_date)


def currency_symbol(currency: str) -> str:
    return SYMBOLS.get(currency.upper(), currency.upper())


async def invoice_statement(ctx: PartnerContext, *, number: str) -> bytes:
    """BIL-1: an issued invoice as its PDF statement (number, period, lines, total)."""
    invoice = await get_invoice(ctx, number)
    lines = await invoice_lines(ctx, number=number, provider="onetime", line_item_type="billinglineitems")
    partner = await ctx.session.get(Tenant, (ctx.sandbox_id, invoice.partner_tenant_id))
    return render_statement(invoice, lines, partner_name=partner.display_name if partner else "")


# BIL-4: the report groups of the distributors' billing reports (TD SYNNEX ION): every line cspsim bills comes from a
# new-commerce subscription (legacy ones are recorded, never charged), so it is in "Azure plan and new commerce";
# the legacy groups are named so that a report reader sees the three the rule lists.
NEW_COMMERCE = "Azure plan and new commerce"
REPORT_GROUPS = ("Azure classic", NEW_COMMERCE, "Modern Workplace")
REPORT_FORMATS = {"json", "csv"}


@dataclass(frozen=True)
class ProductTypeRow:
    group: str
    product_type: str
    line_count: int
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    currency: str


async def product_type_report(ctx: PartnerContext, *, number: str, report_format: str | None) -> list[ProductTypeRow]:
    """BIL-4: an invoice's charges by product type, within the report groups (Azure classic, Azure plan and new
    commerce, Modern Workplace); the rows' totals add up to the invoice's."""
    if (report_format or "json").lower() not in REPORT_FORMATS:
        raise BadRequest(f"Unknown report format '{report_format}': use 'json' or 'csv'.")
    invoice = await get_invoice(ctx, number)
    rows: dict[str, list[InvoiceLine]] = defaultdict(list)
    for line in await invoice_lines(ctx, number=number, provider="onetime", line_item_type="billinglineitems"):
        rows[line.product_type or "Unknown"].append(line)
    return [
        ProductTypeRow(
            group=NEW_COMMERCE,
            product_type=product_type,
            line_count=len(items),
            subtotal=sum((i.subtotal for i in items), Decimal("0.00")),
            tax_total=sum((i.tax_total for i in items), Decimal("0.00")),
            total=sum((i.total for i in items), Decimal("0.00")),
            currency=invoice.currency,
        )
        for product_type, items in sorted(rows.items())
    ]
