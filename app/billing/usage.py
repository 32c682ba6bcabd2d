"""Azure plan consumption: usage recorded by the operator, read back as utilization records, billed in arrears.

    POST /sim/.../subscriptions/{id}/usage ──> UsageRecord (one meter, one day, one resource; priced from the rate
                                               │            card in the subscription's currency when recorded)
                                               ├──> GET .../utilizations/azure (daily, or hourly: a day spread evenly)
                                               └──> the billing run of the period the day is in (BIL-1, arrears):
                                                    one billing line per subscription and meter, the invoice's
                                                    daily rated usage lines (usagelineitems) per record

A usage day is a UTC date. Recording adds to the day's row of the same meter and resource, so a day has one row
per meter and resource. The billing line's subtotal is ROUNDDOWN(unit price x the period's quantity, 2), the
reference's usage formula with a PCToBCExchangeRate of 1.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import Select, select, update

from app.billing.charges import CENT, SIX_PLACES
from app.billing.periods import billing_period
from app.billing.ratecard import METERS, Meter, RateCard, meter_price, rate_card
from app.customers import service as customers
from app.kernel import lookup
from app.kernel.context import PartnerContext, SandboxContext
from app.kernel.errors import BadRequest, Conflict
from app.kernel.pagination import Page, PageRequest, keyset, position_of, token_of
from app.kernel.statements import add_now
from app.models import Invoice, Subscription, SubscriptionStatus, Tenant, UsageRecord

AZURE_PLAN_PRODUCT = "DZH318Z0BPS6"
AZURE = "Azure"
MAX_QUANTITY = Decimal("1000000000")
GRANULARITIES = {"daily", "hourly"}
MAX_UTILIZATION_PAGE = 1000
LIVE = {SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED}


def is_azure_plan(subscription: Subscription) -> bool:
    return subscription.product_type == AZURE and subscription.offer_id.upper().startswith(AZURE_PLAN_PRODUCT)


def _quantity(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise BadRequest("The usage quantity must be a number.")
    if value < 0:
        raise BadRequest(f"The usage quantity {value} is negative: record consumption as zero or more units.")
    if value > MAX_QUANTITY:
        raise BadRequest(f"The usage quantity {value} is more than {MAX_QUANTITY} units a day.")
    try:
        return value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise BadRequest("The usage quantity must be a number with at most six decimal places.") from exc


async def record_usage(
    ctx: SandboxContext,
    *,
    subscription_id: uuid.UUID,
    meter_id: str,
    quantity: Decimal,
    usage_date: date,
    resource_group: str,
    resource_name: str,
) -> UsageRecord:
    """BIL-1: one day's consumption of a meter by a resource of an Azure plan subscription. Refused: a subscription
    that is not an active Azure plan, an unknown meter, a negative quantity, a day after the sandbox's today or
    before the subscription began, a day whose billing period is already invoiced."""
    subscription = await lookup.one(ctx, Subscription, subscription_id, what="Subscription", for_update=True)
    if not is_azure_plan(subscription) or subscription.partner_tenant_id is None:
        raise BadRequest(
            f"Subscription {subscription_id} is '{subscription.offer_name}', not an Azure plan: only an Azure plan "
            "subscription records meter usage."
        )
    if subscription.status not in LIVE:
        raise Conflict(f"Subscription {subscription_id} is {subscription.status.value}: it records no more usage.")
    amount = _quantity(quantity)
    currency = subscription.currency or "USD"
    meter, unit_price = meter_price(meter_id, currency)
    if usage_date > ctx.now.date():
        raise BadRequest(
            f"The usage date {usage_date} is in the future: the sandbox's today is {ctx.now.date().isoformat()}."
        )
    began = (subscription.effective_start_date or subscription.created_at).date()
    if usage_date < began:
        raise BadRequest(f"The usage date {usage_date} is before the subscription began ({began.isoformat()}).")
    customer = await ctx.session.get(Tenant, (ctx.sandbox_id, subscription.customer_tenant_id))
    country = customer.country.upper() if customer else "US"
    if await _invoiced_on(ctx, subscription.partner_tenant_id, country, usage_date, currency):
        raise Conflict(f"The billing period holding {usage_date} is already invoiced: record usage of the open period.")
    group = resource_group.strip() or "default"
    name = resource_name.strip() or meter.name.replace(" ", "-").lower()
    uri = (
        f"/subscriptions/{subscription.id}/resourceGroups/{group}/providers/"
        f"Microsoft.{meter.category.replace(' ', '')}/{name}"
    )
    existing = (
        await ctx.session.execute(
            select(UsageRecord).where(
                UsageRecord.sandbox_id == ctx.sandbox_id,
                UsageRecord.subscription_id == subscription.id,
                UsageRecord.usage_date == usage_date,
                UsageRecord.meter_id == meter.id,
                UsageRecord.resource_uri == uri,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.quantity = _quantity(existing.quantity + amount)
        existing.recorded_at = ctx.now
        await ctx.session.flush()
        return existing
    record = UsageRecord(
        sandbox_id=ctx.sandbox_id,
        id=await ctx.new_id(),
        subscription_id=subscription.id,
        customer_tenant_id=subscription.customer_tenant_id,
        partner_tenant_id=subscription.partner_tenant_id,
        meter_id=meter.id,
        usage_date=usage_date,
        quantity=amount,
        unit_price=unit_price,
        currency=currency,
        resource_uri=uri,
        resource_group=group,
        resource_name=name,
        recorded_at=ctx.now,
        invoice_id=None,
    )
    await add_now(ctx.session, record)
    return record


async def _invoiced_on(ctx: SandboxContext, partner_id: uuid.UUID, country: str, day: date, currency: str) -> bool:
    period = billing_period(ctx, country, datetime.combine(day, time(), UTC))
    stmt = select(Invoice.id).where(
        Invoice.sandbox_id == ctx.sandbox_id,
        Invoice.partner_tenant_id == partner_id,
        Invoice.country == country,
        Invoice.billing_period_start == period.start,
        Invoice.currency == currency,
    )
    return (await ctx.session.execute(stmt.limit(1))).first() is not None


# --- billing in arrears -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatedMeter:
    """A subscription's consumption of one meter over a billing period: one billing line."""

    subscription_id: uuid.UUID
    meter: Meter
    unit_price: Decimal
    currency: str
    quantity: Decimal
    first_day: date
    last_day: date
    records: tuple[UsageRecord, ...]

    @property
    def subtotal(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT, rounding=ROUND_DOWN)


