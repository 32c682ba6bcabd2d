"""The arithmetic of a price book and a support plan: pure, no database (BIL-6).

A customer's unit price is a fixed override where the price book has one for the product's SKU (or the product), in
the line's currency; else list price times (1 + markup %), rounded half-up to the cent. A line's customer cost scales
the billing line's subtotal (prorations included) by customer unit price / list unit price, rounded half-up to the
cent, so a full period of 10 seats at 36.00 with 20 % is exactly 10 x 43.20 = 432.00.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Override:
    product_id: str
    sku_id: str | None
    unit_price: Decimal
    currency: str


@dataclass(frozen=True)
class Book:
    """A price book as pricing reads it; the default one is list price (no markup, no override)."""

    markup_percent: Decimal
    overrides: tuple[Override, ...] = ()

    def unit_price(self, *, list_unit: Decimal, product_id: str, sku_id: str, currency: str) -> Decimal:
        """BIL-6: the customer's unit price for a list unit price of the product's SKU."""
        product_id, sku_id, currency = product_id.upper(), sku_id.upper(), currency.upper()
        fixed = [o for o in self.overrides if o.product_id.upper() == product_id and o.currency.upper() == currency]
        for override in sorted(fixed, key=lambda o: o.sku_id is None):  # a SKU's own price before its product's
            if override.sku_id is None or override.sku_id.upper() == sku_id:
                return override.unit_price
        return (list_unit * (1 + self.markup_percent / HUNDRED)).quantize(CENT, rounding=ROUND_HALF_UP)


DEFAULT_BOOK = Book(markup_percent=Decimal(0))


def customer_cost(
    *, list_subtotal: Decimal, list_unit: Decimal, customer_unit: Decimal, billable_quantity: Decimal
) -> Decimal:
    """BIL-6: a line's price to the customer: its list subtotal at the customer's unit price."""
    if list_unit == 0:
        return (customer_unit * billable_quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    return (list_subtotal * customer_unit / list_unit).quantize(CENT, rounding=ROUND_HALF_UP)


def support_charge(
    *, percent: Decimal | None, minimum: Decimal | None, amount: Decimal | None, customer_cost: Decimal
) -> Decimal:
    """BIL-6: a fixed amount, or a share of the customer's cost for the period with a minimum."""
    if amount is not None:
        return amount
    share = (customer_cost * (percent or Decimal(0)) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(share, minimum or Decimal("0.00"))
