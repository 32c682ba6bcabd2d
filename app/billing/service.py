"""Billing runs, invoices and reconciliation line items (BIL-1, BIL-2).

A partner's first charge for customers of a country starts a chain of billing runs for that country: each run is a
timer due when the billing period's invoice is ready (`INVOICE_READY_AFTER` after the period closes: the 8th of
the next month for a calendar month, as Microsoft's billing basics say invoices are ready "by the eighth"; the 27th
for Canada's 20th-to-19th period), prices the period's charges into an invoice, and schedules the next run while
the partner still has subscriptions there or charges after the period.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import Select, String, Table, and_, bindparam, exists, func, literal, select

from app.billing import usage
from app.billing.charges import PricedLine, price_subscription, tax_of
from app.billing.periods import BillingPeriod, billing_period
from app.billing.ratecard import METERS, Meter
from app.billing.statement import render_statement
from app.events.service import notify, record_event
from app.kernel import timers
from app.kernel.bulk import DocumentLines, rows_of
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, NotFound
from app.kernel.pagination import Page, PageRequest, invalid_token, keyset, position_of, token_of
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
    UsageRecord,
)

RUN_TIMER = "billing.run"
PROVIDERS = {"onetime"}
LINE_ITEM_TYPES = {"billinglineitems", "usagelineitems"}
PERIODS = {"current", "previous"}
RESERVATION = "AzureReservation"
FREQUENCIES = {"monthly": "Monthly", "annual": "Annual", "triennial": "Triennial", "one_time": "OneTime"}
SYMBOLS = {"USD": "$", "CAD": "$", "GBP": "£", "EUR": "€"}


def _ref(partner_id: uuid.UUID, country: str) -> str:
    return f"{partner_id}:{country}"


# Whether the run a purchase's charges would start waits already, as a column of the purchase's own read of the
# customer (`commerce.purchases.require_purchase`: its `partner_text` and its tenant's country): its first charge then
# asks no statement of its own (`run_known`), where the check was one round trip of every order.
RUN_WAITING = timers.pending_column(
    RUN_TIMER, bindparam("partner_text", type_=String()) + literal(":") + func.upper(Tenant.country)
).label("run_waiting")


# The customers' countries a transaction read beside a purchase (`run_known`): the purchase's charges and its
# order's provisioning ask for them next.
_COUNTRIES = "billing.customer_countries"


def run_known(
    ctx: SandboxContext, *, partner_tenant_id: uuid.UUID, customer_tenant_id: uuid.UUID, country: str, waiting: bool
) -> None:
    """What a read of `RUN_WAITING` found, for the partner's charges for a customer of `country`, and that
    customer's country."""
    ctx.session.info.setdefault(_COUNTRIES, {})[customer_tenant_id] = country
    timers.known_pending(ctx, kind=RUN_TIMER, ref=_ref(partner_tenant_id, country.upper()), pending=waiting)


async def customer_country(ctx: SandboxContext, customer_tenant_id: uuid.UUID) -> str | None:
    """The customer's country: as the transaction read it beside a purchase (`run_known`), else its tenant's (None:
    no such tenant)."""
    known: str | None = ctx.session.info.get(_COUNTRIES, {}).get(customer_tenant_id)
    if known is not None:
        return known
    customer = await ctx.session.get(Tenant, (ctx.sandbox_id, customer_tenant_id))
    return customer.country if customer else None


async def charge_recorded(ctx: SandboxContext, *, partner_tenant_id: uuid.UUID, customer_tenant_id: uuid.UUID) -> None:
    """BIL-1, BIL-2: a partner's charge for a customer starts the billing runs of the customer's country, unless a
    run is already waiting (each run schedules the next)."""
    country = (await customer_country(ctx, customer_tenant_id) or "US").upper()
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


@timers.on_timer(RUN_TIMER)
async def _run(ctx: SandboxContext, timer: timers.Due) -> None:
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


# A line not on an invoice yet: InvoiceLine's columns but its id, invoice and number, as plain values. A billing run
# of 500,000 subscriptions prices them as a stream and writes its lines by parts: no ORM object, no round trip per
# line, and neither the charges nor the lines held in memory all at once.
LineDraft = dict[str, Any]