def _usage_of(ctx: SandboxContext, partner_id: uuid.UUID, country: str, start: date, end: date) -> object:
    customers_there = select(Tenant.id).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.country == country)
    return (
        select(UsageRecord)
        .where(
            UsageRecord.sandbox_id == ctx.sandbox_id,
            UsageRecord.partner_tenant_id == partner_id,
            UsageRecord.usage_date >= start,
            UsageRecord.usage_date < end,
            UsageRecord.invoice_id.is_(None),
            UsageRecord.customer_tenant_id.in_(customers_there),
        )
        .order_by(UsageRecord.subscription_id, UsageRecord.meter_id, UsageRecord.usage_date, UsageRecord.id)
    )


async def rated_usage(
    ctx: SandboxContext, *, partner_tenant_id: uuid.UUID, country: str, start: date, end: date
) -> list[RatedMeter]:
    """BIL-1: the not yet invoiced consumption of a partner's customers of `country` used in [start, end), per
    subscription and meter (and unit price, were a price to change), in a stable order."""
    stmt = _usage_of(ctx, partner_tenant_id, country, start, end)
    groups: dict[tuple[uuid.UUID, str, Decimal, str], list[UsageRecord]] = defaultdict(list)
    for record in (await ctx.session.execute(stmt)).scalars():  # type: ignore[call-overload]
        groups[(record.subscription_id, record.meter_id, record.unit_price, record.currency)].append(record)
    return [
        RatedMeter(
            subscription_id=sid,
            meter=METERS[meter_id],
            unit_price=price,
            currency=currency,
            quantity=sum((r.quantity for r in records), Decimal(0)),
            first_day=min(r.usage_date for r in records),
            last_day=max(r.usage_date for r in records),
            records=tuple(records),
        )
        for (sid, meter_id, price, currency), records in groups.items()
    ]


