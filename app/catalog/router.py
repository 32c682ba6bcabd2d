"""Partner Center's catalog: products, SKUs and availabilities (new commerce)."""

from typing import Annotated, Any

from fastapi import Query, Request

from app.catalog import service
from app.catalog.offers import Offer
from app.catalog.schemas import AvailabilityOut, ProductOut, SkuOut
from app.kernel.errors import NotFound
from app.kernel.pagination import Collection, Page, collection
from app.kernel.pipeline import PARTNER_CENTER_API, PartnerCaller

router = PARTNER_CENTER_API.router(tags=["partner center: catalog"], prefix="/products")
Country = Annotated[str, Query(min_length=2, max_length=2, description="The customer's country.")]


def _listed(request: Request, items: list[Any]) -> Collection[Any]:
    return collection(request, Page(items=items, total=len(items), next_token=None), items)


def _product(offer: Offer) -> ProductOut:
    return ProductOut(
        id=offer.product_id,
        title=offer.title,
        description=offer.description,
        product_type={"id": offer.product_type.value, "display_name": offer.product_type.value},
    )


def _sku(offer: Offer) -> SkuOut:
    cycles = sorted({c for t in offer.terms for c in t.billing_cycles})
    return SkuOut(
        id=offer.sku_id,
        product_id=offer.product_id,
        title=offer.title,
        description=offer.description,
        minimum_quantity=offer.minimum_quantity,
        maximum_quantity=offer.maximum_quantity,
        supported_billing_cycles=cycles,
        dynamic_attributes={"isNewCommerce": offer.new_commerce, "isLicenseBased": offer.license_based},
    )


def _availability(offer: Offer, country: str) -> AvailabilityOut:
    currency, _ = service.currency_of(country)
    terms = []
    for term in offer.terms:
        amount, code = service.price(term, country=country)
        window = [{"refunds": [{"type": "Full", "expiresAfter": "PT168H"}]}] if term.duration else []
        terms.append(
            {
                "duration": term.duration,
                "description": term.duration or "one-time",
                "billing_cycles": list(term.billing_cycles),
                "price": {
                    "list_price": str(amount),
                    "currency_code": code,
                    "unit": "per unit per month" if offer.license_based else "per unit",
                },
                "cancellation_policies": window,
            }
        )
    return AvailabilityOut(
        id=offer.availability_id,
        product_id=offer.product_id,
        sku_id=offer.sku_id,
        catalog_item_id=offer.catalog_item_id,
        country=country.upper(),
        is_purchasable=offer.new_commerce,
        is_renewable=offer.new_commerce,
        default_currency={"code": currency, "symbol": currency},
        terms=terms,
    )


@router.get("", response_model=Collection[ProductOut], summary="List products")
async def list_products(
    ctx: PartnerCaller,
    request: Request,
    country: Country,
    target_view: Annotated[str | None, Query(alias="targetView")] = None,
) -> Any:
    """What partners can sell in a country: license-based, Azure plan, reservations, software. Direct EA and
    pay-as-you-go Azure are not among them (COM-4)."""
    return _listed(request, [_product(o) for o in service.products(country=country, target_view=target_view)])


@router.get("/{product_id}", response_model=ProductOut, summary="Read a product")
async def read_product(ctx: PartnerCaller, product_id: str, country: Country) -> Any:
    return _product(service.product(product_id, country=country)[0])


@router.get("/{product_id}/skus", response_model=Collection[SkuOut], summary="List a product's SKUs")
async def list_skus(ctx: PartnerCaller, request: Request, product_id: str, country: Country) -> Any:
    return _listed(request, [_sku(o) for o in service.product(product_id, country=country)])


@router.get(
    "/{product_id}/skus/{sku_id}/availabilities",
    response_model=Collection[AvailabilityOut],
    summary="List a SKU's availabilities (catalogItemId, terms, prices)",
)
async def list_availabilities(
    ctx: PartnerCaller, request: Request, product_id: str, sku_id: str, country: Country
) -> Any:
    offers = [o for o in service.product(product_id, country=country) if o.sku_id.lower() == sku_id.lower()]
    if not offers:
        raise NotFound("SKU", f"{product_id}/{sku_id}")
    return _listed(request, [_availability(o, country) for o in offers])