@dataclass(frozen=True)
class BilledSubscription:
    """What a line shows beside its money: the subscription billed, its customer and order, the partner's MPN id."""

    mpn_id: str | None
    subscription_id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str
    customer_domain: str
    customer_country: str
    order_id: uuid.UUID | None
    order_date: datetime | None
    offer_id: str
    offer_name: str
    friendly_name: str | None
    product_type: str | None
    currency: str | None
    effective_start_date: datetime | None
    commitment_end_date: date | None
    partner_of_record: str | None

    @property
    def priced_per_term(self) -> bool:
        """Reservations carry a price per term, license-based offers one per month (the catalog's convention)."""
        return self.product_type == RESERVATION

    @property
    def product_sku_availability(self) -> tuple[str, str, str]:
        """The offer's product, SKU and availability ids (an offer id is `product:sku:availability`)."""
        product_id, sku_id, availability_id = ([*self.offer_id.split(":"), "", ""])[:3]
        return product_id, sku_id, availability_id

    def columns(self, ctx: SandboxContext) -> LineDraft:
        product_id, sku_id, availability_id = self.product_sku_availability
        return {
            "sandbox_id": ctx.sandbox_id,
            "mpn_id": self.mpn_id,
            "customer_tenant_id": self.customer_id,
            "customer_name": self.customer_name,
            "customer_domain_name": self.customer_domain,
            "customer_country": self.customer_country,
            "order_id": self.order_id,
            "order_date": self.order_date,
            "subscription_id": self.subscription_id,
            "subscription_description": self.friendly_name or self.offer_name,
            "subscription_start_date": self.effective_start_date.date() if self.effective_start_date else None,
            "subscription_end_date": self.commitment_end_date,
            "product_id": product_id,
            "sku_id": sku_id,
            "availability_id": availability_id,
            "product_name": self.offer_name,
            "product_type": self.product_type,
        }

    def line(self, ctx: SandboxContext, priced: PricedLine, rate: Decimal) -> LineDraft:
        tax = tax_of(priced.subtotal, rate)
        return {
            **self.columns(ctx),
            "reseller_mpn_id": getattr(priced.charge, "reseller_mpn_id", None) or self.partner_of_record,
            "sku_name": self.offer_name,
            "charge_type": priced.charge_type,
            "unit_price": priced.unit_price,
            "effective_unit_price": priced.effective_unit_price,
            "unit_type": "Licenses",
            "quantity": priced.quantity,
            "billable_quantity": priced.billable_quantity,
            "subtotal": priced.subtotal,
            "tax_total": tax,
            "total": priced.subtotal + tax,
            "currency": getattr(priced.charge, "currency", None) or self.currency or "USD",
            "charge_start_date": priced.charge_start,
            "charge_end_date": priced.charge_end,
            "term_and_billing_cycle": _term_text(priced.term_duration, priced.billing_cycle),
            "billing_frequency": FREQUENCIES.get((priced.billing_cycle or "").lower(), "OneTime"),
            "meter_description": None,
            "charge_id": getattr(priced.charge, "id", None),
        }

    def usage_line(
        self, ctx: SandboxContext, rated: usage.RatedMeter, period: BillingPeriod, rate: Decimal
    ) -> LineDraft:
        """BIL-1: an Azure plan subscription's consumption of one meter over the period, billed in arrears."""
        subtotal = rated.subtotal
        tax = tax_of(subtotal, rate)
        return {
            **self.columns(ctx),
            "reseller_mpn_id": self.partner_of_record,
            "sku_name": rated.meter.category,
            "charge_type": "new",
            "unit_price": rated.unit_price,
            "effective_unit_price": rated.unit_price,
            "unit_type": rated.meter.unit,
            "quantity": int(rated.quantity.to_integral_value(rounding=ROUND_HALF_UP)),
            "billable_quantity": rated.quantity,
            "subtotal": subtotal,
            "tax_total": tax,
            "total": subtotal + tax,
            "currency": rated.currency,
            "charge_start_date": period.start,
            "charge_end_date": period.last_day,
            "term_and_billing_cycle": "None",
            "billing_frequency": "Monthly",
            "meter_description": rated.meter.description,
            "charge_id": None,
        }