async def bill_usage(
    ctx: SandboxContext,
    *,
    partner_tenant_id: uuid.UUID,
    country: str,
    start: date,
    end: date,
    currency: str,
    invoice_id: uuid.UUID,
) -> None:
    """BIL-1: the period's consumption is on `invoice_id` now (one statement, however many records)."""
    customers_there = select(Tenant.id).where(Tenant.sandbox_id == ctx.sandbox_id, Tenant.country == country)
    await ctx.session.execute(
        update(UsageRecord)
        .where(
            UsageRecord.sandbox_id == ctx.sandbox_id,
            UsageRecord.partner_tenant_id == partner_tenant_id,
            UsageRecord.usage_date >= start,
            UsageRecord.usage_date < end,
            UsageRecord.invoice_id.is_(None),
            UsageRecord.currency == currency,
            UsageRecord.customer_tenant_id.in_(customers_there),
        )
        .values(invoice_id=invoice_id)
        .execution_options(synchronize_session=False)
    )


# An invoice's usage records in the order its usage line items list them.
_RECORD_ORDER = (UsageRecord.usage_date, UsageRecord.subscription_id, UsageRecord.meter_id, UsageRecord.id)


def _of_invoice(ctx: SandboxContext, invoice_id: uuid.UUID) -> Select[UsageRecord]:
    return select(UsageRecord).where(UsageRecord.sandbox_id == ctx.sandbox_id, UsageRecord.invoice_id == invoice_id)


async def records_of_invoice(ctx: SandboxContext, invoice_id: uuid.UUID) -> list[UsageRecord]:
    return list((await ctx.session.execute(_of_invoice(ctx, invoice_id).order_by(*_RECORD_ORDER))).scalars())


async def records_page(ctx: SandboxContext, invoice_id: uuid.UUID, page: PageRequest) -> Page[UsageRecord]:
    return await keyset(ctx.session, _of_invoice(ctx, invoice_id), keys=_RECORD_ORDER, page=page)


async def unbilled_records(
    ctx: SandboxContext, partner_id: uuid.UUID, *, country: str, start: date, end: date, currency: str
) -> list[UsageRecord]:
    stmt = _usage_of(ctx, partner_id, country, start, end)
    return [r for r in (await ctx.session.execute(stmt)).scalars() if r.currency == currency]  # type: ignore[call-overload]


def daily_subtotal(record: UsageRecord) -> Decimal:
    """A daily rated usage line's pre-tax total: ROUNDDOWN(unit price x quantity, 2)."""
    return (record.unit_price * record.quantity).quantize(CENT, rounding=ROUND_DOWN)


# --- utilization records ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Utilization:
    start: datetime
    end: datetime
    meter: Meter
    quantity: Decimal
    resource_uri: str | None
    resource_group: str | None
    resource_name: str | None


