"""Reading the catalog (products, promotions, inventory, the legacy offers), and resolving what an order line asks
for (COM-4)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.catalog.offers import (
    CURRENCIES,
    LEGACY_OFFERS,
    NOT_RESOLD,
    OFFER_CATEGORIES,
    OFFERS,
    PROMOTIONS,
    LegacyOffer,
    Offer,
    OfferCategory,
    ProductType,
    Promotion,
    Segment,
    Term,
)
from app.kernel.errors import BadRequest, NotFound, RuleViolation


def currency_of(country: str) -> tuple[str, Decimal]:
    found = CURRENCIES.get(country.upper())
    if found is None:
        raise BadRequest(f"cspsim sells in {', '.join(sorted(CURRENCIES))}; {country} is not one of them.")
    return found


# Partner Center's catalog views (`targetView`), each the product type it lists; cspsim's singular spelling of the
# reservations view is kept beside the documented plural.
TARGET_VIEWS: dict[str, ProductType] = {
    "Azure": ProductType.AZURE,
    "MicrosoftAzure": ProductType.AZURE,
    "AzureReservations": ProductType.AZURE_RESERVATION,
    "AzureReservationsVM": ProductType.AZURE_RESERVATION,
    "AzureReservationsSQL": ProductType.AZURE_RESERVATION,
    "AzureReservationsCosmosDb": ProductType.AZURE_RESERVATION,
    "AzureReservation": ProductType.AZURE_RESERVATION,
    "OnlineServices": ProductType.ONLINE_SERVICES,
    "Software": ProductType.SOFTWARE,
    "SoftwareSUSELinux": ProductType.SOFTWARE,
    "SoftwarePerpetual": ProductType.SOFTWARE,
    "SoftwareSubscriptions": ProductType.SOFTWARE,
}


def products(*, country: str, target_view: str | None) -> list[Offer]:
    currency_of(country)
    wanted = {name.lower(): kind for name, kind in TARGET_VIEWS.items()}
    view = wanted.get(target_view.lower()) if target_view else None
    if target_view and view is None:
        raise BadRequest(f"targetView is one of {', '.join(TARGET_VIEWS)}.")
    seen: dict[str, Offer] = {}
    for offer in OFFERS:
        if country.upper() in offer.countries and (view is None or offer.product_type is view):
            seen.setdefault(offer.product_id, offer)
    return list(seen.values())


def product(product_id: str, *, country: str) -> list[Offer]:
    found = [o for o in OFFERS if o.product_id.lower() == product_id.lower() and country.upper() in o.countries]
    if not found:
        raise NotFound("Product", product_id)
    return found


def price(term: Term, *, country: str) -> tuple[Decimal, str]:
    currency, rate = currency_of(country)
    return (term.price_usd * rate).quantize(Decimal("0.01")), currency


@dataclass(frozen=True)
class Resolved:
    offer: Offer
    term: Term
    billing_cycle: str
    unit_price: Decimal
    currency: str


def resolve(
    offer_id: str, *, term_duration: str | None, billing_cycle: str | None, country: str, quantity: int
) -> Resolved:
    """What an order line buys. COM-4: Direct EA and pay-as-you-go Azure are not resold."""
    if offer_id.upper() in NOT_RESOLD:
        raise RuleViolation("COM-4", f"{offer_id} is not offered through CSP: {NOT_RESOLD[offer_id.upper()]}")
    offer = next((o for o in OFFERS if offer_id.lower() in {o.catalog_item_id.lower(), o.product_id.lower()}), None)
    if offer is None or country.upper() not in offer.countries:
        raise BadRequest(f"The offer {offer_id} is not in the catalog for {country} (GET /v1/products).").with_code(
            800004, "InvalidOfferId"
        )
    if not offer.new_commerce:
        raise BadRequest(f"{offer.title} is a legacy offer and is no longer sold; buy its new-commerce successor.")
    term = offer.term(term_duration) or (offer.terms[0] if term_duration is None and len(offer.terms) == 1 else None)
    if term is None:
        offered = ", ".join(t.duration or "none" for t in offer.terms)
        raise BadRequest(f"{offer.title} is sold with the terms {offered}, not {term_duration or 'no termDuration'}.")
    cycle = (billing_cycle or term.billing_cycles[0]).lower()
    if cycle not in term.billing_cycles:
        raise BadRequest(
            f"The {term.duration or 'one-time'} term of {offer.title} bills {', '.join(term.billing_cycles)}"
            f", not {billing_cycle}."
        )
    if not offer.minimum_quantity <= quantity <= offer.maximum_quantity:
        raise BadRequest(
            f"{offer.title} is sold in quantities of {offer.minimum_quantity} to {offer.maximum_quantity}."
        ).with_code(2002, "QuantityOutOfRange")
    unit, currency = price(term, country=country)
    return Resolved(offer=offer, term=term, billing_cycle=cycle, unit_price=unit, currency=currency)


def sku(product_id: str, sku_id: str, *, country: str) -> Offer:
    """One SKU of a product (404 names which of the two is unknown)."""
    found = next((o for o in product(product_id, country=country) if o.sku_id.lower() == sku_id.lower()), None)
    if found is None:
        raise NotFound("SKU", f"{product_id}/{sku_id}")
    return found


# --- promotions -------------------------------------------------------------------------------------------------


def promotions(*, country: str, segment: str, now: datetime) -> list[Promotion]:
    """The promotions running now (by the sandbox clock) for customers of the country and segment."""
    currency_of(country)
    wanted = Segment(segment)  # WireEnum: any case; another segment is refused naming the permitted ones
    return [p for p in PROMOTIONS if country.upper() in p.countries and p.segment is wanted and p.start <= now <= p.end]


def promotion(promotion_id: str, *, country: str) -> Promotion:
    """One promotion by id, running or not (Partner Center answers ended ones too, for reconciliation)."""
    currency_of(country)
    found = next(
        (p for p in PROMOTIONS if p.id.lower() == promotion_id.lower() and country.upper() in p.countries), None
    )
    if found is None:
        raise NotFound("Promotion", promotion_id)
    return found


def applicable_promotion(
    promotion_id: str, *, offer: Offer, term: Term, billing_cycle: str, country: str, now: datetime
) -> Promotion:
    """The promotion an order or cart line names, as `GET /v1/productpromotions` lists it: a known promotion
    running now (sandbox clock) for the customer's country, on the line's product, SKU, term and billing cycle.
    Anything else is refused (400), saying which of these does not hold."""
    found = next((p for p in PROMOTIONS if p.id.lower() == promotion_id.lower()), None)
    if found is None:
        raise BadRequest(
            f"There is no promotion {promotion_id}: name one GET /v1/productpromotions lists, or leave promotionId out."
        ).with_code(800075, "PromotionNotFound")
    why = (
        f"it is for customers in {', '.join(found.countries)}, not {country}"
        if country.upper() not in found.countries
        else f"it runs from {found.start.isoformat()} to {found.end.isoformat()}"
        if not found.start <= now <= found.end
        else f"it is for {found.product_id}:{found.sku_id}, not {offer.product_id}:{offer.sku_id}"
        if (found.product_id.lower(), found.sku_id.lower()) != (offer.product_id.lower(), offer.sku_id.lower())
        else f"it is for a {found.duration} term billed {found.billing_cycle.lower()}, not {term.duration or 'none'} "
        f"billed {billing_cycle}"
        if (found.duration, found.billing_cycle.lower()) != (term.duration, billing_cycle.lower())
        else None
    )
    if why is not None:
        raise BadRequest(f"Promotion {found.id} does not apply here: {why}.").with_code(800076, "PromotionNotEligible")
    return found


# --- inventory ----------------------------------------------------------------------------------------------------

# What a SKU needs in `inventoryContext` to be checked: Partner Center's InventoryVariables, by product type.
INVENTORY_VARIABLES: dict[ProductType, tuple[str, ...]] = {
    ProductType.AZURE_RESERVATION: ("customerId", "azureSubscriptionId", "armRegionName"),
}


@dataclass(frozen=True)
class InventoryResult:
    offer: Offer
    restrictions: list[dict[str, object]]


def check_inventory(
    *, country: str, items: list[tuple[str, str | None]], context: dict[str, str]
) -> list[InventoryResult]:
    """Each (productId, skuId) item's restrictions; a product without a SKU stands for all its SKUs, and an item not
    in the catalog is left out of the answer (as Partner Center does). A SKU whose inventory variables are missing
    from the context is refused with Partner Center's 400026."""
    currency_of(country)
    given = {k.lower(): v for k, v in context.items()}
    results: list[InventoryResult] = []
    for product_id, sku_id in items:
        for offer in OFFERS:
            if offer.product_id.lower() != product_id.lower() or country.upper() not in offer.countries:
                continue
            if sku_id and offer.sku_id.lower() != sku_id.lower():
                continue
            missing = [v for v in INVENTORY_VARIABLES.get(offer.product_type, ()) if not given.get(v.lower())]
            if missing:
                raise BadRequest(f"Checking {offer.title} needs {', '.join(missing)} in inventoryContext.").with_code(
                    400026, "InventoryContextItemMissing"
                )
            results.append(InventoryResult(offer, _restrictions(offer, given)))
    return results


def _restrictions(offer: Offer, context: dict[str, str]) -> list[dict[str, object]]:
    region = offer.extra.get("armRegionName")
    asked = context.get("armregionname", "").lower()
    if region is None or asked == region:
        return []
    return [
        {
            "reasonCode": "NotAvailableForSubscription",
            "description": f"Restriction identified of type 'Location' with values '{asked}'.",
            "properties": {"type": "Location", "values": asked},
        }
    ]


# --- the legacy offer catalog -----------------------------------------------------------------------------------


def offer_categories(*, country: str) -> list[OfferCategory]:
    currency_of(country)
    return sorted(OFFER_CATEGORIES, key=lambda c: c.rank)


def legacy_offers(*, country: str) -> list[LegacyOffer]:
    currency_of(country)
    return sorted((o for o in LEGACY_OFFERS if country.upper() in o.countries), key=lambda o: o.rank)


def legacy_offer(offer_id: str, *, country: str) -> LegacyOffer:
    found = next((o for o in legacy_offers(country=country) if o.id.lower() == offer_id.lower()), None)
    if found is None:
        raise NotFound("Offer", offer_id)
    return found


def offer_category(category_id: str) -> OfferCategory:
    return next(c for c in OFFER_CATEGORIES if c.id == category_id)