# The subscription, customer and order columns a charge is read with (`_charges_shown`), as `BilledSubscription`
# names them.
_SHOWN = (
    Subscription.customer_tenant_id.label("customer_id"),
    Tenant.display_name.label("customer_name"),
    Tenant.domain.label("customer_domain"),
    Tenant.country.label("customer_country"),
    Subscription.order_id.label("order_id"),
    Order.created_at.label("order_date"),
    Subscription.offer_id.label("offer_id"),
    Subscription.offer_name.label("offer_name"),
    Subscription.friendly_name.label("friendly_name"),
    Subscription.product_type.label("product_type"),
    Subscription.currency.label("subscription_currency"),
    Subscription.effective_start_date.label("effective_start_date"),
    Subscription.commitment_end_date.label("commitment_end_date"),
    Subscription.partner_of_record.label("partner_of_record"),
)


def _billed(mpn_id: str | None, row: Any) -> BilledSubscription:
    return BilledSubscription(
        mpn_id=mpn_id,
        subscription_id=row.subscription_id,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        customer_domain=row.customer_domain,
        customer_country=row.customer_country,
        order_id=row.order_id,
        order_date=row.order_date,
        offer_id=row.offer_id,
        offer_name=row.offer_name,
        friendly_name=row.friendly_name,
        product_type=row.product_type,
        currency=row.subscription_currency,
        effective_start_date=row.effective_start_date,
        commitment_end_date=row.commitment_end_date,
        partner_of_record=row.partner_of_record,
    )


def _charges_shown(ctx: SandboxContext, partner_id: uuid.UUID, country: str, end: datetime) -> Select[Any]:
    """The partner's charges for customers of `country` before `end`, each with what its lines show, one
    subscription's charges after another (subscriptions in the order their first charge happened), each
    subscription's in the order they happened."""
    charges = (
        select(*Charge.__table__.c, func.min(Charge.seq).over(partition_by=Charge.subscription_id).label("first_seq"))
        .where(
            Charge.sandbox_id == ctx.sandbox_id,
            Charge.partner_tenant_id == partner_id,
            Charge.occurred_at < end,
            Charge.customer_tenant_id.in_(_customers_of(ctx, country)),
        )
        .subquery()
    )
    shown = _joined_to_shown(ctx, select(charges, *_SHOWN), charges.c.subscription_id)
    return shown.order_by(charges.c.first_seq, charges.c.seq)


def _joined_to_shown(ctx: SandboxContext, stmt: Select[Any], subscription_id: Any) -> Select[Any]:
    """`stmt` joined to the subscription `subscription_id` names, its customer and its order: what `_SHOWN` reads."""
    return (
        stmt.join(Subscription, and_(Subscription.sandbox_id == ctx.sandbox_id, Subscription.id == subscription_id))
        .join(Tenant, and_(Tenant.sandbox_id == Subscription.sandbox_id, Tenant.id == Subscription.customer_tenant_id))
        .outerjoin(Order, and_(Order.sandbox_id == Subscription.sandbox_id, Order.id == Subscription.order_id))
    )


async def _mpn_id(ctx: SandboxContext, partner_id: uuid.UUID) -> str | None:
    profile = await ctx.session.get(PartnerProfile, (ctx.sandbox_id, partner_id))
    return profile.partner_id if profile else None


async def priced_lines(
    ctx: SandboxContext, *, partner_tenant_id: uuid.UUID, country: str, period: BillingPeriod
) -> AsyncIterator[LineDraft]:
    """BIL-1: the billing lines (not yet on an invoice: no id, no invoice) of a partner's customers of `country`
    for `period`, subscription by subscription in the order their charges happened, then the Azure plans' metered
    consumption, taxed at the country's rate (`taxRates`, 0 by default). The charges are read as one stream of rows
    (not ORM objects), each with its subscription, customer and order."""
    start, end = period.bounds()
    rate = ctx.settings.tax_rates.get(country.upper(), Decimal(0))
    mpn_id = await _mpn_id(ctx, partner_tenant_id)
    history: list[Any] = []

    def lines_of(history: list[Any]) -> list[LineDraft]:
        shown = _billed(mpn_id, history[0])
        priced = price_subscription(history, start, end, per_term=shown.priced_per_term)
        return [shown.line(ctx, line, rate) for line in priced]

    async for charge in rows_of(ctx.session, _charges_shown(ctx, partner_tenant_id, country, end)):
        if history and charge.subscription_id != history[0].subscription_id:
            for line in lines_of(history):
                yield line
            history = []
        history.append(charge)
    if history:
        for line in lines_of(history):
            yield line
    consumed = await usage.rated_usage(
        ctx, partner_tenant_id=partner_tenant_id, country=country, start=period.start, end=period.end
    )
    billed = await billed_subscriptions(ctx, partner_tenant_id, {rated.subscription_id for rated in consumed})
    for rated in consumed:
        yield billed[rated.subscription_id].usage_line(ctx, rated, period, rate)