def _moment(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{name} '{value}' is not an ISO 8601 date-time (e.g. 2029-03-01T00:00:00Z).") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class UtilizationPage:
    items: list[Utilization]
    total: int
    next_token: str | None


async def utilizations(
    ctx: PartnerContext,
    *,
    customer_id: uuid.UUID,
    subscription_id: uuid.UUID,
    start_time: str | None,
    end_time: str | None,
    granularity: str | None,
    show_details: bool,
    size: int,
    token: str | None,
) -> UtilizationPage:
    """BIL-1: an Azure plan subscription's utilization records in [start_time, end_time): daily (the default) or
    hourly (cspsim records usage by day: an hourly record is the day's quantity spread evenly over its 24 hours);
    with `show_details` one record per resource, else one per meter. Ordered by time, meter and resource, paged by
    a continuation token."""
    await customers.require_operation(ctx, customer_id, "viewSubscriptions")
    subscription = await lookup.one(
        ctx,
        Subscription,
        subscription_id,
        what="Subscription",
        where=[Subscription.customer_tenant_id == customer_id, Subscription.partner_tenant_id == ctx.tenant_id],
    )
    if not is_azure_plan(subscription):
        raise BadRequest(f"Subscription {subscription_id} is not an Azure plan: it has no Azure utilization.")
    if not start_time:
        raise BadRequest("start_time is required (ISO 8601, e.g. 2029-03-01T00:00:00Z).")
    start = _moment(start_time, "start_time")
    end = _moment(end_time, "end_time") if end_time else ctx.now
    if end <= start:
        raise BadRequest(f"end_time ({end.isoformat()}) must be after start_time ({start.isoformat()}).")
    grain = (granularity or "daily").lower()
    if grain not in GRANULARITIES:
        raise BadRequest(f"Unknown granularity '{granularity}': use 'daily' or 'hourly'.")
    stmt = select(UsageRecord).where(
        UsageRecord.sandbox_id == ctx.sandbox_id,
        UsageRecord.subscription_id == subscription.id,
        UsageRecord.usage_date >= start.date(),
        UsageRecord.usage_date <= end.date(),
    )
    merged: dict[tuple[datetime, str, str], Decimal] = defaultdict(Decimal)
    where: dict[tuple[datetime, str, str], UsageRecord] = {}
    for record in (await ctx.session.execute(stmt)).scalars():
        day = datetime.combine(record.usage_date, time(), UTC)
        slots = [day] if grain == "daily" else [day + timedelta(hours=h) for h in range(24)]
        shares = [record.quantity]
        if grain == "hourly":  # evenly, the last hour taking the remainder: the hours add up to the day
            hour = (record.quantity / 24).quantize(SIX_PLACES, rounding=ROUND_DOWN)
            shares = [hour] * 23 + [record.quantity - hour * 23]
        for slot, share in zip(slots, shares, strict=True):
            if not start <= slot < end:
                continue
            key = (slot, record.meter_id, record.resource_uri if show_details else "")
            merged[key] += share
            where[key] = record
    step = timedelta(days=1) if grain == "daily" else timedelta(hours=1)
    rows = sorted(merged.items(), key=lambda item: (item[0][0], item[0][1], item[0][2]))
    if token:
        after = position_of(token, [str, str, str])
        rows = [r for r in rows if [r[0][0].isoformat(), r[0][1], r[0][2]] > after]
    page, more = rows[:size], len(rows) > size
    items = [
        Utilization(
            start=slot,
            end=slot + step,
            meter=METERS[meter_id],
            quantity=quantity,
            resource_uri=uri or None,
            resource_group=where[(slot, meter_id, uri)].resource_group if uri else None,
            resource_name=where[(slot, meter_id, uri)].resource_name if uri else None,
        )
        for (slot, meter_id, uri), quantity in page
    ]
    last = page[-1][0] if page else None
    next_token = token_of([last[0].isoformat(), last[1], last[2]]) if more and last else None
    return UtilizationPage(items=items, total=len(merged), next_token=next_token)


async def azure_rate_card(ctx: PartnerContext, *, shared: bool, currency: str | None, region: str | None) -> RateCard:
    """BIL-1: the prices Azure plan consumption is billed at, in the partner's market by default."""
    partner = await ctx.session.get(Tenant, (ctx.sandbox_id, ctx.tenant_id))
    return rate_card(
        shared=shared, currency=currency, region=region, partner_country=partner.country if partner else "US"
    )
