"""Billing periods (BIL-2): the calendar month in the US, the 20th to the 19th in Canada (`billingPeriodStartDay`)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from app.kernel.clock import add_months
from app.kernel.context import SandboxContext

# An invoice is ready a week after its period closes: the 8th of the next month for a calendar month, as Microsoft's
# billing basics say invoices are ready "by the eighth"; the 27th for Canada's 20th-to-19th period.
INVOICE_READY_AFTER = timedelta(days=7)


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
