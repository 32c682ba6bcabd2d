"""Pricing commerce's charge events as new commerce bills them: pure arithmetic, no database.

A subscription's term starts at its purchase (or renewal) instant and is cut into charge periods by its billing
cycle: monthly (one month each), annual (twelve) or triennial (36). Each period is billed in advance (BIL-1), on
the invoice of the billing period in which it starts; a purchase on the 15th with monthly billing is charged the
15th to the 14th. The events price as follows (reference §5, scenarios 1, 3 and 5):

    new, renew         the full charge period at the term's price              (cycle months x unit x seats)
    cycleCharge        each later period of a longer term, at the seats held when it starts
    addQuantity        the added seats, prorated by day to the current period's end (co-terminated)
    removeQuantity     a credit for the removed seats, prorated by day from the change to the period's end
    cancel             a credit for every seat, the same way
    transferIn / Out   the target is charged ("new"), the source credited ("cancel"), from the transfer day:
                       Partner Center's recon has no transfer charge type, and the source pays up to that day
    one-time purchase  (billing cycle one_time: perpetual software) its units at their price, once; a cancel
                       credits them in full (BIL-3 puts these lines on an invoice of their own)
    usage-based        (no term, not one-time: the Azure plan) nothing here: usage is billed in arrears (BIL-1)

Reservations are priced per term, not per month (the catalog's convention): a month of a P1Y reservation billed
monthly is its price / 12.

Days are calendar days (UTC dates): the day of a change counts as remaining, so a seat added on 06-18 to a
06-10..07-09 period is billed 22 of 30 days. Money: the effective unit price is the unit price times the cycle's
months, in the customer's currency, so the reference's seat formula ROUNDDOWN(EffectiveUnitPrice x
PCToBCExchangeRate, 2) x BillableQuantity changes nothing (the rate is 1 and the price is in cents); a prorated
subtotal is the exact fraction rounded half-up to the cent (scenario 1's day use, 72.00 x 3/31, is 6.97 there,
which is ROUND_HALF_UP: ROUNDDOWN would give 6.96). Tax is the line's subtotal times the country's rate, rounded
half-up; a line's total is subtotal plus tax, and an invoice's total is the sum of its lines.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Protocol

from app.kernel.clock import add_months as _add_months

CENT = Decimal("0.01")
SIX_PLACES = Decimal("0.000001")
TERM_MONTHS = {"P1M": 1, "P1Y": 12, "P3Y": 36}
CYCLE_MONTHS = {"monthly": 1, "annual": 12, "triennial": 36}
OPENS_TERM = {"new", "renew", "transferIn"}
ENDS_SUBSCRIPTION = {"cancel", "transferOut"}
CHARGE_TYPE = {
    "new": "new",
    "renew": "renew",
    "addQuantity": "addQuantity",
    "removeQuantity": "removeQuantity",
    "cancel": "cancel",
    "transferIn": "new",
    "transferOut": "cancel",
}
CREDITS = {"removeQuantity", "cancel", "transferOut"}
ONE_TIME = "one_time"
CYCLE_CHARGE = "cycleCharge"  # the reference marks this spelling UNCONFIRMED (partner mappings use it)


class ChargeFact(Protocol):
    """What billing reads of a charge event (app.models.Charge)."""

    @property
    def kind(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def quantity_after(self) -> int: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def term_duration(self) -> str | None: ...
    @property
    def billing_cycle(self) -> str | None: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def term_start(self) -> datetime | None: ...


@dataclass(frozen=True)
class ChargePeriod:
    """[start, end): one charge period of a term; `end` is where the next one begins."""

    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.end.date() - self.start.date()).days

    @property
    def last_day(self) -> date:
        """Partner Center shows charge end dates inclusive."""
        return self.end.date() - timedelta(days=1)


@dataclass(frozen=True)
class PricedLine:
    """One billing line item, before tax, of one charge event (or of a monthly installment: `charge` None)."""

    charge: ChargeFact | None
    charge_type: str
    unit_price: Decimal
    effective_unit_price: Decimal
    quantity: int  # negative on a credit
    billable_quantity: Decimal
    subtotal: Decimal
    charge_start: date
    charge_end: date
    term_duration: str | None
    billing_cycle: str | None


@lru_cache(maxsize=65536)
def add_months(moment: datetime, months: int) -> datetime:
    """The clock's add_months, remembered: a billing run of many subscriptions bought the same day asks the same
    term and period boundaries again and again."""
    return _add_months(moment, months)


def term_months(duration: str | None) -> int:
    return TERM_MONTHS.get(duration or "", 1)


def cycle_months(duration: str | None, cycle: str | None) -> int:
    """Months billed at a time: the billing cycle's, never more than the term (P1M bills monthly)."""
    return min(CYCLE_MONTHS.get((cycle or "").lower(), term_months(duration)), term_months(duration))


def period_at(term_start: datetime, months: int, moment: datetime) -> ChargePeriod:
    """The charge period of a term (anchored on `term_start`, `months` long) that holds `moment`."""
    k = 0
    while add_months(term_start, (k + 1) * months) <= moment:
        k += 1
    return ChargePeriod(add_months(term_start, k * months), add_months(term_start, (k + 1) * months))


def prorated(amount: Decimal, days: int, of_days: int) -> Decimal:
    """`amount` for `days` of `of_days`, rounded half-up to the cent (see the module's docstring)."""
    return (amount * days / of_days).quantize(CENT, rounding=ROUND_HALF_UP)