async def billed_subscriptions(
    ctx: SandboxContext, partner_id: uuid.UUID, subscription_ids: set[uuid.UUID]
) -> dict[uuid.UUID, BilledSubscription]:
    """A few of the partner's subscriptions (`subscription_ids`) as their lines show them, in one statement."""
    if not subscription_ids:
        return {}
    mpn_id = await _mpn_id(ctx, partner_id)
    stmt = (
        select(Subscription.id.label("subscription_id"), *_SHOWN)
        .select_from(Subscription)
        .join(Tenant, and_(Tenant.sandbox_id == Subscription.sandbox_id, Tenant.id == Subscription.customer_tenant_id))
        .outerjoin(Order, and_(Order.sandbox_id == Subscription.sandbox_id, Order.id == Subscription.order_id))
        .where(
            Subscription.sandbox_id == ctx.sandbox_id,
            Subscription.partner_tenant_id == partner_id,
            Subscription.id.in_(subscription_ids),
        )
    )
    return {row.subscription_id: _billed(mpn_id, row) for row in await ctx.session.execute(stmt)}


def invoice_type_of(line: LineDraft) -> InvoiceType:
    """BIL-3: a one-time purchase's line goes on the one-time invoice."""
    return InvoiceType.ONE_TIME if line["billing_frequency"] == "OneTime" else InvoiceType.RECURRING


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
    run = _Issuing(ctx, partner_tenant_id, country, period)
    async for line in priced_lines(ctx, partner_tenant_id=partner_tenant_id, country=country, period=period):
        await run.add(line)
    issued = await run.close()
    for invoice in issued:
        if invoice.invoice_type is InvoiceType.RECURRING:
            await usage.bill_usage(
                ctx,
                partner_tenant_id=partner_tenant_id,
                country=country,
                start=period.start,
                end=period.end,
                currency=invoice.currency,
                invoice_id=invoice.id,
            )
        await _announce(ctx, invoice)
    return issued


@dataclass
class _Issuing:
    """A billing run's invoices while its lines stream in: each invoice is written at its first line (numbered
    provisionally), its lines by parts (`DocumentLines`); at the end each is numbered, in the order of (currency,
    type)."""

    ctx: SandboxContext
    partner_id: uuid.UUID
    country: str
    period: BillingPeriod
    invoices: dict[tuple[str, InvoiceType], Invoice] = field(default_factory=dict)
    lines: DocumentLines = field(init=False)

    def __post_init__(self) -> None:
        self.lines = DocumentLines(self.ctx.session, cast(Table, InvoiceLine.__table__), "invoice_id")

    async def add(self, line: LineDraft) -> None:
        key = (line["currency"], invoice_type_of(line))
        invoice = self.invoices.get(key) or await self._open(key)
        invoice.subtotal += line["subtotal"]
        invoice.tax_total += line["tax_total"]
        invoice.total_charges += line["total"]
        await self.lines.add(invoice.id, line)

    async def _open(self, key: tuple[str, InvoiceType]) -> Invoice:
        ctx, (currency, kind) = self.ctx, key
        invoice = Invoice(
            sandbox_id=ctx.sandbox_id,
            id=await ctx.new_id(),
            number=f"~{len(self.invoices) + 1}",  # until `close` numbers it: unique in the sandbox, never shown
            partner_tenant_id=self.partner_id,
            country=self.country,
            billing_period_start=self.period.start,
            billing_period_end=self.period.last_day,
            invoice_date=ctx.now,
            currency=currency,
            invoice_type=kind,
            subtotal=Decimal(0),
            tax_total=Decimal(0),
            total_charges=Decimal(0),
            paid_amount=Decimal(0),
            created_at=ctx.now,
        )
        ctx.session.add(invoice)
        await ctx.session.flush()  # before its lines: they name it
        self.invoices[key] = invoice
        return invoice

    async def close(self) -> list[Invoice]:
        """The invoices, written whole, numbered G000001 on in the sandbox in the order of (currency, type)."""
        await self.lines.write_all()
        issued = [self.invoices[key] for key in sorted(self.invoices)]
        await number_in_order(self.ctx, issued, "G")
        return issued


