"""Reading the catalog, and resolving what an order line asks for (COM-4)."""

from dataclasses import dataclass
from decimal import Decimal

from app.catalog.offers import CURRENCIES, NOT_RESOLD, OFFERS, Offer, ProductType, Term
from app.kernel.errors import BadRequest, NotFound, RuleViolation


def currency_of(country: str) -> tuple[str, Decimal]:
    found = CURRENCIES.get(country.upper())
    if found is None:
        raise BadRequest(f"cspsim sells in {', '.join(sorted(CURRENCIES))}; {country} is not one of them.")
    return found


def products(*, country: str, target_view: str | None) -> list[Offer]:
    currency_of(country)
    wanted = {t.value.lower(): t for t in ProductType}
    view = wanted.get((target_view or "").lower()) if target_view else None
    if target_view and view is None:
        raise BadRequest(f"targetView is one of {', '.join(t.value for t in ProductType)}.")
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
        raise BadRequest(f"{offer.title} is sold with the terms {offered}, not {term_duration}.")
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
