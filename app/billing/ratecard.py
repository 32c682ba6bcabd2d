"""Azure rate cards (Partner Center's AzureRateCard): a small, realistic list of meters with their USD list prices.

`/v1/ratecards/azure` is the card Azure plan consumption is priced from (BIL-1); `/v1/ratecards/azure-shared`
carries the partner shared-services meters, which cspsim also accepts as usage. A meter's id is stable (a UUID5 of
its name and region). Other currencies follow the catalog's country rate, to six places, half-up.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from app.catalog.offers import CURRENCIES
from app.kernel.errors import BadRequest

METER_NAMESPACE = uuid.UUID("5b0b9a8e-8c51-4c3e-9a55-1f9a6f2c0001")
EFFECTIVE = datetime(2024, 1, 1, tzinfo=UTC)
PRICE_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Meter:
    name: str
    category: str
    subcategory: str
    region: str
    unit: str
    price_usd: Decimal
    included_quantity: Decimal = Decimal(0)
    tags: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return str(uuid.uuid5(METER_NAMESPACE, f"{self.category}|{self.subcategory}|{self.name}|{self.region}"))

    @property
    def description(self) -> str:
        return f"{self.category} - {self.subcategory} {self.name} - {self.region}".replace("  ", " ")


def _m(name: str, category: str, sub: str, region: str, unit: str, price: str, **kw: object) -> Meter:
    return Meter(name, category, sub, region, unit, Decimal(price), **kw)  # type: ignore[arg-type]


AZURE_METERS: tuple[Meter, ...] = (
    _m("D2s v3", "Virtual Machines", "Dsv3 Series", "US East", "1 Hour", "0.096"),
    _m("D4s v3", "Virtual Machines", "Dsv3 Series", "US East", "1 Hour", "0.192"),
    _m("B2s", "Virtual Machines", "BS Series", "EU West", "1 Hour", "0.0456"),
    _m("S10 Disks", "Storage", "Standard HDD Managed Disks", "US East", "1/Month", "1.536"),
    _m("Hot LRS Data Stored", "Storage", "Tiered Block Blob", "US East", "1 GB/Month", "0.0208"),
    _m("Data Transfer Out", "Bandwidth", "", "Zone 1", "1 GB", "0.087", included_quantity=Decimal(5)),
    _m("vCore", "SQL Database", "General Purpose - Compute Gen5", "US East", "1 Hour", "0.2522"),
    _m("B1", "Azure App Service", "Basic Plan", "US East", "1 Hour", "0.075"),
    _m(
        "Execution Time",
        "Functions",
        "",
        "US East",
        "1 GB Second",
        "0.000016",
        included_quantity=Decimal(400000),
    ),
    _m("Operations", "Key Vault", "", "US East", "10K", "0.03"),
)
SHARED_METERS: tuple[Meter, ...] = (
    _m("Data Ingestion", "Log Analytics", "", "US East", "1 GB", "2.76", included_quantity=Decimal(5)),
    _m("Protected Instances", "Backup", "", "US East", "1/Month", "10"),
    _m("VM Replicated to Azure", "Azure Site Recovery", "", "US East", "1/Month", "25"),
)
METERS = {m.id: m for m in (*AZURE_METERS, *SHARED_METERS)}


@dataclass(frozen=True)
class RateCard:
    currency: str
    region: str
    meters: tuple[Meter, ...]
    rate: Decimal

    def price(self, meter: Meter) -> Decimal:
        return (meter.price_usd * self.rate).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)


def _currency_rate(currency: str) -> Decimal:
    for code, rate in CURRENCIES.values():
        if code == currency.upper():
            return rate
    known = sorted(code for code, _ in CURRENCIES.values())
    raise BadRequest(f"Unknown currency '{currency}': the rate card is priced in {', '.join(known)}.")


def rate_card(*, shared: bool, currency: str | None, region: str | None, partner_country: str) -> RateCard:
    """The Azure rate card (or the shared-services one) in `currency` for the market `region` (both default to the
    partner's country's)."""
    market = (region or partner_country).upper()
    if market not in CURRENCIES:
        raise BadRequest(f"Unknown region '{region}': use one of {', '.join(sorted(CURRENCIES))}.")
    code = (currency or CURRENCIES[market][0]).upper()
    return RateCard(code, market, SHARED_METERS if shared else AZURE_METERS, _currency_rate(code))


def meter_price(meter_id: str, currency: str) -> tuple[Meter, Decimal]:
    """The meter and its unit price in `currency`; an unknown meter is a 400 naming it."""
    meter = METERS.get(meter_id.lower())
    if meter is None:
        raise BadRequest(f"Unknown meter '{meter_id}': use a meter id of GET /v1/ratecards/azure.")
    rate = _currency_rate(currency)
    return meter, (meter.price_usd * rate).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)
