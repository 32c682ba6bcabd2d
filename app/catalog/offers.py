"""The catalog's contents: a realistic small set of offers, with list prices in USD.

Prices per unit per month for license-based offers (the P1M term costs 20 % more than P1Y: the monthly-term
premium), per unit for one-time and reserved offers. Other currencies follow the country's rate.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    # An add-on is bought only with `parentSubscriptionId` naming a subscription of one of these products.
    addon_of: tuple[str, ...] = ()
    # The products a subscription of this one may be upgraded to mid-term (Partner Center's transition paths).
    upgrades_to: tuple[str, ...] = ()

    @property
    def is_addon(self) -> bool:
        return bool(self.addon_of)

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
        upgrades_to=("CFQ7TTC0LF8S",),
    ),
    Offer(
        "CFQ7TTC0LF8S",
        "0002",
        "CFQ7TTC0LF8Q",
        "Microsoft 365 E5",
        "E3 plus advanced security, compliance, voice and analytics.",
        ProductType.ONLINE_SERVICES,
        _seats("57.00"),
    ),
    Offer(
        "CFQ7TTC0LH18",
        "0001",
        "CFQ7TTC0LH0R",
        "Microsoft 365 Business Basic",
        "Web and mobile apps, email.",
        ProductType.ONLINE_SERVICES,
        _seats("6.00"),
        upgrades_to=("CFQ7TTC0LDPB", "CFQ7TTC0LCHC", "CFQ7TTC0LFLX"),
    ),
    Offer(
        "CFQ7TTC0LDPB",
        "0001",
        "CFQ7TTC0LDNZ",
        "Microsoft 365 Business Standard",
        "Desktop apps, email.",
        ProductType.ONLINE_SERVICES,
        _seats("12.50"),
        upgrades_to=("CFQ7TTC0LCHC", "CFQ7TTC0LFLX"),
    ),
    Offer(
        "CFQ7TTC0LCHC",
        "0002",
        "CFQ7TTC0LCH4",
        "Microsoft 365 Business Premium",
        "Standard plus security.",
        ProductType.ONLINE_SERVICES,
        _seats("22.00"),
        upgrades_to=("CFQ7TTC0LFLX",),
    ),
    # Add-ons: bought on top of a base subscription (parentSubscriptionId), co-termed with it.
    Offer(
        "CFQ7TTC0LFK3",
        "0001",
        "CFQ7TTC0LFJZ",
        "Microsoft 365 E5 Compliance",
        "Add-on: information protection, governance, insider risk and eDiscovery for Microsoft 365 E3.",
        ProductType.ONLINE_SERVICES,
        _seats("12.00"),
        addon_of=("CFQ7TTC0LFLX",),
    ),
    Offer(
        "CFQ7TTC0LFZ2",
        "0001",
        "CFQ7TTC0LFZ0",
        "Microsoft Teams Phone Standard",
        "Add-on: cloud telephony in Microsoft Teams.",
        ProductType.ONLINE_SERVICES,
        _seats("10.00"),
        addon_of=("CFQ7TTC0LFLX", "CFQ7TTC0LDPB", "CFQ7TTC0LCHC", "CFQ7TTC0LH18"),
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
        # A reservation is bought for one Azure region: checkInventory answers whether that region is open to a
        # customer's Azure subscription.
        # Its other dynamic attributes are the VM size's, as Partner Center lists them; one SKU here holds both
        # durations (Partner Center has a SKU per duration).
        extra={
            "armRegionName": "eastus",
            "region": "US East",
            "armSkuName": "Standard_D2s_v3",
            "cores": "2",
            "ram": "8",
            "skuDisplayName": "D2s v3",
            "category": "General purpose",
            "duration": "1Year,3Years",
            "diskType": "Ssd",
        },
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


# --- promotions (new commerce) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    """A discount on one catalog item's term and billing cycle, in some countries, for a window of dates."""

    id: str
    name: str
    description: str
    product_id: str
    sku_id: str
    duration: str
    billing_cycle: str
    percent_off: Decimal
    start: datetime
    end: datetime
    countries: tuple[str, ...] = ("US", "CA", "GB", "DE")
    segment: Segment = Segment.COMMERCIAL
    auto_applicable: bool = True