async def number_in_order(ctx: SandboxContext, issued: Sequence[Any], prefix: str) -> None:
    """Number `issued` (invoices just written, provisionally numbered, of one kind) on from the sandbox's last
    invoice of that kind: `prefix` and six digits, in the order given."""
    if not issued:
        return
    kind = type(issued[0])
    count = select(func.count()).select_from(kind).where(kind.sandbox_id == ctx.sandbox_id)
    before = (await ctx.session.execute(count)).scalar_one() - len(issued)
    for position, invoice in enumerate(issued, before + 1):
        invoice.number = f"{prefix}{position:06d}"
    await ctx.session.flush()


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


def require_invoice_reader(ctx: PartnerContext) -> None:
    """Invoices and their exports are read by a Global admin or a Billing admin (or an app)."""
    require_role(ctx, PartnerRole.GLOBAL_ADMIN, PartnerRole.BILLING_ADMIN, action="read invoices", apps=True)


def visible_invoices(ctx: PartnerContext) -> Select[Invoice]:
    """The invoices a partner sees: its own."""
    return select(Invoice).where(Invoice.sandbox_id == ctx.sandbox_id, Invoice.partner_tenant_id == ctx.tenant_id)


async def list_invoices(ctx: PartnerContext, page: PageRequest) -> Page[Invoice]:
    """BIL-1: the partner's invoices, oldest first."""
    require_invoice_reader(ctx)
    return await keyset(ctx.session, visible_invoices(ctx), keys=[Invoice.invoice_date, Invoice.id], page=page)


