"""The catalog's contents: a realistic small set of offers, with list prices in USD.

Prices per unit per month for license-based offers (the P1M term costs 20 % more than P1Y: the monthly-term
premium), per unit for one-time and reserved offers. Other currencies follow the country's rate.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from app.wire import WireEnum


class ProductType(WireEnum):
    ONLINE_SERVICES = "OnlineServices"
    AZURE = "Azure"
    AZURE_RESERVATION = "AzureReservation"
    SOFTWARE = "Software"


class Segment(WireEnum):
    COMMERCIAL = "commercial"


@dataclass(frozen=True)
class Term:
    duration: str  # ISO 8601: P1M, P1Y, P3Y; "" for one-time and usage-based
    billing_cycles: tuple[str, ...]
    price_usd: Decimal  # per unit per month (license-based), per unit (one-time, reservation), 0 (usage)


@dataclass(frozen=True)
class Offer:
    product_id: str
    sku_id: str
    availability_id: str
    title: str
    description: str
    product_type: ProductType
    terms: tuple[Term, ...]
    license_based: bool = True
    new_commerce: bool = True
    minimum_quantity: int = 1
    maximum_quantity: int = 300
    countries: tuple[str, ...] = ("US", "CA", "GB", "DE")
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def catalog_item_id(self) -> str:
        return f"{self.product_id}:{self.sku_id}:{self.availability_id}"

    def term(self, duration: str | None) -> Term | None:
        return next((t for t in self.terms if t.duration == (duration or "")), None)


def _seats(usd_annual: str) -> tuple[Term, ...]:
    annual = Decimal(usd_annual)
    return (
        Term("P1Y", ("monthly", "annual"), annual),
        Term("P1M", ("monthly",), (annual * Decimal("1.2")).quantize(Decimal("0.01"))),
    )


OFFERS: tuple[Offer, ...] = (
    Offer(
        "CFQ7TTC0LFLX",
        "0001",
        "CFQ7TTC0LFK5",
        "Microsoft 365 E3",
        "Productivity apps, security and management.",
        ProductType.ONLINE_SERVICES,
        _seats("36.00"),
    ),
    Offer(
        "CFQ7TTC0LH18",
        "0001",
        "CFQ7TTC0LH0R",
        "Microsoft 365 Business Basic",
        "Web and mobile apps, email.",
        ProductType.ONLINE_SERVICES,
        _seats("6.00"),
    ),
    Offer(
        "CFQ7TTC0LDPB",
        "0001",
        "CFQ7TTC0LDNZ",
        "Microsoft 365 Business Standard",
        "Desktop apps, email.",
        ProductType.ONLINE_SERVICES,
        _seats("12.50"),
    ),
    Offer(
        "CFQ7TTC0LCHC",
        "0002",
        "CFQ7TTC0LCH4",
        "Microsoft 365 Business Premium",
        "Standard plus security.",
        ProductType.ONLINE_SERVICES,
        _seats("22.00"),
    ),
    Offer(
        "DZH318Z0BPS6",
        "0001",
        "DZH318Z0BNZ2",
        "Azure plan",
        "Usage-based Azure services, billed in arrears.",
        ProductType.AZURE,
        (Term("", ("monthly",), Decimal("0")),),
        license_based=False,
        maximum_quantity=1,
    ),
    Offer(
        "DZH318Z0BQ4L",
        "00J1",
        "DZH318Z08GQW",
        "Reserved VM Instance, Standard_D2s_v3, US East",
        "A one- or three-year reservation.",
        ProductType.AZURE_RESERVATION,
        (
            Term("P1Y", ("annual", "monthly"), Decimal("788.40")),
            Term("P3Y", ("triennial", "monthly"), Decimal("1576.80")),
        ),
        license_based=False,
    ),
    Offer(
        "DG7GMGF0D7FV",
        "0002",
        "DG7GMGF0DWMS",
        "Windows Server 2022 Standard - 16 Core License Pack (perpetual)",
        "Perpetual software.",
        ProductType.SOFTWARE,
        (Term("", ("one_time",), Decimal("1069.00")),),
        license_based=False,
    ),
    Offer(
        "DG7GMGF0FLR2",
        "0006",
        "DG7GMGF0K7JB",
        "Windows Server 2022 Standard - 16 Core (1 year subscription)",
        "A software subscription.",
        ProductType.SOFTWARE,
        (Term("P1Y", ("annual",), Decimal("350.00")), Term("P3Y", ("triennial",), Decimal("1000.00"))),
        license_based=False,
    ),
    # Legacy (pre-new-commerce) offers: still running for some customers, never transferable as they are (TRF-1).
    Offer(
        "796B6B5F-613C-4E24-A17C-EBA730D49C02",
        "",
        "",
        "Office 365 E3 (legacy)",
        "A legacy license offer.",
        ProductType.ONLINE_SERVICES,
        (Term("P1Y", ("monthly", "annual"), Decimal("23.00")),),
        new_commerce=False,
    ),
)

# COM-4: offers Microsoft sells only directly; a provider never resells them, and they are not in the catalog.
NOT_RESOLD = {
    "MS-AZR-0003P": "Azure pay-as-you-go is bought directly from Microsoft; resell the Azure plan instead.",
    "MS-AZR-0017P": "Enterprise Agreement subscriptions are contracted directly with Microsoft.",
}

CURRENCIES: dict[str, tuple[str, Decimal]] = {
    "US": ("USD", Decimal("1")),
    "CA": ("CAD", Decimal("1.36")),
    "GB": ("GBP", Decimal("0.79")),
    "DE": ("EUR", Decimal("0.92")),
}