def tax_of(subtotal: Decimal, rate: Decimal) -> Decimal:
    return (subtotal * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def is_one_time(charge: ChargeFact) -> bool:
    return (charge.billing_cycle or "").lower() == ONE_TIME


def is_usage_based(charge: ChargeFact) -> bool:
    return not charge.term_duration and not is_one_time(charge)


def effective_price(charge: ChargeFact, months: int, *, per_term: bool) -> Decimal:
    """The price of one unit for one charge period: the monthly price times its months, or for a price per term
    (reservations) the share of the term the period is."""
    if per_term:
        return (charge.unit_price * months / term_months(charge.term_duration)).quantize(CENT, rounding=ROUND_HALF_UP)
    return (charge.unit_price * months).quantize(CENT)


def price_one_time(charge: ChargeFact) -> PricedLine:
    """BIL-3: a one-time purchase is billed once, in full; its cancellation credits it in full."""
    units = -charge.quantity if charge.kind in CREDITS else charge.quantity
    day = charge.occurred_at.date()
    return PricedLine(
        charge=charge,
        charge_type=CHARGE_TYPE.get(charge.kind, charge.kind),
        unit_price=charge.unit_price,
        effective_unit_price=charge.unit_price,
        quantity=units,
        billable_quantity=Decimal(units).quantize(SIX_PLACES),
        subtotal=charge.unit_price * units,
        charge_start=day,
        charge_end=day,
        term_duration=charge.term_duration,
        billing_cycle=charge.billing_cycle,
    )


def price_event(charge: ChargeFact, term_start: datetime, *, per_term: bool = False) -> PricedLine:
    """BIL-1: one charge event's line: a full period when it opens one, else prorated by day from the event."""
    if is_one_time(charge):
        return price_one_time(charge)
    months = cycle_months(charge.term_duration, charge.billing_cycle)
    period = period_at(term_start, months, charge.occurred_at)
    effective = effective_price(charge, months, per_term=per_term)
    seats = -charge.quantity if charge.kind in CREDITS else charge.quantity
    starts_period = charge.occurred_at == period.start
    days = period.days if starts_period else (period.end.date() - charge.occurred_at.date()).days
    billable = (Decimal(seats) * days / period.days).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
    return PricedLine(
        charge=charge,
        charge_type=CHARGE_TYPE.get(charge.kind, charge.kind),
        unit_price=charge.unit_price,
        effective_unit_price=effective,
        quantity=seats,
        billable_quantity=billable,
        subtotal=prorated(effective * seats, days, period.days),
        charge_start=period.start.date() if starts_period else charge.occurred_at.date(),
        charge_end=period.last_day,
        term_duration=charge.term_duration,
        billing_cycle=charge.billing_cycle,
    )


def _installments(
    opening: ChargeFact,
    term_start: datetime,
    later: Sequence[ChargeFact],
    window: tuple[datetime, datetime] | None = None,
) -> list[tuple[datetime, int]]:
    """The later charge periods of the term `opening` began (those starting in `window`, when given), with the
    seats held at each one's start; none after the subscription ended (cancelled, transferred out) or once a
    renewal opened the next term."""
    months = cycle_months(opening.term_duration, opening.billing_cycle)
    term_end = add_months(term_start, term_months(opening.term_duration))
    found: list[tuple[datetime, int]] = []
    k = 1
    while (start := add_months(term_start, k * months)) < term_end:
        k += 1
        if start <= opening.occurred_at:  # a transfer arrives mid-term: earlier periods were the source's
            continue
        if window is not None and start >= window[1]:
            break
        if window is not None and start < window[0]:
            continue  # `before` is cumulative: a period in the window still sees every earlier event
        before = [c for c in later if c.occurred_at <= start]
        if any(c.kind in ENDS_SUBSCRIPTION or c.kind in OPENS_TERM for c in before):
            break
        found.append((start, before[-1].quantity_after if before else opening.quantity_after))
    return found


def price_subscription(
    history: Sequence[ChargeFact], start: datetime, end: datetime, *, per_term: bool = False
) -> list[PricedLine]:
    """BIL-1: the lines of one subscription for the billing period [start, end): its charge events in it, and the
    charge periods of its terms that start in it (billed in advance). `history` is every charge event of the
    subscription before `end`, in the order they happened."""
    lines: list[PricedLine] = []
    term_start: datetime | None = None
    for index, charge in enumerate(history):
        if is_usage_based(charge):
            continue
        if charge.kind in OPENS_TERM or term_start is None:
            term_start = charge.term_start or charge.occurred_at
        if start <= charge.occurred_at < end:
            lines.append(price_event(charge, charge.term_start or term_start, per_term=per_term))
        if charge.kind not in OPENS_TERM or is_one_time(charge):
            continue
        later = list(history[index + 1 :])
        for cycle_start, seats in _installments(charge, term_start, later, (start, end)):
            if start <= cycle_start < end and seats > 0:
                lines.append(_installment(charge, term_start, cycle_start, seats, per_term=per_term))
    return lines


def _installment(
    opening: ChargeFact, term_start: datetime, cycle_start: datetime, seats: int, *, per_term: bool
) -> PricedLine:
    months = cycle_months(opening.term_duration, opening.billing_cycle)
    period = period_at(term_start, months, cycle_start)
    effective = effective_price(opening, months, per_term=per_term)
    return PricedLine(
        charge=None,
        charge_type=CYCLE_CHARGE,
        unit_price=opening.unit_price,
        effective_unit_price=effective,
        quantity=seats,
        billable_quantity=Decimal(seats).quantize(SIX_PLACES),
        subtotal=effective * seats,
        charge_start=period.start.date(),
        charge_end=period.last_day,
        term_duration=opening.term_duration,
        billing_cycle=opening.billing_cycle,
    )