async def get_invoice(ctx: PartnerContext, number: str) -> Invoice:
    """One of the partner's invoices by its number (Partner Center's invoice id); another's is not found."""
    require_invoice_reader(ctx)
    found = (
        await ctx.session.execute(visible_invoices(ctx).where(Invoice.number == number.upper()))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("Invoice", number)
    return found


def _line_kind(provider: str, line_item_type: str) -> str:
    """The (provider, line item type) pair asked for, checked: new commerce's is OneTime with BillingLineItems, and
    UsageLineItems for the daily rated usage of Azure plan subscriptions."""
    if provider.lower() not in PROVIDERS:
        raise BadRequest(f"Unknown billing provider '{provider}': new commerce's line items are provider 'onetime'.")
    if line_item_type.lower() not in LINE_ITEM_TYPES:
        raise BadRequest(
            f"Unknown invoice line item type '{line_item_type}': use 'billinglineitems' (or 'usagelineitems')."
        )
    return line_item_type.lower()


@dataclass(frozen=True)
class DailyUsageLine:
    """One daily rated usage line item: a usage record with what the line shows beside it."""

    record: UsageRecord
    meter: Meter
    billed: BilledSubscription
    invoice_number: str
    subtotal: Decimal


async def billing_lines(ctx: SandboxContext, invoice: Invoice) -> list[InvoiceLine]:
    stmt = select(InvoiceLine).where(InvoiceLine.sandbox_id == ctx.sandbox_id, InvoiceLine.invoice_id == invoice.id)
    return list((await ctx.session.execute(stmt.order_by(InvoiceLine.line_number))).scalars())


async def daily_lines(
    ctx: SandboxContext, partner_id: uuid.UUID, records: list[UsageRecord], invoice_number: str
) -> list[DailyUsageLine]:
    """The daily rated usage line items of `records` (a partner's)."""
    if not records:
        return []
    billed = await billed_subscriptions(ctx, partner_id, {r.subscription_id for r in records})
    return [
        DailyUsageLine(
            record=record,
            meter=METERS[record.meter_id],
            billed=billed[record.subscription_id],
            invoice_number=invoice_number,
            subtotal=usage.daily_subtotal(record),
        )
        for record in records
    ]


async def invoice_lines(
    ctx: PartnerContext, *, number: str, provider: str, line_item_type: str, page: PageRequest
) -> Page[InvoiceLine] | Page[DailyUsageLine]:
    """BIL-1: a page of an issued invoice's billing line items, in line order, or of its daily rated usage line
    items (the Azure plan consumption it bills in arrears)."""
    kind = _line_kind(provider, line_item_type)
    invoice = await get_invoice(ctx, number)
    if kind == "usagelineitems":
        records = await usage.records_page(ctx, invoice.id, page)
        daily = await daily_lines(ctx, ctx.tenant_id, records.items, invoice.number)
        return Page(items=daily, total=records.total, next_token=records.next_token)
    stmt = select(InvoiceLine).where(InvoiceLine.sandbox_id == ctx.sandbox_id, InvoiceLine.invoice_id == invoice.id)
    return await keyset(ctx.session, stmt, keys=[InvoiceLine.line_number], page=page)


async def unbilled_lines(
    ctx: PartnerContext,
    *,
    provider: str,
    line_item_type: str,
    currency: str | None,
    period: str | None,
    page: PageRequest,
) -> Page[InvoiceLine] | Page[DailyUsageLine]:
    """BIL-1, BIL-2: a page of the lines the partner's next invoices will carry: `current`, the open billing period
    of each of its customers' countries; `previous`, the period before it while its invoice is not issued yet. Usage
    line items are the daily rated usage not invoiced yet. A page counts its own lines (`totalCount`), as Partner
    Center's seek-based pages do: the whole list is priced only by whoever walks it."""
    require_invoice_reader(ctx)
    kind = _line_kind(provider, line_item_type)
    if not currency:
        raise BadRequest("Name the currency of the lines (currencycode=USD).")
    if (period or "").lower() not in PERIODS:
        raise BadRequest(f"Unknown period '{period}': use 'current' or 'previous'.")
    previous = (period or "").lower() == "previous"
    if kind == "usagelineitems":
        daily = await unbilled_usage(ctx, ctx.tenant_id, currency=currency, previous=previous)
        first = position_of(page.token, [int])[0] if page.token else 0
        if first < 0:
            raise invalid_token()
        shown = daily[first : first + page.size]
        more = len(daily) > first + page.size
        return Page(items=shown, total=len(shown), next_token=token_of([first + page.size]) if more else None)
    start: list[Any] = position_of(page.token, [int, int, str, int]) if page.token else [0, 0, "", 0]
    if start[0] not in (0, 1) or start[3] < 0:
        raise invalid_token()
    lines: list[InvoiceLine] = []
    async for position, line in _unbilled_billing(ctx, ctx.tenant_id, currency.upper(), previous, start):
        if len(lines) == page.size:
            return Page(items=lines, total=len(lines), next_token=token_of(position))
        lines.append(InvoiceLine(**line))
    return Page(items=lines, total=len(lines), next_token=None)


# Subscriptions priced per batch of unbilled lines: each gives a line or more, so a page of 2,000 lines reads one
# batch or two.
_BATCH = 500


def _unbilled_charges(ctx: SandboxContext, partner_id: uuid.UUID, from_seq: int) -> Select[Any]:
    """The charges of the partner's next `_BATCH` subscriptions, in the order their first charge happened (from the
    one whose first charge is `from_seq` on), each subscription's in the order they happened, with what their lines
    show. The subscriptions are found on the partner's charges in order (`ix_charges_partner`), a charge being a
    subscription's first when the subscription has none before it (`ix_charges_subscription`): a page reads its
    own subscriptions, however many the partner has."""
    earlier = Charge.__table__.alias("earlier")
    firsts = (
        select(Charge.subscription_id, Charge.seq.label("first_seq"))
        .where(
            Charge.sandbox_id == ctx.sandbox_id,
            Charge.partner_tenant_id == partner_id,
            Charge.seq >= from_seq,
            ~exists().where(
                earlier.c.sandbox_id == Charge.sandbox_id,
                earlier.c.subscription_id == Charge.subscription_id,
                earlier.c.partner_tenant_id == Charge.partner_tenant_id,
                earlier.c.seq < Charge.seq,
            ),
        )
        .order_by(Charge.seq)
        .limit(_BATCH)
        .subquery()
    )
    charges = (
        select(*Charge.__table__.c, firsts.c.first_seq, *_SHOWN)
        .select_from(firsts)
        .join(
            Charge,
            and_(
                Charge.sandbox_id == ctx.sandbox_id,
                Charge.subscription_id == firsts.c.subscription_id,
                Charge.partner_tenant_id == partner_id,
            ),
        )
    )
    return _joined_to_shown(ctx, charges, Charge.subscription_id).order_by(firsts.c.first_seq, Charge.seq)


async def _unbilled_billing(
    ctx: SandboxContext, partner_id: uuid.UUID, currency: str, previous: bool, start: list[Any]
) -> AsyncIterator[tuple[list[Any], LineDraft]]:
    """The partner's unbilled billing lines in `currency` from `start` on, each with its position: `[0, first
    charge's seq, "", n]` for the n-th line of a subscription's charges, subscription after subscription in the
    order their first charge happened (each priced for its customer's country's period); then `[1, 0, country, n]`
    for the n-th line of the metered consumption of each country in turn."""
    phase, from_seq, from_country, skip = start
    mpn_id = await _mpn_id(ctx, partner_id)
    wanted: dict[str, BillingPeriod | None] = {}

    async def period_of(country: str) -> BillingPeriod | None:  # None: that period is invoiced already
        if country not in wanted:
            current = billing_period(ctx, country, ctx.now)
            period = _previous(ctx, country, current) if previous else current
            wanted[country] = None if await _invoiced(ctx, partner_id, country, period) else period
        return wanted[country]

    while phase == 0:
        batch = (await ctx.session.execute(_unbilled_charges(ctx, partner_id, from_seq))).all()
        histories: dict[uuid.UUID, list[Any]] = {}
        for charge in batch:
            histories.setdefault(charge.subscription_id, []).append(charge)
        for history in histories.values():
            first_seq, country = history[0].first_seq, history[0].customer_country
            period = await period_of(country)
            if period is None:
                continue
            begin, end = period.bounds()
            history = [charge for charge in history if charge.occurred_at < end]
            if not history:
                continue
            shown = _billed(mpn_id, history[0])
            rate = ctx.settings.tax_rates.get(country.upper(), Decimal(0))
            priced = price_subscription(history, begin, end, per_term=shown.priced_per_term)
            for n, line in enumerate(shown.line(ctx, each, rate) for each in priced):
                if (first_seq, n) >= (from_seq, skip) and line["currency"] == currency:
                    yield [0, first_seq, "", n], line
        if len(histories) < _BATCH:
            phase, from_seq, from_country, skip = 1, 0, "", 0
        else:
            from_seq, skip = batch[-1].first_seq + 1, 0
    for country in await _countries_of(ctx, partner_id):
        period = await period_of(country)
        if country < from_country or period is None:
            continue
        rate = ctx.settings.tax_rates.get(country.upper(), Decimal(0))
        consumed = await usage.rated_usage(
            ctx, partner_tenant_id=partner_id, country=country, start=period.start, end=period.end
        )
        billed = await billed_subscriptions(ctx, partner_id, {rated.subscription_id for rated in consumed})
        for n, rated in enumerate(consumed):
            line = billed[rated.subscription_id].usage_line(ctx, rated, period, rate)
            if (country, n) >= (from_country, skip) and line["currency"] == currency:
                yield [1, 0, country, n], line


async def _countries_of(ctx: SandboxContext, partner_id: uuid.UUID) -> list[str]:
    """The countries of the customers the partner has charged, in order."""
    customers = select(Charge.customer_tenant_id).where(
        Charge.sandbox_id == ctx.sandbox_id, Charge.partner_tenant_id == partner_id
    )
    countries = select(Tenant.country).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.id.in_(customers))
    return sorted(set((await ctx.session.execute(countries.distinct())).scalars()))