PROMOTIONS: tuple[Promotion, ...] = (
    Promotion(
        "CFQ7TTC0LFLX:0001:CFQ7TTC0KXK9",
        "Microsoft 365 E3 - 10% off a one-year term",
        "10% off Microsoft 365 E3 bought for a year, billed annually.",
        "CFQ7TTC0LFLX",
        "0001",
        "P1Y",
        "Annual",
        Decimal("0.10"),
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC),
    ),
    Promotion(
        "CFQ7TTC0LCHC:0002:CFQ7TTC0KXKB",
        "Microsoft 365 Business Premium - 15% off, US only",
        "15% off Microsoft 365 Business Premium bought for a year, billed monthly.",
        "CFQ7TTC0LCHC",
        "0002",
        "P1Y",
        "Monthly",
        Decimal("0.15"),
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC),
        countries=("US",),
    ),
    Promotion(
        "CFQ7TTC0LH18:0001:CFQ7TTC0KXKC",
        "Microsoft 365 Business Basic - 20% off (ended)",
        "A promotion whose window is over: listed by id, never among the current ones.",
        "CFQ7TTC0LH18",
        "0001",
        "P1Y",
        "Annual",
        Decimal("0.20"),
        datetime(2021, 6, 1, tzinfo=UTC),
        datetime(2021, 6, 30, 23, 59, 59, tzinfo=UTC),
    ),
)


# --- the legacy offer catalog (read-only) --------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferCategory:
    id: str
    name: str
    rank: int


OFFER_CATEGORIES: tuple[OfferCategory, ...] = (
    OfferCategory("Enterprise_Key", "Enterprise", 20),
    OfferCategory("SmallBusiness_Key", "Small Business", 30),
)


@dataclass(frozen=True)
class LegacyOffer:
    """A license offer of the catalog before new commerce (`/v1/offers`). Older clients still read it; nothing buys
    from it any more: purchases go through the new-commerce product of the same name."""

    id: str
    name: str
    description: str
    category_id: str
    rank: int
    product_id: str  # the legacy product's id, not a new-commerce product id
    successor: str  # the new-commerce product id of the same name
    minimum_quantity: int = 1
    maximum_quantity: int = 300
    countries: tuple[str, ...] = ("US", "CA", "GB", "DE")


# Office 365 E3's id is Partner Center's real legacy offer id (the legacy offer of OFFERS above); the others are
# cspsim's own, in the same GUID form.
LEGACY_OFFERS: tuple[LegacyOffer, ...] = (
    LegacyOffer(
        "796B6B5F-613C-4E24-A17C-EBA730D49C02",
        "Office 365 E3",
        "Productivity apps and services for the enterprise.",
        "Enterprise_Key",
        10,
        "8b6e4d8c-2d1f-4c4e-9d11-3c2f0f8e3a01",
        "CFQ7TTC0LFLX",
    ),
    LegacyOffer(
        "C6F5B4C7-1E0B-4C6A-8E6B-2F0D4C6E8A11",
        "Microsoft 365 E3",
        "Productivity apps, security and management.",
        "Enterprise_Key",
        20,
        "a3c9f0e2-7c61-4b63-9a55-0f1e2d3c4b02",
        "CFQ7TTC0LFLX",
    ),
    LegacyOffer(
        "D9A1E6B2-4F3C-4A7D-9B8E-1C2D3E4F5A12",
        "Microsoft 365 Business Basic",
        "Web and mobile apps, email.",
        "SmallBusiness_Key",
        30,
        "b4d0a1f3-8d72-4c74-8b66-1a2b3c4d5e03",
        "CFQ7TTC0LH18",
    ),
    LegacyOffer(
        "E2B3C4D5-6A7B-4C8D-9E0F-2A3B4C5D6E13",
        "Microsoft 365 Business Standard",
        "Desktop apps, email.",
        "SmallBusiness_Key",
        40,
        "c5e1b2a4-9e83-4d85-9c77-2b3c4d5e6f04",
        "CFQ7TTC0LDPB",
    ),
    LegacyOffer(
        "F3C4D5E6-7B8C-4D9E-8F1A-3B4C5D6E7F14",
        "Microsoft 365 Business Premium",
        "Standard plus security.",
        "SmallBusiness_Key",
        50,
        "d6f2c3b5-af94-4e96-8d88-3c4d5e6f7a05",
        "CFQ7TTC0LCHC",
    ),
)