async def unbilled_usage(
    ctx: SandboxContext, partner_id: uuid.UUID, *, currency: str, previous: bool
) -> list[DailyUsageLine]:
    """A partner's daily rated usage lines not invoiced yet, of the open period or the one before it."""
    records: list[UsageRecord] = []
    for country in await _countries_of(ctx, partner_id):
        current = billing_period(ctx, country, ctx.now)
        wanted = _previous(ctx, country, current) if previous else current
        if await _invoiced(ctx, partner_id, country, wanted):
            continue
        records += await usage.unbilled_records(
            ctx, partner_id, country=country, start=wanted.start, end=wanted.end, currency=currency.upper()
        )
    return await daily_lines(ctx, partner_id, records, "")


def _previous(ctx: SandboxContext, country: str, current: BillingPeriod) -> BillingPeriod:
    return billing_period(ctx, country, current.bounds()[0] - timedelta(days=1))


async def _invoiced(ctx: SandboxContext, partner_id: uuid.UUID, country: str, period: BillingPeriod) -> bool:
    stmt = select(Invoice.id).where(
        Invoice.sandbox_id == ctx.sandbox_id,
        Invoice.partner_tenant_id == partner_id,
        Invoice.country == country,
        Invoice.billing_period_start == period.start,
    )
    return (await ctx.session.execute(stmt.limit(1))).first() is not None


@dataclass(frozen=True)
class Summary:
    balance: Decimal
    currency: str
    first_invoice: datetime | None
    latest_invoice: datetime | None
    details: tuple[tuple[str, "Summary"], ...] = ()


def _summary(invoices: list[Invoice], currency: str) -> Summary:
    balance = sum((i.total_charges - i.paid_amount for i in invoices), Decimal("0.00"))
    return Summary(balance, currency, invoices[0].invoice_date, invoices[-1].invoice_date)


async def invoice_summary(ctx: PartnerContext) -> Summary:
    """The partner's balance: what its invoices charged less what was paid (in the currency it is most billed in),
    and the same per invoice type (Recurring, OneTime), as Partner Center's InvoiceSummary `details` has it."""
    require_invoice_reader(ctx)
    invoices = list((await ctx.session.execute(visible_invoices(ctx).order_by(Invoice.invoice_date))).scalars())
    if not invoices:
        return Summary(Decimal("0.00"), "USD", None, None)
    currency = max({i.currency for i in invoices}, key=lambda c: sum(1 for i in invoices if i.currency == c))
    mine = [i for i in invoices if i.currency == currency]
    details = tuple(
        (kind.value, _summary(of_kind, currency))
        for kind in InvoiceType
        if (of_kind := [i for i in mine if i.invoice_type is kind])
    )
    return replace(_summary(mine, currency), details=details)


def currency_symbol(currency: str) -> str:
    return SYMBOLS.get(currency.upper(), currency.upper())


async def invoice_statement(ctx: PartnerContext, *, number: str) -> bytes:
    """BIL-1: an issued invoice as its PDF statement (number, period, lines, total)."""
    invoice = await get_invoice(ctx, number)
    lines = await billing_lines(ctx, invoice)
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
    amounts = select(InvoiceLine.product_type, InvoiceLine.subtotal, InvoiceLine.tax_total, InvoiceLine.total).where(
        InvoiceLine.sandbox_id == ctx.sandbox_id, InvoiceLine.invoice_id == invoice.id
    )
    # Summed here, as Decimals, not by SQL: SQLite keeps money as text, and its SUM would answer a float.
    rows: dict[str, ProductTypeRow] = {}
    async for line in rows_of(ctx.session, amounts):
        kind = line.product_type or "Unknown"
        row = rows.get(kind) or ProductTypeRow(
            NEW_COMMERCE, kind, 0, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), invoice.currency
        )
        rows[kind] = replace(
            row,
            line_count=row.line_count + 1,
            subtotal=row.subtotal + line.subtotal,
            tax_total=row.tax_total + line.tax_total,
            total=row.total + line.total,
        )
    return [rows[kind] for kind in sorted(rows)]
